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
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
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
    Path spool;
    Path runs;
    /** A worker or two more than cores. */
    int processes;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(CORES <= 4, "a worker or two more than cores, not dozens: " + CORES + " cores here");
        processes = CORES + 2;
        spool = tmp.resolve("spool");
        runs = Files.createDirectories(tmp.resolve("out")).resolve("runs");
    }

    @Test
    void shortBusyJobsGoToAsManyWorkersAsCoresAndShortWaitingOnesToAll() throws IOException {
        Spooler spooler = Spooler.builder(spool).durable(false).open();
        int busy = 6_000;
        // Each spins a core for 0.3 ms: CPU-bound beyond doubt, also while unlink(2) waits for a
        // disk that discards freed blocks (a no-op job's worker is off the core for much of its time there).
        spool(spooler, busy, Map.of("file", runs.toString(), "pid", true, "spin_ms", 0.3), null); // queued before the start
        DaemonProcess daemon = DaemonProcess.startReady(spool, processes, "--frequency", "0.2");

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= busy, busy + " short jobs to run", daemon);
        Map<String, Integer> late = jobsPerWorker(SpoolFiles.lines(runs).subList(busy / 2, busy));
        int onCores = late.values().stream().sorted(Comparator.reverseOrder()).limit(CORES).mapToInt(Integer::intValue).sum();
        // On a quiet machine all of them; spread over every worker, CORES / processes of them.
        assertTrue(onCores >= busy / 2 * 0.75, "the second half of the busy jobs ran on " + late
                + ", not three quarters of them on " + CORES + " workers" + daemon.describe());

        int waiting = 1_500;
        spool(spooler, waiting, Map.of("file", runs.toString(), "pid", true, "sleep_ms", 1), Instant.now().plusSeconds(3));
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= busy + waiting, waiting + " sleeping jobs to run", daemon);
        Set<String> sleepers = workers(SpoolFiles.lines(runs).subList(busy + waiting / 2, busy + waiting));
        assertEquals(processes, sleepers.size(), "the second half of the sleeping jobs ran on every worker" + daemon.describe());
    }

    @Test
    void aWorkerInALongJobLeavesTheCoresToTheOthers() throws IOException {
        Path release = tmp.resolve("release");
        DaemonProcess daemon = DaemonProcess.startReady(spool, processes, "--frequency", "0.2");
        Spooler spooler = Spooler.builder(spool).durable(false).open();

        // A long job that waits (it holds no core), then a backlog of short busy ones, due all at once.
        String sleeper = spooler.spool(AppendTask.NAME, Map.of("file", runs.toString(), "pid", true, "until", release.toString()));
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool).isEmpty(), "the long job to be claimed", daemon);
        int busy = 6_000;
        spool(spooler, busy, Map.of("file", runs.toString(), "pid", true), Instant.now().plusSeconds(3));
        // None of them waits behind the long job, or this would not end.
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= busy, "the short jobs to run", daemon);
        Set<String> late = workers(SpoolFiles.lines(runs).subList(busy / 2, busy));
        assertTrue(late.size() >= Math.min(CORES, processes - 1), "the second half of the short jobs ran on " + late
                + ", not on as many workers as there are cores (" + CORES + ") besides the long job's" + daemon.describe());

        Files.createFile(release);
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= busy + 1, "the long job to end", daemon);
        String sleeperPid = SpoolFiles.lines(runs).get(busy).split(" ")[1];
        assertTrue(!late.contains(sleeperPid), "the long job's worker ran none of them: " + late + " " + sleeperPid);
    }

    /** Queues n jobs due at the same moment, or now (jobs written while a drain runs would set its pace instead). */
    private static void spool(Spooler spooler, int n, Map<String, Object> args, Instant due) {
        for (int i = 0; i < n; i++) {
            JobSpec.Builder job = JobSpec.builder(AppendTask.NAME).args(args);
            spooler.spool((due == null ? job : job.at(due)).build());
        }
    }

    /** worker pid -> how many of the lines' jobs it ran. */
    private static Map<String, Integer> jobsPerWorker(List<String> lines) {
        Map<String, Integer> jobs = new TreeMap<>();
        for (String line : lines) {
            jobs.merge(line.substring(line.indexOf(' ') + 1), 1, Integer::sum);
        }
        return jobs;
    }

    private static Set<String> workers(List<String> lines) {
        return jobsPerWorker(lines).keySet();
    }
}
