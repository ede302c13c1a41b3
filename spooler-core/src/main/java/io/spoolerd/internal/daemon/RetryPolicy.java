package io.spoolerd.internal.daemon;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff: {@code base * 2^(attempts-1)}, capped at {@code max}, with at most ±20 %
 * jitter so that jobs failing together do not come back together. {@code maxAttempts} 0 means
 * unlimited.
 */
record RetryPolicy(Duration base, Duration max, int maxAttempts, DoubleSupplier random) {

    static final double JITTER = 0.2;

    static RetryPolicy of(DaemonConfig config) {
        return new RetryPolicy(config.retryDelay, config.retryMaxDelay, config.maxAttempts,
                () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    }

    /** The delay before the next try after {@code attempts} failed attempts (1 or more). */
    Duration delayAfter(int attempts) {
        double millis = base.toMillis() * Math.pow(2, Math.max(0, Math.min(attempts - 1, 40)));
        millis = Math.min(millis, max.toMillis());
        double jitter = 1 + JITTER * (2 * random.getAsDouble() - 1);
        return Duration.ofMillis(Math.round(millis * jitter));
    }

    /** Whether a job that has now made {@code attempts} attempts may try again. */
    boolean mayRetry(int attempts, Integer jobMaxAttempts) {
        int limit = jobMaxAttempts != null ? jobMaxAttempts : maxAttempts;
        return limit == 0 || attempts < limit;
    }
}
