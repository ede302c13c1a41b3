package io.spoolerd.internal.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spoolerd.internal.store.JobIds;
import io.spoolerd.internal.store.JobNames;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Issue 6: a million queued jobs in the daemon's index must leave its RSS under 256 MiB. */
class IndexFootprintTest {

    @Test
    void aMillionQueuedApiJobsTakeUnder100BytesEach() {
        int n = 1_000_000;
        long before = usedAfterGc();
        Index index = new Index();
        long now = System.currentTimeMillis();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String name = JobNames.format(JobIds.next(Clock.systemUTC()), i % 1000 == 0 ? 1 : 0, null, null);
            var c = JobNames.parse(name);
            index.putJob(name, c.priority(), c.dueMillis(), now);
        }
        long fillMillis = (System.nanoTime() - t0) / 1_000_000;
        long bytesPerJob = (usedAfterGc() - before) / n;
        System.out.printf("index of %,d canonical names: %d bytes a job, filled in %,d ms%n", n, bytesPerJob, fillMillis);
        assertEquals(n, index.size());
        assertTrue(bytesPerJob < 100, bytesPerJob + " bytes a job");
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
