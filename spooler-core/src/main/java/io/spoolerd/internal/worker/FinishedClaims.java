package io.spoolerd.internal.worker;

import io.spoolerd.internal.Threads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongSupplier;

/**
 * Deletes the claims of finished jobs: on the job thread while that is quick, off it while the
 * file system makes {@code unlink} wait. On a file system mounted with {@code discard}, an unlink
 * waits for the disk to trim the file's block, and the fuller the file system the longer (about
 * 0.15 ms with 200,000 job files here, 0.5 ms with a million). While unlinks are that slow, a
 * finished claim is renamed to a hidden name in the same directory instead (a rename frees no
 * block, so it does not wait), and a thread of its own deletes it. From the rename on it is no job
 * to anyone: a daemon recovering claims, {@code list} and the id checks skip hidden names, so a
 * worker killed before the delete leaves a file to remove (the daemon does when it stops), never a
 * job to run again. When unlinks are quick, the rename would only add work on a small machine,
 * where the deleter thread takes its CPU from the other workers; so the job thread deletes itself
 * until a moving average of its unlinks passes {@link #SLOW_UNLINK_NANOS}, and the deleter hands
 * back once its own average falls under half of that. The backlog is bounded: with
 * {@link #BACKLOG} files waiting, the job thread deletes itself.
 */
final class FinishedClaims {

    static final String SUFFIX = WorkerProtocol.FINISHED_CLAIM_SUFFIX;
    static final int BACKLOG = 256;
    static final long SLOW_UNLINK_NANOS = 300_000;

    /** How a file is deleted: {@code Files::deleteIfExists}, or a test's. */
    interface Deleter {
        void delete(Path file) throws IOException;
    }

    private final Deleter deleter;
    private final LongSupplier nanoTime;
    private final BlockingQueue<Path> toDelete = new ArrayBlockingQueue<>(BACKLOG);
    /** Moving averages of unlink times (1/16 weight to the newest), on the job thread and on the deleter thread. */
    private long inlineAverage;
    private volatile long deferredAverage;
    private volatile boolean deferring;
    private Thread thread;

    FinishedClaims() {
        this(Files::deleteIfExists, System::nanoTime);
    }

    FinishedClaims(Deleter deleter, LongSupplier nanoTime) {
        this.deleter = deleter;
        this.nanoTime = nanoTime;
    }

    static Path hiddenName(Path claim) {
        return claim.resolveSibling("." + claim.getFileName() + SUFFIX);
    }

    /**
     * Removes a finished job's claim from under its name, now or (renamed) soon. True when it is
     * gone from its name; false when neither the rename nor the delete worked (the daemon tries).
     */
    boolean finish(Path claim) {
        if (!deferring) {
            long began = nanoTime.getAsLong();
            boolean deleted = delete(claim);
            inlineAverage += (nanoTime.getAsLong() - began - inlineAverage) / 16;
            if (inlineAverage > SLOW_UNLINK_NANOS) {
                deferredAverage = inlineAverage;
                deferring = true;
            }
            return deleted;
        }
        Path hidden = hiddenName(claim);
        try {
            Files.move(claim, hidden, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            return delete(claim);
        }
        if (thread == null) {
            thread = Threads.start("claim-deleter", this::deleteLoop);
        }
        if (!toDelete.offer(hidden)) {
            delete(hidden);
        }
        return true;
    }

    boolean deferring() {
        return deferring;
    }

    /** Deletes what still waits, on the calling thread: before the worker exits. */
    void drain() {
        for (Path p; (p = toDelete.poll()) != null; ) {
            delete(p);
        }
    }

    private void deleteLoop() {
        while (true) {
            Path next;
            try {
                next = toDelete.take();
            } catch (InterruptedException e) {
                return;
            }
            long began = nanoTime.getAsLong();
            delete(next);
            long average = deferredAverage + (nanoTime.getAsLong() - began - deferredAverage) / 16;
            deferredAverage = average;
            if (deferring && average < SLOW_UNLINK_NANOS / 2) {
                inlineAverage = 0; // the job thread leaves it alone while deferring, and reads it after the volatile write below
                deferring = false;
            }
        }
    }

    private boolean delete(Path file) {
        try {
            deleter.delete(file);
            return true;
        } catch (IOException e) {
            return false; // a hidden leftover is the daemon's to remove; a claim, the daemon tries again
        }
    }
}
