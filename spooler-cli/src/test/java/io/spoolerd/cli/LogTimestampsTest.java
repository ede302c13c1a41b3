package io.spoolerd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The log's hand-made timestamps: what {@link Instant#parse} reads back as the same instant, always with milliseconds. */
class LogTimestampsTest {

    @Test
    void eachMillisecondFormatsAsItsInstant() {
        long[] samples = {0, 1, 999, 1000, 1_764_043_919_007L, 1_764_043_919_010L, 1_764_043_919_999L, 1_764_043_920_000L,
            951_782_400_000L /* 2000-02-29 */, -1, -1000, -1001};
        for (long millis : samples) {
            String text = LogSetup.Timestamps.format(millis);
            assertEquals(Instant.ofEpochMilli(millis), Instant.parse(text), text);
            assertEquals(24, text.length(), text);
        }
        assertEquals("2025-11-25T04:11:59.007Z", LogSetup.Timestamps.format(1_764_043_919_007L));
    }

    @Test
    void theCachedSecondDoesNotLeakIntoTheNext() {
        assertEquals("1970-01-01T00:00:00.999Z", LogSetup.Timestamps.format(999));
        assertEquals("1970-01-01T00:00:01.000Z", LogSetup.Timestamps.format(1000));
        assertEquals("1970-01-01T00:00:00.500Z", LogSetup.Timestamps.format(500));
    }
}
