package io.spoolerd.cli;

import io.spoolerd.internal.daemon.Daemon;
import io.spoolerd.internal.daemon.DaemonConfig;
import io.spoolerd.internal.store.FileModes;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spoolerd start}: the daemon, in the foreground, logging to stdout. */
@Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the daemon in the foreground: a fixed pool of worker processes runs the jobs "
            + "dropped into the spool directory. SIGTERM, SIGINT (Ctrl-C) or 'spoolerd stop' stop it "
            + "gracefully. Every duration is in seconds, fractions allowed (0.5).")
final class StartCommand implements Callable<Integer> {

    @Mixin
    SpoolDirOption spoolDir;

    @Option(names = "--processes", paramLabel = "N", description = "Worker processes (default ${DEFAULT-VALUE}).")
    int processes = DaemonConfig.DEFAULT_PROCESSES;

    @Option(names = "--frequency", paramLabel = "SECONDS", converter = Durations.class,
            description = "Scan the directory at least this often (default 1); new files are noticed at once anyway.")
    Duration frequency = DaemonConfig.DEFAULT_FREQUENCY;

    @Option(names = "--task", paramLabel = "NAME=COMMAND",
            description = "A command task, run with /bin/sh -c, the job JSON on stdin (repeatable).")
    List<String> tasks = new ArrayList<>();

    @Option(names = "--classpath", paramLabel = "JARS", description = "Jars or directories with more Java tasks, separated by ':'.")
    String classpath;

    @Option(names = "--max-attempts", paramLabel = "N", description = "Attempts before a job moves to failed/ (default ${DEFAULT-VALUE}; 0 = unlimited).")
    int maxAttempts = DaemonConfig.DEFAULT_MAX_ATTEMPTS;

    @Option(names = "--retry-delay", paramLabel = "SECONDS", converter = Durations.class,
            description = "First retry delay, doubling each attempt (default: the frequency).")
    Duration retryDelay;

    @Option(names = "--retry-max-delay", paramLabel = "SECONDS", converter = Durations.class,
            description = "Longest retry delay (default 3600).")
    Duration retryMaxDelay = DaemonConfig.DEFAULT_RETRY_MAX_DELAY;

    @Option(names = "--harakiri", paramLabel = "SECONDS", converter = Durations.class,
            description = "Kill a job (and its worker) running longer than this; it counts an attempt.")
    Duration harakiri;

    @Option(names = "--max-tasks", paramLabel = "N", description = "Replace a worker after N jobs (default: never).")
    int maxTasks;

    @Option(names = "--keep-done", description = "Move completed jobs to done/ instead of deleting them.")
    boolean keepDone;

    @Option(names = "--grace", paramLabel = "SECONDS", converter = Durations.class,
            description = "On stop, how long running jobs may take to finish (default 30).")
    Duration grace = DaemonConfig.DEFAULT_GRACE;

    @Option(names = "--lease", paramLabel = "SECONDS", converter = Durations.class,
            description = "Claims of a daemon silent this long are returned to the queue (default 30).")
    Duration lease = DaemonConfig.DEFAULT_LEASE;

    @Option(names = "--bad-grace", paramLabel = "SECONDS", converter = Durations.class,
            description = "An unparseable file unchanged this long moves to bad/ (default 5).")
    Duration badGrace = DaemonConfig.DEFAULT_BAD_GRACE;

    @Option(names = "--max-job-bytes", paramLabel = "N", description = "Larger job files go to bad/ (default ${DEFAULT-VALUE}).")
    int maxJobBytes = DaemonConfig.DEFAULT_MAX_JOB_BYTES;

    @Option(names = "--umask", paramLabel = "MASK", description = "Octal umask for what the daemon creates (default 077: files 0600, directories 0700).")
    String umask;

    @Option(names = "--chdir", paramLabel = "DIR", description = "Where command tasks run (default: the spool directory's parent).")
    Path chdir;

    @Option(names = "--worker-jvm-opts", paramLabel = "OPTS", description = "JVM options for worker processes, space-separated (replace the defaults).")
    String workerJvmOpts;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text (default) or json.")
    LogSetup.Format logFormat = LogSetup.Format.TEXT;

    @Option(names = "--log-file", paramLabel = "FILE", description = "Append the log to FILE instead of stdout.")
    Path logFile;

    @Override
    public Integer call() throws Exception {
        DaemonConfig config = config();
        LogSetup.install(logFormat, logFile);
        Daemon daemon = Daemon.create(config);
        warnIfWorldWritable(daemon.root());
        Signals.onStop(daemon::requestStop);
        return daemon.run();
    }

    DaemonConfig config() {
        DaemonConfig.Builder b = DaemonConfig.builder()
                .spoolDir(spoolDir.path())
                .processes(processes)
                .frequency(frequency)
                .maxAttempts(maxAttempts)
                .retryMaxDelay(retryMaxDelay)
                .maxTasks(maxTasks)
                .keepDone(keepDone)
                .grace(grace)
                .lease(lease)
                .badGrace(badGrace)
                .maxJobBytes(maxJobBytes);
        Map<String, String> commands = new LinkedHashMap<>();
        for (String t : tasks) {
            int eq = t.indexOf('=');
            if (eq <= 0 || eq == t.length() - 1) {
                throw new ExitCodes.UsageException("--task takes NAME=COMMAND, got '" + t + "'");
            }
            commands.put(t.substring(0, eq), t.substring(eq + 1));
        }
        commands.forEach(b::commandTask);
        if (classpath != null) {
            for (String entry : classpath.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    b.classpath(checkClassPathEntry(Path.of(entry)));
                }
            }
        }
        if (retryDelay != null) {
            b.retryDelay(retryDelay);
        }
        if (harakiri != null) {
            b.harakiri(harakiri);
        }
        if (umask != null) {
            b.modes(FileModes.parseUmask(umask));
        }
        if (chdir != null) {
            if (!Files.isDirectory(chdir)) {
                throw new ExitCodes.UsageException("--chdir " + chdir + " is not a directory");
            }
            b.chdir(chdir.toAbsolutePath());
        }
        if (workerJvmOpts != null) {
            b.workerJvmOpts(Arrays.stream(workerJvmOpts.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
        }
        return b.build();
    }

    /**
     * A --classpath entry must be a directory or a jar the daemon can open: the JVM silently skips a
     * missing or corrupt one, and its tasks would just be unknown, with no word about why.
     */
    static Path checkClassPathEntry(Path entry) {
        if (Files.isDirectory(entry)) {
            return entry;
        }
        if (!Files.exists(entry)) {
            throw new ExitCodes.UsageException("--classpath " + entry + ": no such file or directory");
        }
        try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(entry.toFile())) {
            return entry;
        } catch (java.io.IOException e) {
            throw new ExitCodes.UsageException("--classpath " + entry + ": not a readable jar (" + e.getMessage() + ")");
        }
    }

    private static void warnIfWorldWritable(Path root) {
        try {
            var perms = Files.getPosixFilePermissions(root);
            if (perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
                System.getLogger("spoolerd").log(System.Logger.Level.WARNING, "*** " + root
                        + " is writable by other users: anyone who can write there can queue work for your tasks ***");
            }
        } catch (Exception ignored) {
            // not a POSIX file system: nothing to check
        }
    }
}
