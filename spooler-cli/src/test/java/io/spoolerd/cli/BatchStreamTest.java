package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Producers that send durable batches without pause, faster than the daemon can expand them (an
 * fsync per job), must not keep it from running jobs meanwhile: the loop reads new files within a
 * time budget per turn and hands out jobs between turns. Before, it handled every new name at
 * once, and with names arriving faster than that it never got to hand out a job until the
 * producers stopped.
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class BatchStreamTest {

    static final int PRODUCERS = 4;

    @TempDir
    Path tmp;

    @Test
    void jobsRunWhileBatchesKeepComing() throws Exception {
        Path spool = tmp.resolve("spool");
        Path runs = Files.createDirectories(tmp.resolve("out")).resolve("runs");
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, "--frequency", "1");
        Spooler spooler = Spooler.open(spool);
        JobSpec job = JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).build();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong spooled = new AtomicLong();
        AtomicReference<Throwable> producerFailed = new AtomicReference<>();
        List<Thread> producers = new ArrayList<>();
        for (int i = 0; i < PRODUCERS; i++) {
            Thread t = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        spooler.spoolAll(List.of(job, job, job));
                        spooled.addAndGet(3);
                    }
                } catch (RuntimeException e) {
                    producerFailed.compareAndSet(null, e);
                }
            }, "producer-" + i);
            t.start();
            producers.add(t);
        }
        try {
            awaitCondition(Duration.ofSeconds(30), () -> !SpoolFiles.lines(runs).isEmpty(),
                    "a job to run while the producers keep sending batches", daemon);
            long atFirstRun = spooled.get();
            awaitCondition(Duration.ofSeconds(30), () -> spooled.get() > atFirstRun + 1_000
                    && SpoolFiles.lines(runs).size() > 100, "more jobs to run as more batches come", daemon);
        } finally {
            stop.set(true);
            for (Thread t : producers) {
                t.join(30_000);
            }
        }
        assertNull(producerFailed.get(), "a producer failed");
        assertTrue(spooled.get() > SpoolFiles.lines(runs).size(), "the producers were still ahead: " + spooled.get()
                + " spooled, " + SpoolFiles.lines(runs).size() + " ran");
    }
}
