package io.spoolerd.internal.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the busy workers count as CPU-bound, on a made-up clock and made-up scheduler figures. */
class WorkerLoadTest {

    private static final long STEP = WorkerLoad.SAMPLE_NANOS;

    private final Map<Long, Long> runnable = new HashMap<>();
    private final WorkerLoad load = new WorkerLoad(tid -> runnable.getOrDefault(tid, -1L));

    /** Advances thread tid's running-or-runnable time by share of one sample interval. */
    private void ran(long tid, double share) {
        runnable.merge(tid, (long) (share * STEP), Long::sum);
    }

    @Test
    void workersOnTheCoresOrQueuedForThemAreCpuBound() {
        runnable.put(1L, 0L);
        runnable.put(2L, 0L);
        assertTrue(load.cpuBound(() -> List.of(1L, 2L), 0), "nothing to judge at the first look: assumed bound");
        ran(1, 1.0);
        ran(2, 0.8); // half of it waiting for a core counts too
        assertTrue(load.cpuBound(() -> List.of(1L, 2L), STEP));
    }

    @Test
    void workersThatWaitOnSomethingElseLiftIt() {
        runnable.put(1L, 0L);
        runnable.put(2L, 0L);
        load.cpuBound(() -> List.of(1L, 2L), 0);
        ran(1, 1.0);
        ran(2, 0.3); // one waiting for its next batch: on average still on the cores
        assertTrue(load.cpuBound(() -> List.of(1L, 2L), STEP));
        ran(1, 0.4);
        ran(2, 0.3); // sleeping, or blocked on the network or a disk
        assertFalse(load.cpuBound(() -> List.of(1L, 2L), 2 * STEP));
    }

    @Test
    void theVerdictHoldsBetweenLooksAndWhileNobodyNewCanBeJudged() {
        runnable.put(1L, 0L);
        load.cpuBound(() -> List.of(1L), 0);
        ran(1, 1.0);
        assertTrue(load.cpuBound(() -> List.of(1L), STEP));
        assertTrue(load.cpuBound(() -> List.of(), STEP + STEP / 2), "no new look before the interval is over");
        runnable.put(3L, 0L);
        assertTrue(load.cpuBound(() -> List.of(3L), 2 * STEP), "a worker busy since the last look only is judged next time");
        ran(3, 0.1);
        assertFalse(load.cpuBound(() -> List.of(3L), 3 * STEP));
    }

    @Test
    void afterAnIdleSpellTheVerdictStaysAndNewWorkIsJudgedSoon() {
        runnable.put(1L, 0L);
        load.cpuBound(() -> List.of(1L), 0);
        ran(1, 0.1);
        assertFalse(load.cpuBound(() -> List.of(1L), STEP));
        assertFalse(load.cpuBound(() -> List.of(), 2 * STEP), "nobody busy: the verdict stays");
        runnable.put(2L, 0L);
        long came = 2 * STEP + 1;
        assertFalse(load.cpuBound(() -> List.of(2L), came), "work came: looked at at once, the verdict still stays");
        runnable.put(2L, WorkerLoad.FIRST_SAMPLE_NANOS); // on a core all the time since
        assertTrue(load.cpuBound(() -> List.of(2L), came + WorkerLoad.FIRST_SAMPLE_NANOS), "judged soon after it came");
    }

    @Test
    void noSchedulerFiguresMeansNotBound() {
        for (int i = 0; i < 5; i++) { // workers that could not say which thread runs their jobs
            assertFalse(load.cpuBound(() -> List.of(-1L, -1L), i * STEP));
        }
        WorkerLoad blind = new WorkerLoad(tid -> -1);
        assertFalse(blind.cpuBound(() -> List.of(1L), 0));
        assertFalse(blind.cpuBound(() -> List.of(1L), STEP));
    }

    @Test
    void readsThisMachinesSchedulerFiguresWhereThereAreAny() {
        long self = WorkerLoad.schedstat(ProcessHandle.current().pid());
        assertTrue(self > 0 || !java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/schedstat")), "schedstat " + self);
    }
}
