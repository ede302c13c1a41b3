package io.spoolerd;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A job to spool: the task, its arguments and the optional scheduling fields.
 * Build one with {@link #builder(String)}; {@link Spooler#spool(JobSpec)} makes it durable.
 */
public final class JobSpec {

    private final String task;
    private final Map<String, Object> args;
    private final Instant at;
    private final int priority;
    private final Integer maxAttempts;
    private final String id;

    private JobSpec(Builder b) {
        this.task = b.task;
        this.args = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.args));
        this.at = b.at;
        this.priority = b.priority;
        this.maxAttempts = b.maxAttempts;
        this.id = b.id;
    }

    public static JobSpec of(String task, Map<String, ?> args) {
        return builder(task).args(args).build();
    }

    public static Builder builder(String task) {
        return new Builder(task);
    }

    public String task() {
        return task;
    }

    public Map<String, Object> args() {
        return args;
    }

    /** Not before this instant, or null for as soon as possible. */
    public Instant at() {
        return at;
    }

    public int priority() {
        return priority;
    }

    /** Overrides the daemon's {@code --max-attempts}, or null. */
    public Integer maxAttempts() {
        return maxAttempts;
    }

    /** The producer's idempotency key, or null for a generated id. */
    public String id() {
        return id;
    }

    public static final class Builder {
        private final String task;
        private final Map<String, Object> args = new LinkedHashMap<>();
        private Instant at;
        private int priority;
        private Integer maxAttempts;
        private String id;

        private Builder(String task) {
            if (task == null || task.isBlank()) {
                throw new InvalidJobException("\"task\" must be a non-empty string");
            }
            this.task = task;
        }

        public Builder args(Map<String, ?> args) {
            Objects.requireNonNull(args, "args");
            args.forEach(this::arg);
            return this;
        }

        public Builder arg(String name, Object value) {
            Objects.requireNonNull(name, "arg name");
            args.put(name, value);
            return this;
        }

        public Builder at(Instant at) {
            if (at != null) {
                try {
                    at.toEpochMilli();
                } catch (ArithmeticException e) {
                    throw new InvalidJobException("\"at\" is out of range, got " + at);
                }
            }
            this.at = at;
            return this;
        }

        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 0) {
                throw new InvalidJobException("\"max_attempts\" must be 0 (unlimited) or more, got " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder id(String id) {
            io.spoolerd.internal.store.JobNames.checkId(id);
            this.id = id;
            return this;
        }

        public JobSpec build() {
            return new JobSpec(this);
        }
    }
}
