package io.spoolerd.internal.worker;

import io.spoolerd.InvalidJobException;
import io.spoolerd.Job;
import io.spoolerd.Outcome;
import io.spoolerd.Task;
import io.spoolerd.internal.ProcessTrees;
import io.spoolerd.internal.Threads;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobFiles;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The entry point of a worker process. It claims and runs, one at a time, the jobs the daemon
 * that started it names (see {@link WorkerProtocol}), and exits when the daemon goes away (end of
 * stdin), taking its command children with it.
 */
public final class WorkerMain {

    private final WorkerProtocol.Writer daemon;
    private final JobOutput output;
    private final BlockingQueue<WireMessage> inbox = new LinkedBlockingQueue<>();
    private final FinishedClaims finished = new FinishedClaims();
    /** Names to claim and run, in order; only the main thread touches it. */
    private final Deque<String> names = new ArrayDeque<>();
    private volatile boolean shuttingDown;
    private volatile boolean daemonGone;
    private long runNow;
    /** Results sent since the last flush that this thread asked for. */
    private int heldResults;
    private Settings settings;
    private TaskRegistry tasks;

    /** What the init message says: where jobs come from and go, and how big one may be. */
    private record Settings(Path dropZone, Path claims, int maxJobBytes, boolean keepDone) {}

    private WorkerMain(WorkerProtocol.Writer daemon, JobOutput output) {
        this.daemon = daemon;
        this.output = output;
    }

    public static void main(String[] args) throws Exception {
        ignoreInterrupt();
        // The protocol owns the real stdout; whatever tasks print goes to stderr, line by line, with the job id.
        WorkerProtocol.Writer daemon = new WorkerProtocol.Writer(new FileOutputStream(FileDescriptor.out));
        PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        JobOutput output = new JobOutput(stderr);
        PrintStream tasksPrint = new PrintStream(output, true, StandardCharsets.UTF_8);
        System.setOut(tasksPrint);
        System.setErr(tasksPrint);
        new WorkerMain(daemon, output).serve();
    }

    /** Ctrl-C in a terminal signals the whole process group; only the daemon should decide what stops. */
    @SuppressWarnings("removal")
    private static void ignoreInterrupt() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException | UnsupportedOperationException ignored) {
            // not on this platform: the daemon still stops us through the protocol
        }
    }

    private void serve() throws Exception {
        Threads.start("worker-stdin", this::readDaemon);
        WireMessage init = inbox.take();
        Path workDir = Path.of(init.text("chdir", "."));
        tasks = new TaskRegistry(init.textMap("commands"), new CommandTask.Settings(workDir));
        settings = new Settings(Path.of(init.text("drop_zone", "")), Path.of(init.text("claims", "")),
                (int) init.number("max_job_bytes", 1 << 20), init.bool("keep_done", false));
        daemon.send(WorkerProtocol.message(WorkerProtocol.HELLO).put("pid", ProcessHandle.current().pid())
                .put("tid", osThreadId()).put("tasks", tasks.names()));
        while (true) {
            if (names.isEmpty()) {
                take(inbox.take());
            }
            for (WireMessage more; (more = inbox.poll()) != null; ) {
                take(more);
            }
            String name = names.poll();
            if (name == null) {
                continue;
            }
            if (daemonGone) {
                Thread.currentThread().join(); // the stdin thread halts this process; the job stays for the next daemon
            }
            WireMessage result = shuttingDown ? result(name, "skipped") : claimAndRun(name);
            output.jobId(null);
            heldResults++;
            if (names.isEmpty() && inbox.isEmpty()) {
                daemon.send(result); // nothing follows: the daemon should know now
                heldResults = 0;
            } else if (heldResults >= names.size()) {
                // half of what was sent is done: the daemon tops the batch up while the other half runs
                daemon.send(result);
                heldResults = 0;
            } else {
                daemon.sendSoon(result);
            }
        }
    }

    /** This thread's id as Linux knows it ({@code /proc/thread-self -> <pid>/task/<tid>}), or -1 elsewhere. */
    private static long osThreadId() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private void take(WireMessage message) {
        if (WorkerProtocol.RUN.equals(message.op())) {
            runNow = message.number("now", System.currentTimeMillis());
            names.addAll(message.texts("names"));
        }
    }

    private void readDaemon() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                WireMessage message = WorkerProtocol.parse(line);
                if (WorkerProtocol.SHUTDOWN.equals(message.op())) {
                    shuttingDown = true;
                } else {
                    inbox.add(message);
                    if (WorkerProtocol.RUN.equals(message.op())) {
                        daemon.startFlushDelay(); // on this thread, while the job thread claims its job
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: no daemon, no work
        }
        daemonGone = true; // the job thread claims nothing more
        CommandTask.stopStarting(); // and starts no command after the kill below has looked
        ProcessTrees.kill(ProcessHandle.current(), false);
        finished.drain(); // after the kill: a slow disk must not keep a command running
        Runtime.getRuntime().halt(0);
    }

    private static WireMessage result(String name, String outcome) {
        return WorkerProtocol.message(WorkerProtocol.RESULT).put("name", name).put("outcome", outcome);
    }

    /**
     * Claims the job by renaming it into the daemon's claims directory, checks it, runs it. A job
     * that cannot run here stays claimed, and the daemon, told why, puts it back.
     */
    private WireMessage claimAndRun(String name) {
        Path claim = settings.claims().resolve(name);
        try {
            Files.move(settings.dropZone().resolve(name), claim, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Over NFS a rename retransmitted after a lost reply can report an error (often "no such file") to the
            // client whose first try went through: the claim is there, so it is ours. Nobody else renames into it.
            if (!Files.exists(claim, LinkOption.NOFOLLOW_LINKS)) {
                return e instanceof NoSuchFileException ? result(name, "gone")
                        : result(name, "io_error").put("error", "cannot claim: " + JobFiles.describe(e));
            }
        }
        byte[] json;
        JobFile parsed;
        try {
            BasicFileAttributes attrs = Files.readAttributes(claim, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile()) {
                return result(name, "not_a_file").put("error", "not a regular file");
            }
            json = JobFiles.read(claim, attrs, settings.maxJobBytes());
            parsed = JobCodec.parse(json, name);
        } catch (InvalidJobException e) {
            return result(name, "invalid").put("error", e.getMessage());
        } catch (AccessDeniedException e) {
            return result(name, "unreadable").put("error", name + ": cannot read: " + JobFiles.describe(e));
        } catch (IOException e) {
            return result(name, "io_error").put("error", "cannot read: " + JobFiles.describe(e));
        }
        if (parsed.version() > JobCodec.FORMAT_VERSION) {
            return result(name, "unknown_task").put("error", "format version " + parsed.version() + " is newer than this daemon's")
                    .put("id", parsed.idOr(name));
        }
        Task task = tasks.get(parsed.task());
        if (task == null) {
            return result(name, "unknown_task").put("error", "no task named \"" + parsed.task() + "\" here")
                    .put("id", parsed.idOr(name));
        }
        if (parsed.notBefore() != null && parsed.notBefore().toEpochMilli() > runNow) {
            return result(name, "not_due").put("due", parsed.notBefore().toEpochMilli());
        }
        String id = parsed.idOr(name);
        int attempt = parsed.attempts() + 1;
        try {
            daemon.sendStart(WorkerProtocol.message(WorkerProtocol.START).put("name", name).put("id", id)
                    .put("task", parsed.task()).put("attempt", attempt));
        } catch (IOException e) {
            Runtime.getRuntime().halt(0); // the daemon is gone: the job stays claimed for recovery
        }
        long began = System.nanoTime();
        WireMessage result = run(task, new Job(id, parsed.task(), JobCodec.argsOf(parsed), attempt, parsed.at(), parsed.priority()),
                claim, json, result(name, "error"));
        result.put("duration_us", (System.nanoTime() - began) / 1000).put("id", id).put("task", parsed.task()).put("attempt", attempt);
        if ("ok".equals(result.text("outcome")) && !settings.keepDone()) {
            result.put("deleted", finished.finish(claim)); // when false, the daemon tries
        }
        return result;
    }

    private WireMessage run(Task task, Job job, Path file, byte[] json, WireMessage result) {
        output.jobId(job.id());
        try {
            WorkerContext context = new WorkerContext(daemon, () -> shuttingDown, file, json, job.id(), job.attempt(), output);
            Outcome outcome = task.run(job, context);
            if (outcome == null) {
                return result.put("outcome", "error").put("error", "task returned no outcome");
            }
            return describe(outcome, result);
        } catch (InvalidJobException e) {
            return result.put("outcome", "fail").put("error", e.getMessage());
        } catch (CommandTask.CommandFailedException e) {
            return result.put("outcome", "error").put("error", e.getMessage());
        } catch (Throwable e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            output.println("task threw " + e);
            return result.put("outcome", "error").put("error", oneLine(e));
        }
    }

    private static WireMessage describe(Outcome outcome, WireMessage result) {
        if (outcome instanceof Outcome.Ok) {
            return result.put("outcome", "ok");
        }
        if (outcome instanceof Outcome.Retry retry) {
            result.put("outcome", "retry");
            return retry.delay() == null ? result : result.put("delay_ms", retry.delay().toMillis());
        }
        if (outcome instanceof Outcome.Ignore) {
            return result.put("outcome", "ignore");
        }
        Outcome.Fail fail = (Outcome.Fail) outcome;
        return result.put("outcome", "fail").put("error", fail.reason());
    }

    private static String oneLine(Throwable e) {
        String text = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        text = text.replaceAll("\\s*\\R\\s*", " ");
        return text.length() > 1000 ? text.substring(0, 997) + "..." : text;
    }
}
