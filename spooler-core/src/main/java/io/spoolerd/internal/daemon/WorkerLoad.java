package io.spoolerd.internal.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;

/**
 * Whether the workers that have jobs are CPU-bound: each one's job thread was running or waiting
 * for a core for most of the last {@link #SAMPLE_NANOS}. While short jobs are CPU-bound, a worker
 * more than there are cores adds no throughput, only a JVM more to warm up and more switching
 * (ten workers on two cores drained at half the rate of two); the daemon then batches to as many
 * workers as there are cores. Jobs that wait (on the network, a disk, a sleep) leave their
 * worker's thread neither running nor runnable, and then every worker gets jobs as before.
 *
 * <p>Linux tells by {@code /proc/<tid>/schedstat} of the worker's thread that runs the jobs (its
 * id comes in the worker's hello): nanoseconds on a core and nanoseconds runnable in a queue.
 * Elsewhere the answer is no.
 */
final class WorkerLoad {

    static final long SAMPLE_NANOS = 100_000_000;
    /** How soon work that found the workers idle is judged: a burst of short jobs may be over in 100 ms. */
    static final long FIRST_SAMPLE_NANOS = 20_000_000;
    /**
     * The share of the time the busy workers' threads must have been running or runnable, on
     * average, to count as CPU-bound. Not near 1: a drain's worker also waits for its next batch,
     * and in unlink(2) while a disk discards the freed blocks.
     */
    static final double CPU_BOUND_SHARE = 0.5;

    /** thread id -> nanoseconds it was running or runnable, or -1 when that cannot be read. */
    private final LongUnaryOperator runnableNanos;
    private Map<Long, long[]> last = new HashMap<>();
    private long nextSample = Long.MIN_VALUE;
    /** The last verdict, kept while the workers idle; null before the first. */
    private Boolean verdict;
    private boolean blind;

    WorkerLoad() {
        this(WorkerLoad::schedstat);
    }

    WorkerLoad(LongUnaryOperator runnableNanos) {
        this.runnableNanos = runnableNanos;
    }

    /**
     * The verdict of the last look, taking a new one when {@link #SAMPLE_NANOS} have passed:
     * true when the workers that had jobs at this look and at the one before were runnable for
     * {@link #CPU_BOUND_SHARE} of the time between, on average. A worker that had none at the
     * look before is not judged yet; when no worker can be judged, the verdict stays. Work that
     * comes after the workers were all idle is looked at at once and judged
     * {@link #FIRST_SAMPLE_NANOS} later. Before the first verdict the answer is yes: the first
     * jobs of a drain of short jobs would otherwise go to every worker, and each cold JVM would
     * spend its first hundred milliseconds interpreting them on cores the warm ones need. Where
     * the scheduler's figures cannot be read (a busy worker with no thread id, or no /proc), no.
     *
     * @param busyThreads the job threads of the workers that have jobs; 0 or less for one whose id is unknown
     */
    boolean cpuBound(Supplier<List<Long>> busyThreads, long nanoNow) {
        if (nanoNow < nextSample) {
            return answer();
        }
        List<Long> busy = busyThreads.get();
        Map<Long, long[]> now = new HashMap<>();
        int judged = 0;
        double shares = 0;
        for (long tid : busy) {
            long runnable = tid > 0 ? runnableNanos.applyAsLong(tid) : -1;
            if (runnable < 0) {
                continue;
            }
            now.put(tid, new long[] {nanoNow, runnable});
            long[] before = last.get(tid);
            if (before != null && nanoNow > before[0]) {
                judged++;
                shares += (runnable - before[1]) / (double) (nanoNow - before[0]);
            }
        }
        last = now;
        blind = !busy.isEmpty() && now.isEmpty();
        if (judged > 0) {
            verdict = shares / judged >= CPU_BOUND_SHARE;
            nextSample = nanoNow + SAMPLE_NANOS;
        } else if (now.isEmpty()) {
            // nobody busy: look again as soon as work comes (the verdict stays meanwhile); blind: later
            nextSample = blind ? nanoNow + SAMPLE_NANOS : nanoNow;
        } else {
            nextSample = nanoNow + FIRST_SAMPLE_NANOS; // work just came: judge it soon
        }
        return answer();
    }

    private boolean answer() {
        return !blind && (verdict == null || verdict);
    }

    /** Running plus runnable nanoseconds of the thread, or -1. */
    static long schedstat(long tid) {
        try {
            String[] f = Files.readString(Path.of("/proc", Long.toString(tid), "schedstat")).trim().split(" ");
            return Long.parseLong(f[0]) + Long.parseLong(f[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
