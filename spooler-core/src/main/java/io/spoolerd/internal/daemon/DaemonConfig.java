package io.spoolerd.internal.daemon;

import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.SpoolDirectory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Everything {@code spoolerd start} can set; every field has a named default and is checked when set. */
public final class DaemonConfig {

    public static final int DEFAULT_PROCESSES = 1;
    public static final Duration DEFAULT_FREQUENCY = Duration.ofSeconds(1);
    public static final int DEFAULT_MAX_ATTEMPTS = 10;
    public static final Duration DEFAULT_RETRY_MAX_DELAY = Duration.ofHours(1);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_BAD_GRACE = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_JOB_BYTES = 1 << 20;
    public static final List<String> DEFAULT_WORKER_JVM_OPTS = List.of(
            "-XX:+UseSerialGC", "-Xms8m", "-Xmx128m", "-Xss512k", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-XX:-UsePerfData");

    final Path spoolDir;
    final int processes;
    final Duration frequency;
    final Map<String, String> commandTasks;
    final List<Path> classpath;
    final int maxAttempts;
    final Duration retryDelay;
    final Duration retryMaxDelay;
    final Duration harakiri;
    final int maxTasks;
    final boolean keepDone;
    final Duration grace;
    final Duration lease;
    final Duration badGrace;
    final int maxJobBytes;
    final FileModes modes;
    final Path chdir;
    final List<String> workerJvmOpts;
    final Clock clock;

    private DaemonConfig(Builder b) {
        this.spoolDir = b.spoolDir;
        this.processes = b.processes;
        this.frequency = b.frequency;
        this.commandTasks = Map.copyOf(b.commandTasks);
        this.classpath = List.copyOf(b.classpath);
        this.maxAttempts = b.maxAttempts;
        this.retryDelay = b.retryDelay != null ? b.retryDelay : b.frequency;
        this.retryMaxDelay = b.retryMaxDelay;
        this.harakiri = b.harakiri;
        this.maxTasks = b.maxTasks;
        this.keepDone = b.keepDone;
        this.grace = b.grace;
        this.lease = b.lease;
        this.badGrace = b.badGrace;
        this.maxJobBytes = b.maxJobBytes;
        this.modes = b.modes;
        this.chdir = b.chdir;
        this.workerJvmOpts = List.copyOf(b.workerJvmOpts);
        this.clock = b.clock;
    }

    /** A copy of {@code base} with other worker JVM options (the worker class-data archive's training worker). */
    private DaemonConfig(DaemonConfig base, List<String> workerJvmOpts) {
        this.spoolDir = base.spoolDir;
        this.processes = base.processes;
        this.frequency = base.frequency;
        this.commandTasks = base.commandTasks;
        this.classpath = base.classpath;
        this.maxAttempts = base.maxAttempts;
        this.retryDelay = base.retryDelay;
        this.retryMaxDelay = base.retryMaxDelay;
        this.harakiri = base.harakiri;
        this.maxTasks = base.maxTasks;
        this.keepDone = base.keepDone;
        this.grace = base.grace;
        this.lease = base.lease;
        this.badGrace = base.badGrace;
        this.maxJobBytes = base.maxJobBytes;
        this.modes = base.modes;
        this.chdir = base.chdir;
        this.workerJvmOpts = List.copyOf(workerJvmOpts);
        this.clock = base.clock;
    }

    DaemonConfig withWorkerJvmOpts(List<String> opts) {
        return new DaemonConfig(this, opts);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Path spoolDir() {
        return spoolDir;
    }

    public static final class Builder {
        private Path spoolDir = SpoolDirectory.DEFAULT_ROOT;
        private int processes = DEFAULT_PROCESSES;
        private Duration frequency = DEFAULT_FREQUENCY;
        private final Map<String, String> commandTasks = new LinkedHashMap<>();
        private final List<Path> classpath = new ArrayList<>();
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration retryDelay;
        private Duration retryMaxDelay = DEFAULT_RETRY_MAX_DELAY;
        private Duration harakiri;
        private int maxTasks;
        private boolean keepDone;
        private Duration grace = DEFAULT_GRACE;
        private Duration lease = DEFAULT_LEASE;
        private Duration badGrace = DEFAULT_BAD_GRACE;
        private int maxJobBytes = DEFAULT_MAX_JOB_BYTES;
        private FileModes modes = FileModes.DEFAULT;
        private Path chdir;
        private List<String> workerJvmOpts = DEFAULT_WORKER_JVM_OPTS;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        public Builder spoolDir(Path spoolDir) {
            this.spoolDir = Objects.requireNonNull(spoolDir);
            return this;
        }

        public Builder processes(int processes) {
            this.processes = atLeast("--processes", processes, 1);
            return this;
        }

        public Builder frequency(Duration frequency) {
            this.frequency = positive("--frequency", frequency);
            return this;
        }

        public Builder commandTask(String name, String command) {
            if (name == null || name.isBlank() || command == null || command.isBlank()) {
                throw new IllegalArgumentException("--task takes NAME=COMMAND with both parts non-empty");
            }
            commandTasks.put(name, command);
            return this;
        }

        public Builder classpath(Path jarOrDirectory) {
            classpath.add(Objects.requireNonNull(jarOrDirectory));
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = atLeast("--max-attempts", maxAttempts, 0);
            return this;
        }

        public Builder retryDelay(Duration retryDelay) {
            this.retryDelay = positive("--retry-delay", retryDelay);
            return this;
        }

        public Builder retryMaxDelay(Duration retryMaxDelay) {
            this.retryMaxDelay = positive("--retry-max-delay", retryMaxDelay);
            return this;
        }

        public Builder harakiri(Duration harakiri) {
            this.harakiri = positive("--harakiri", harakiri);
            return this;
        }

        public Builder maxTasks(int maxTasks) {
            this.maxTasks = atLeast("--max-tasks", maxTasks, 0);
            return this;
        }

        public Builder keepDone(boolean keepDone) {
            this.keepDone = keepDone;
            return this;
        }

        public Builder grace(Duration grace) {
            this.grace = notNegative("--grace", grace);
            return this;
        }

        public Builder lease(Duration lease) {
            this.lease = positive("--lease", lease);
            return this;
        }

        public Builder badGrace(Duration badGrace) {
            this.badGrace = notNegative("--bad-grace", badGrace);
            return this;
        }

        public Builder maxJobBytes(int maxJobBytes) {
            this.maxJobBytes = atLeast("--max-job-bytes", maxJobBytes, 2);
            return this;
        }

        public Builder modes(FileModes modes) {
            this.modes = Objects.requireNonNull(modes);
            return this;
        }

        public Builder chdir(Path chdir) {
            this.chdir = chdir;
            return this;
        }

        public Builder workerJvmOpts(List<String> opts) {
            this.workerJvmOpts = List.copyOf(opts);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public DaemonConfig build() {
            if (retryDelay != null && retryDelay.compareTo(retryMaxDelay) > 0) {
                throw new IllegalArgumentException("--retry-delay " + seconds(retryDelay)
                        + " is longer than --retry-max-delay " + seconds(retryMaxDelay));
            }
            return new DaemonConfig(this);
        }

        private static int atLeast(String option, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(option + " must be at least " + min + ", got " + value);
            }
            return value;
        }

        private static Duration positive(String option, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(option + " must be more than 0 seconds, got " + (d == null ? "nothing" : seconds(d)));
            }
            return d;
        }

        private static Duration notNegative(String option, Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(option + " must be 0 seconds or more");
            }
            return d;
        }
    }

    static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
    }
}
