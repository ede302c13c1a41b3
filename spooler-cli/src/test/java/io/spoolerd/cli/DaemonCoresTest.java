package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * With more workers than cores, a drain of short jobs that keep their workers on the cores ends
 * up on as many workers as there are cores; short jobs that wait (here: sleep) go to every worker.
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class DaemonCoresTest {

    static final Duration WAIT = Duration.ofSeconds(90);
    static final int CORES = Runtime.getRuntime().availableProcessors();

    @TempDir
    Path tmp;

    @Test
    void shortBusyJobsGoToAsManyWorkersAsCoresAndShortWaitingOnesToAll() throws IOException {
        assumeTrue(CORES <= 4, "a worker or two more than cores, not dozens: " + CORES + " cores here");
        int processes = CORES + 2;
        Path spool = tmp.resolve("spool");
        Path runs = Files.createDirectories(tmp.resolve("out")).resolve("runs");
        DaemonProcess daemon = DaemonProcess.startReady(spool, processes, "--frequency", "0.2");
        Spooler spooler = Spooler.builder(spool).durable(false).open();

        int busy = 6_000;
        spool(spooler, busy, Map.of("file", runs.toString(), "pid", true));
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= busy, busy + " short jobs to run", daemon);
        Set<String> lateWorkers = workers(SpoolFiles.lines(runs).subList(busy / 2, busy));
        assertTrue(lateWorkers.size() <= CORES, "the second half of the busy jobs ran on " + lateWorkers.size()
                + " workers, not at most " + CORES + daemon.describe());

        int waiting = 1_500;
        spool(spooler, waiting, Map.of("file", runs.toString(), "pid", true, "sleep_ms", 1));
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= busy + waiting, waiting + " sleeping jobs to run", daemon);
        Set<String> sleepers = workers(SpoolFiles.lines(runs).subList(busy + waiting / 2, busy + waiting));
        assertEquals(processes, sleepers.size(), "the second half of the sleeping jobs ran on every worker" + daemon.describe());
    }

    private static void spool(Spooler spooler, int n, Map<String, Object> args) {
        List<JobSpec> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            jobs.add(JobSpec.of(AppendTask.NAME, args));
        }
        spooler.spoolAll(jobs);
    }

    private static Set<String> workers(List<String> lines) {
        Set<String> pids = new HashSet<>();
        for (String line : lines) {
            pids.add(line.substring(line.indexOf(' ') + 1));
        }
        return pids;
    }
}
