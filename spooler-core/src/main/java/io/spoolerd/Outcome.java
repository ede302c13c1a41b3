package io.spoolerd;

import java.time.Duration;
import java.util.Objects;

/** What a task says about the job it ran. */
public sealed interface Outcome {

    /** Done: the job is deleted (or moved to {@code done/} with {@code --keep-done}). */
    record Ok() implements Outcome {}

    /**
     * Run again later. Counts an attempt; {@code delay} replaces the backoff when present.
     */
    record Retry(Duration delay) implements Outcome {
        public Retry {
            if (delay != null && delay.isNegative()) {
                throw new IllegalArgumentException("retry delay must not be negative: " + delay);
            }
        }
    }

    /** Leave the job untouched for another daemon; counts no attempt. */
    record Ignore() implements Outcome {}

    /** Give up: the job moves to {@code failed/} at once, with the reason in its history. */
    record Fail(String reason) implements Outcome {
        public Fail {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static Outcome ok() {
        return new Ok();
    }

    static Outcome retry() {
        return new Retry(null);
    }

    static Outcome retry(Duration delay) {
        return new Retry(Objects.requireNonNull(delay, "delay"));
    }

    static Outcome ignore() {
        return new Ignore();
    }

    static Outcome fail(String reason) {
        return new Fail(reason);
    }
}
