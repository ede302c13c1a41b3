package io.spoolerd.bench;

import java.time.Instant;

/** Wall-clock time in microseconds (CLOCK_REALTIME, comparable across processes and with Python's time.time_ns()). */
final class Clocks {

    private Clocks() {}

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
