package io.spoolerd.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code spoolerd start} daemon, run as its own OS process (a JVM on the test class path
 * running {@link Main}), for integration and torture tests.
 *
 * <pre>
 * DaemonProcess daemon = DaemonProcess.startReady(spoolDir, 2, "--frequency", "0.2", "--task", "t=...");
 * ... spool jobs ...
 * DaemonProcess.awaitCondition(Duration.ofSeconds(30), () -> ..., "what we wait for", daemon);
 * daemon.sigterm();
 * assertEquals(0, daemon.awaitExit(Duration.ofSeconds(30)));
 * </pre>
 *
 * <ul>
 *   <li>Its stdout and stderr (merged) are read line by line into a thread-safe list: {@link #log()},
 *       {@link #awaitLog(Pattern, Duration)}, and {@link #mark()} with
 *       {@link #awaitLog(int, Predicate, Duration, String)} to look only at what came after a point.
 *       {@code -Dspoolerd.test.echo=true} also copies every line to the test's stdout.</li>
 *   <li>{@link #sigterm()} is a graceful stop, {@link #signal(String)} sends any other signal,
 *       {@link #kill9()} is a crash; {@link #awaitExit(Duration)} returns the exit code.</li>
 *   <li>{@link #workers()} lists its worker processes (children running {@value #WORKER_MAIN});
 *       {@link #survivors()} every process ever seen below it that still runs.</li>
 *   <li>{@link #close()} kills the daemon and every process ever seen below it (sampled every
 *       100 ms and just before {@link #kill9()}), so workers and commands die with the test even
 *       after the daemon was killed and they were re-parented. Put
 *       {@code @ExtendWith(DaemonProcess.Cleanup.class)} on a test class to close every daemon
 *       after each test; a shutdown hook is the last resort.</li>
 * </ul>
 *
 * Tests wait for conditions with {@link #awaitCondition(Duration, BooleanSupplier, String, DaemonProcess...)}
 * (polling with a deadline, failing with the daemons' recent log), never by sleeping a guessed time.
 */
final class DaemonProcess implements AutoCloseable {

    static final String WORKER_MAIN = "io.spoolerd.internal.worker.WorkerMain";
    /** Lean JVM flags: the machines running the suite are small and shared. */
    static final List<String> JVM_OPTS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-Xmx256m", "-XX:-UsePerfData");
    private static final Duration POLL = Duration.ofMillis(20);
    /** {@code -Dspoolerd.test.echo=true} copies every daemon log line to the test's stdout, for debugging. */
    private static final boolean ECHO = Boolean.getBoolean("spoolerd.test.echo");
    private static final Set<DaemonProcess> LIVE = ConcurrentHashMap.newKeySet();

    private final Path spoolDir;
    private final List<String> command;
    private final Process process;
    /** Guarded by itself; an ArrayList, not copy-on-write: torture tests may log 100,000 lines. */
    private final List<String> log = new ArrayList<>();
    private volatile boolean readerDone;
    /** Every descendant ever seen, so none outlives the test even when re-parented. */
    private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();

    static {
        // Last resort when the test JVM exits without running the Cleanup extension.
        Runtime.getRuntime().addShutdownHook(new Thread(DaemonProcess::closeAll, "daemon-process-cleanup"));
    }

    private DaemonProcess(Path spoolDir, List<String> command, Consumer<ProcessBuilder> customize) throws IOException {
        this.spoolDir = spoolDir;
        this.command = command;
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        customize.accept(builder);
        this.process = builder.start();
        LIVE.add(this);
        Thread reader = new Thread(this::readLog, "daemon-" + process.pid() + "-log");
        reader.setDaemon(true);
        reader.start();
        Thread tracker = new Thread(this::trackDescendants, "daemon-" + process.pid() + "-tracker");
        tracker.setDaemon(true);
        tracker.start();
    }

    /** Starts {@code spoolerd start --spool-dir DIR OPTIONS...}. */
    static DaemonProcess start(Path spoolDir, String... options) {
        return start(spoolDir, Arrays.asList(options));
    }

    static DaemonProcess start(Path spoolDir, List<String> options) {
        return start(spoolDir, List.of(), java.util.Map.of(), options);
    }

    /**
     * Starts the daemon under a {@code wrapper} command that runs the rest of its arguments
     * ({@code setpriv --reuid=65534 ...}, {@code unshare -p -f --kill-child ...}, {@code prlimit ...}),
     * with {@code env} added to the environment. {@link #kill9()} kills the wrapper: use wrappers
     * that exec the command (setpriv, prlimit) or take their child with them ({@code unshare --kill-child}).
     */
    static DaemonProcess start(Path spoolDir, List<String> wrapper, java.util.Map<String, String> env, List<String> options) {
        return start(spoolDir, wrapper, env, System.getProperty("java.class.path"), options);
    }

    /** As above, on another class path (say, copies another user can read); workers inherit it. */
    static DaemonProcess start(Path spoolDir, List<String> wrapper, java.util.Map<String, String> env, String classPath,
            List<String> options) {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(javaCommandOn(classPath, "start", "--spool-dir", spoolDir.toString()));
        command.addAll(options);
        try {
            return new DaemonProcess(spoolDir, command, builder -> builder.environment().putAll(env));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code java <lean opts> -cp <test class path> io.spoolerd.cli.Main ARGS...}. */
    static List<String> javaCommand(String... args) {
        return javaCommandOn(System.getProperty("java.class.path"), args);
    }

    static List<String> javaCommandOn(String classPath, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTS);
        command.add("-cp");
        command.add(classPath);
        command.add(Main.class.getName());
        command.addAll(Arrays.asList(args));
        return command;
    }

    /**
     * Starts a daemon with {@code --processes N} and waits until it is ready for jobs: a worker has
     * said hello (the log's "tasks:" line) and {@code N} worker processes run.
     */
    static DaemonProcess startReady(Path spoolDir, int processes, String... options) {
        List<String> all = new ArrayList<>(List.of("--processes", Integer.toString(processes)));
        all.addAll(Arrays.asList(options));
        return start(spoolDir, all).awaitReady(processes);
    }

    /** Waits for the "tasks:" log line and {@code processes} live workers; returns this daemon. */
    DaemonProcess awaitReady(int processes) {
        awaitLog(Pattern.compile("INFO\\s+tasks: "), Duration.ofSeconds(30));
        awaitWorkers(processes, Duration.ofSeconds(30));
        return this;
    }

    Path spoolDir() {
        return spoolDir;
    }

    long pid() {
        return process.pid();
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** A snapshot of the log so far. */
    List<String> log() {
        return lines(0);
    }

    /** A snapshot of the log lines from index {@code from} on. */
    List<String> lines(int from) {
        synchronized (log) {
            return List.copyOf(log.subList(Math.min(from, log.size()), log.size()));
        }
    }

    /** The number of log lines so far: pass it to {@link #awaitLog(int, Predicate, Duration, String)} to look only after it. */
    int mark() {
        synchronized (log) {
            return log.size();
        }
    }

    /** Waits for a log line that {@code regex} finds (anywhere in the line); returns the line. */
    String awaitLog(Pattern regex, Duration timeout) {
        return awaitLog(0, line -> regex.matcher(line).find(), timeout, "a log line matching /" + regex + "/");
    }

    String awaitLog(String regex, Duration timeout) {
        return awaitLog(Pattern.compile(regex), timeout);
    }

    /** Waits for a line from index {@code from} on that satisfies {@code test}; returns the line. */
    String awaitLog(int from, Predicate<String> test, Duration timeout, String description) {
        String[] found = {null};
        int[] next = {from};
        awaitCondition(timeout, () -> {
            for (String line : lines(next[0])) { // only what arrived since the last look
                next[0]++;
                if (test.test(line)) {
                    found[0] = line;
                    return true;
                }
            }
            return false;
        }, description, this);
        return found[0];
    }

    /** The lines from {@code from} on that {@code regex} finds. */
    List<String> logLines(int from, Pattern regex) {
        return lines(from).stream().filter(l -> regex.matcher(l).find()).collect(Collectors.toList());
    }

    /** The daemon's live worker processes: its children running {@value #WORKER_MAIN}. */
    List<ProcessHandle> workers() {
        return process.descendants().filter(DaemonProcess::isWorker).collect(Collectors.toList());
    }

    /** Waits until exactly {@code n} live workers exist; returns them. */
    List<ProcessHandle> awaitWorkers(int n, Duration timeout) {
        awaitCondition(timeout, () -> workers().size() == n, n + " worker process(es)", this);
        return workers();
    }

    /** Whether {@code p} is a spoolerd worker process (by its command line). */
    static boolean isWorker(ProcessHandle p) {
        ProcessHandle.Info info = p.info();
        if (info.commandLine().map(c -> c.contains(WORKER_MAIN)).orElse(false)) {
            return true;
        }
        return info.arguments().map(a -> Arrays.asList(a).contains(WORKER_MAIN)).orElse(false);
    }

    /**
     * SIGTERM: a graceful stop. Sent through the {@link ProcessHandle}: {@code Process.destroy()}
     * would also close our end of the daemon's stdout and lose what it logs while stopping.
     */
    void sigterm() {
        process.toHandle().destroy();
    }

    /** Sends a signal by name ({@code INT}, {@code HUP}, ...) to the daemon alone, with {@code kill}. */
    void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + name + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** SIGKILL of the daemon alone (its workers are not signalled): a crash. */
    void kill9() {
        remember();
        process.toHandle().destroyForcibly();
    }

    /** Waits for the daemon to exit; returns its exit code. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("daemon pid " + pid() + " still running after " + timeout + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        // Let the reader drain the last lines.
        awaitCondition(Duration.ofSeconds(5), () -> readerDone, "the end of the daemon's output", this);
        return process.exitValue();
    }

    /** Every process ever seen below the daemon that still runs (workers, commands, also orphaned ones). */
    List<ProcessHandle> survivors() {
        remember();
        return seen.stream().filter(ProcessHandle::isAlive).collect(Collectors.toList());
    }

    /** Kills the daemon and every process ever seen below it; waits for them to be gone. */
    @Override
    public void close() {
        remember();
        process.destroyForcibly();
        for (ProcessHandle h : seen) {
            h.destroyForcibly();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle h : seen) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception ignored) {
                // nothing more we can do; the kernel reaps it eventually
            }
        }
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(this);
    }

    /** The command and the last log lines, for failure messages. */
    String describe() {
        List<String> lines = log();
        int from = Math.max(0, lines.size() - 60);
        return "\n--- daemon pid " + pid() + ": " + String.join(" ", command.subList(command.indexOf(Main.class.getName()), command.size()))
                + "\n--- last " + (lines.size() - from) + " of " + lines.size() + " log lines:\n"
                + String.join("\n", lines.subList(from, lines.size()));
    }

    /**
     * Polls {@code condition} every 20 ms until it holds or {@code timeout} has passed, then fails
     * with {@code description} (and the daemons' recent log when given).
     */
    static void awaitCondition(Duration timeout, BooleanSupplier condition, String description, DaemonProcess... context) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                StringBuilder m = new StringBuilder("timed out after " + timeout + " waiting for " + description);
                for (DaemonProcess d : context) {
                    m.append(d.describe());
                }
                throw new AssertionError(m.toString());
            }
            try {
                Thread.sleep(POLL.toMillis()); // the poll interval, not a guess at how long the condition takes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + description, e);
            }
        }
    }

    /**
     * For things that must not happen: runs {@code check} (which throws when it sees one) every 20 ms
     * until {@code duration} has passed.
     */
    static void during(Duration duration, Runnable check) {
        long end = System.nanoTime() + duration.toNanos();
        while (true) {
            check.run();
            if (System.nanoTime() >= end) {
                return;
            }
            try {
                Thread.sleep(POLL.toMillis()); // the poll interval
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** Closes every daemon still open (what {@link Cleanup} does after each test). */
    static void closeAll() {
        for (DaemonProcess d : List.copyOf(LIVE)) {
            d.close();
        }
    }

    /** {@code @ExtendWith(DaemonProcess.Cleanup.class)}: no daemon, worker or command outlives a test. */
    static final class Cleanup implements AfterEachCallback {
        @Override
        public void afterEach(ExtensionContext context) {
            closeAll();
        }
    }

    private void readLog() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (log) {
                    log.add(line);
                }
                if (ECHO) {
                    System.out.println("[daemon " + process.pid() + "] " + line);
                }
            }
        } catch (IOException ignored) {
            // the daemon is gone
        } finally {
            readerDone = true;
        }
    }

    private void trackDescendants() {
        while (process.isAlive()) {
            remember();
            try {
                Thread.sleep(100); // sampling interval of the tracker, not a wait for a condition
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void remember() {
        if (process.isAlive()) {
            process.descendants().forEach(seen::add);
        }
    }
}
