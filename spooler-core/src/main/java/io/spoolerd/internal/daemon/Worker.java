package io.spoolerd.internal.daemon;

import io.spoolerd.internal.ProcessTrees;
import io.spoolerd.internal.Threads;
import io.spoolerd.internal.worker.WireMessage;
import io.spoolerd.internal.worker.WorkerProtocol;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The daemon's handle on one worker process: starts it, hands it jobs, forwards its messages as
 * events, and kills it (with any command it started) when told. Two threads per worker read its stdout
 * (protocol) and stderr (task output, logged line by line); nothing here runs task code.
 */
final class Worker {

    private static final System.Logger LOG = System.getLogger("spoolerd");
    private static final AtomicLong HAND_OUTS = new AtomicLong();

    /** RETIRING: told to exit (stdin closed); it takes no more jobs, its exit event follows. */
    enum State { STARTING, IDLE, BUSY, RETIRING, GONE }

    /** What a worker tells the daemon; delivered on the daemon's event queue. */
    sealed interface Message extends Daemon.Event {
        Worker worker();
    }

    /** jobThread: the id of the worker's thread that runs the jobs (Linux), or -1. */
    record Ready(Worker worker, Set<String> tasks, long jobThread) implements Message {}

    /** The worker claimed a job and its task starts. */
    record Started(Worker worker, String name, String id, String task, int attempt) implements Message {}

    /**
     * What became of one named job: {@code outcome} as {@link WorkerProtocol} lists it; id, task and
     * attempt are null and 0 for a job that did not run.
     */
    record Result(Worker worker, String name, String outcome, Long delayMillis, String error, long durationMicros,
                  String id, String task, int attempt, boolean deleted, Long dueMillis) implements Message {

        private static final Set<String> RAN = Set.of("ok", "retry", "error", "fail", "ignore");

        /** Whether the task ran (else the job was not claimed, or claimed and found unfit to run here). */
        boolean ran() {
            return RAN.contains(outcome);
        }
    }

    record Progress(Worker worker, long done, long total, String message) implements Message {}

    record Exited(Worker worker, int exitCode) implements Message {}

    /** A job handed to this worker: queued in it, or running once {@link #startedMillis} is set. */
    static final class Assignment {
        final String name;
        final int priority;
        long startedMillis = -1;
        String id;
        String task;
        int attempt;

        Assignment(String name, int priority) {
            this.name = name;
            this.priority = priority;
        }

        boolean started() {
            return startedMillis >= 0;
        }
    }

    final int slot;
    private final Process process;
    private final WorkerProtocol.Writer stdin;
    State state = State.STARTING;
    /** Handed to this worker and not yet reported, in the order it runs them; the first may be running. */
    final ArrayDeque<Assignment> assigned = new ArrayDeque<>();
    int jobsRun;
    /** Which hand-out of jobs, counted across all workers, it had last (larger is more recent), or 0. */
    long lastHandOut;
    /** The worker's thread that runs the jobs, as the OS knows it (Linux), or -1: for {@link WorkerLoad}. */
    long jobThread = -1;
    /**
     * The process of the command task running now, or -1: set by the reader thread in message order
     * (a child, then its job's result), so it is known when the worker dies right after starting it.
     */
    volatile long childPid = -1;
    /** Why the daemon killed it, or null: the job's error text then. */
    String killedBecause;
    boolean killedForStop;
    long done;
    long total;
    String progressMessage;

    private Worker(int slot, Process process) {
        this.slot = slot;
        this.process = process;
        this.stdin = new WorkerProtocol.Writer(process.getOutputStream());
    }

    static Worker start(int slot, DaemonConfig config, Path spoolRoot, Path claims, Consumer<Daemon.Event> events)
            throws IOException {
        Process process = WorkerCommand.of(config).start();
        Worker worker = new Worker(slot, process);
        WireMessage init = WorkerProtocol.message(WorkerProtocol.INIT).put("commands", config.commandTasks);
        Path workDir = config.chdir != null ? config.chdir : spoolRoot.getParent();
        init.put("chdir", workDir.toAbsolutePath().toString());
        init.put("max_job_bytes", config.maxJobBytes);
        init.put("drop_zone", spoolRoot.toAbsolutePath().toString());
        init.put("claims", claims.toAbsolutePath().toString());
        init.put("keep_done", config.keepDone);
        worker.stdin.send(init);
        Threads.start("worker-" + worker.pid() + "-out", () -> worker.readMessages(events));
        Threads.start("worker-" + worker.pid() + "-err", worker::logOutput);
        return worker;
    }

    long pid() {
        return process.pid();
    }

    /** The job running now, or null. */
    Assignment running() {
        Assignment first = assigned.peekFirst();
        return first != null && first.started() ? first : null;
    }

    /** Hands the worker jobs to claim and run in this order, in one message. */
    void assign(List<Assignment> jobs, long now) throws IOException {
        List<String> names = new ArrayList<>(jobs.size());
        for (Assignment a : jobs) {
            names.add(a.name);
            assigned.add(a);
        }
        state = State.BUSY;
        lastHandOut = HAND_OUTS.incrementAndGet();
        stdin.send(WorkerProtocol.message(WorkerProtocol.RUN).put("now", now).put("names", names));
    }

    /** Tells the worker the daemon is stopping; tasks see {@code isShuttingDown()}. */
    void shutdown() {
        try {
            stdin.send(WorkerProtocol.message(WorkerProtocol.SHUTDOWN));
        } catch (IOException ignored) {
            // already gone: its exit event follows
        }
    }

    /**
     * Closes the worker's stdin: an idle worker exits at once. From now on it is RETIRING, so the
     * daemon hands it no job that would only fail on the closed pipe and lose an attempt.
     */
    void retire() {
        if (state != State.GONE) {
            state = State.RETIRING;
        }
        stdin.close();
    }

    /** Kills the worker and whatever it started, now. */
    void kill(String because) {
        if (killedBecause == null) {
            killedBecause = because;
        }
        ProcessTrees.kill(process.toHandle(), true);
        killCommand(); // in case it had left the tree
    }

    /** The command of the job that was running, with what it started, when it is still there. */
    private void killCommand() {
        long pid = childPid;
        if (pid > 0) {
            ProcessHandle.of(pid).ifPresent(command -> ProcessTrees.kill(command, true));
        }
    }

    private void readMessages(Consumer<Daemon.Event> events) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                Optional<Message> m = decode(line);
                m.ifPresent(events);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "worker " + pid() + " stdout: " + e);
        }
        int exit;
        try {
            exit = process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit = -1;
        }
        killCommand(); // a command outliving its worker is killed too
        events.accept(new Exited(this, exit));
    }

    private Optional<Message> decode(String line) {
        WireMessage m;
        try {
            m = WorkerProtocol.parse(line);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "worker " + pid() + " sent a malformed message: " + line);
            return Optional.empty();
        }
        return Optional.ofNullable(switch (m.op()) {
            case WorkerProtocol.HELLO -> new Ready(this, Set.copyOf(m.texts("tasks")), m.number("tid", -1));
            case WorkerProtocol.START -> new Started(this, m.text("name", ""), m.text("id", ""),
                    m.text("task", ""), (int) m.number("attempt", 1));
            case WorkerProtocol.RESULT -> {
                childPid = -1;
                yield new Result(this, m.text("name", ""), m.text("outcome", "error"), m.number("delay_ms"),
                    m.text("error"), m.number("duration_us", 0), m.text("id"), m.text("task"),
                    (int) m.number("attempt", 0), m.bool("deleted", false), m.number("due"));
            }
            case WorkerProtocol.PROGRESS -> new Progress(this, m.number("done", 0), m.number("total", 0), m.text("message"));
            case WorkerProtocol.CHILD -> {
                childPid = m.number("pid", -1); // only this reader needs it; no event
                yield null;
            }
            default -> null;
        });
    }

    private void logOutput() {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = err.readLine()) != null; ) {
                LOG.log(System.Logger.Level.INFO, line);
            }
        } catch (IOException ignored) {
            // the worker is gone; its exit is reported by the other reader
        }
    }
}
