package io.spoolerd.internal.worker;

import io.spoolerd.internal.Threads;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The messages between the daemon and a worker: one JSON object a line ({@link WireMessage}), on the worker's stdin
 * (daemon to worker) and stdout (worker to daemon). Task output never reaches stdout: the worker
 * sends {@code System.out} to its stderr, which the daemon logs.
 *
 * <pre>
 * daemon → worker  {"op":"init","commands":{name:cmd},"chdir":dir,"max_job_bytes":n,
 *                   "drop_zone":dir,"claims":dir,"keep_done":bool}                 once, first
 *                  {"op":"run","now":millis,"names":[file-name,...]}  claim and run these, in order
 *                  {"op":"shutdown"}                                  the daemon is stopping
 * worker → daemon  {"op":"hello","pid":n,"tid":n,"tasks":[names]}     once, after init; tid: the OS id
 *                                                                     of the thread that runs the jobs
 *                  {"op":"start","name":s,"id":s,"task":s,"attempt":n} claimed, the task starts
 *                  {"op":"child","pid":n}                             a command task's process
 *                  {"op":"progress","done":n,"total":n,"message":s}
 *                  {"op":"result","name":s,"outcome":o,"delay_ms":n,"error":s,"duration_us":n,
 *                   "id":s,"task":s,"attempt":n,"deleted":bool,"due":millis}
 * </pre>
 * Every name of a run message gets exactly one result, in order. The worker claims each job
 * itself (an atomic rename from the drop zone into the daemon's claims directory), so the file
 * work of a drain is spread over the worker processes; the daemon only schedules. Outcomes of a
 * job that ran: {@code ok retry error fail ignore} (on ok the worker has deleted the claim unless
 * keep_done, and says so with "deleted"); of one that did not: {@code gone} (no file to claim),
 * {@code skipped} (the daemon is stopping), and, with the job claimed and left for the daemon to
 * put back, {@code unknown_task not_due invalid not_a_file unreadable io_error}.
 * End of stdin tells the worker the daemon is gone: it kills its children and exits.
 */
public final class WorkerProtocol {

    public static final String INIT = "init";
    public static final String RUN = "run";
    public static final String SHUTDOWN = "shutdown";
    public static final String HELLO = "hello";
    public static final String START = "start";
    public static final String CHILD = "child";
    /**
     * A worker renames a finished job's claim to {@code .<name>} plus this before its deleter
     * thread deletes it (FinishedClaims); one killed meanwhile leaves such a file, no job.
     */
    public static final String FINISHED_CLAIM_SUFFIX = ".finished";
    public static final String PROGRESS = "progress";
    public static final String RESULT = "result";

    /** A message sent with {@link Writer#sendSoon} reaches the other side at most this much later. */
    static final long FLUSH_DELAY_MILLIS = 10;

    private WorkerProtocol() {}

    public static WireMessage message(String op) {
        return WireMessage.of(op);
    }

    /** Reads one message; throws {@link IllegalArgumentException} when the line is not one. */
    public static WireMessage parse(String line) {
        return WireMessage.parse(line);
    }

    /**
     * Writes messages one a line; thread-safe. {@link #send} flushes at once; {@link #sendSoon}
     * leaves the line buffered for up to {@link #FLUSH_DELAY_MILLIS}, so that while jobs follow
     * each other closely many messages share one write (and one wake-up of the reader). A start
     * message is held for that long too, and dropped when its job's result comes first: a short job
     * costs one message, a long one is known to be running within {@link #FLUSH_DELAY_MILLIS}.
     */
    public static final class Writer {
        private final BufferedWriter out;
        private boolean flushScheduled;
        private java.util.concurrent.ScheduledExecutorService flusher;
        private WireMessage heldStart;

        public Writer(OutputStream stream) {
            this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
        }

        public synchronized void send(WireMessage message) throws IOException {
            write(message);
            out.flush();
        }

        public synchronized void sendSoon(WireMessage message) throws IOException {
            write(message);
            flushSoon();
        }

        /** A start message: written with the next message or flush, or not at all when its result comes first. */
        public synchronized void sendStart(WireMessage start) throws IOException {
            writeHeldStart();
            heldStart = start;
            flushSoon();
        }

        /**
         * Starts the flush delay now if none is running. The worker's stdin thread calls it as it hands
         * over names to run, so that the job thread's {@link #sendStart} finds the delay running and
         * wakes no flush thread just before its task starts (a wake-up there, on a busy core, delayed
         * the task's start by tens of microseconds).
         */
        public synchronized void startFlushDelay() {
            flushSoon();
        }

        private void flushSoon() {
            if (!flushScheduled) {
                flushScheduled = true;
                if (flusher == null) {
                    flusher = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("protocol-flush", r));
                }
                flusher.schedule(this::flushQuietly, FLUSH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        public synchronized void flush() throws IOException {
            writeHeldStart();
            out.flush();
        }

        private void write(WireMessage message) throws IOException {
            if (RESULT.equals(message.op())) {
                heldStart = null; // the job is over: that it started is news to nobody
            } else {
                writeHeldStart();
            }
            writeLine(message);
        }

        private void writeHeldStart() throws IOException {
            if (heldStart != null) {
                WireMessage start = heldStart;
                heldStart = null;
                writeLine(start);
            }
        }

        private void writeLine(WireMessage message) throws IOException {
            out.write(message.toJson());
            out.write('\n');
        }

        private synchronized void flushQuietly() {
            flushScheduled = false;
            try {
                writeHeldStart();
                out.flush();
            } catch (IOException ignored) {
                // the other side is gone; whoever sends next finds out
            }
        }

        public synchronized void close() {
            try {
                out.close();
            } catch (IOException ignored) {
                // the other side is gone already
            }
        }
    }
}
