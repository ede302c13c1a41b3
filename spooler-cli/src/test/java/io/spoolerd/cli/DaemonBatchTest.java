package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * While short jobs drain, a worker holds a batch of them (named, not yet claimed): a worker killed
 * or a daemon stopped in the middle loses none of them and counts no attempt for those not started.
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class DaemonBatchTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final int JOBS = 2_000;

    @TempDir
    Path tmp;
    Path spool;
    Path runs;

    @BeforeEach
    void queue() throws IOException {
        spool = tmp.resolve("spool");
        runs = Files.createDirectories(tmp.resolve("out")).resolve("runs");
        Spooler spooler = Spooler.builder(spool).durable(false).open();
        List<JobSpec> jobs = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            jobs.add(JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).build());
        }
        for (JobSpec job : jobs) {
            spooler.spool(job);
        }
    }

    private Set<String> ran() {
        return new HashSet<>(SpoolFiles.lines(runs));
    }

    @Test
    void aWorkerKilledInTheMiddleOfABatchLosesNoJob() {
        Set<String> queued = new HashSet<>(SpoolFiles.jobs(spool));
        assertEquals(JOBS, queued.size());
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--retry-delay", "0.1");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= JOBS / 4, "a quarter of the jobs to run", daemon);
        daemon.workers().get(0).destroyForcibly();

        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool).isEmpty() && SpoolFiles.claims(spool).isEmpty(),
                "the rest to drain on a new worker", daemon);
        awaitCondition(WAIT, () -> ran().size() == JOBS, "every job to have run", daemon);
        List<String> lines = SpoolFiles.lines(runs);
        assertTrue(lines.size() - JOBS <= 1, "at most the job that was running when the worker died runs twice: "
                + (lines.size() - JOBS) + " ran twice");
        assertEquals(List.of(), SpoolFiles.jobs(spool.resolve("failed")));
        assertTrue(daemon.logLines(0, java.util.regex.Pattern.compile(" error: task=append .* died ")).size() <= 1,
                "an attempt counted for at most one job: the one running when its worker died");
    }

    @Test
    void aStopInTheMiddleOfABatchReturnsTheJobsNotStartedAsTheyWere() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= JOBS / 4, "a quarter of the jobs to run", daemon);
        daemon.sigterm();
        assertEquals(0, daemon.awaitExit(WAIT));

        assertEquals(List.of(), SpoolFiles.claims(spool));
        List<String> lines = SpoolFiles.lines(runs);
        Set<String> ran = new HashSet<>(lines);
        assertEquals(lines.size(), ran.size(), "no job ran twice");
        Map<String, Integer> left = new HashMap<>();
        for (String name : SpoolFiles.jobs(spool)) {
            left.put(name, SpoolFiles.readJson(spool.resolve(name)).path("attempts").asInt(0));
        }
        assertEquals(JOBS, ran.size() + left.size(), "every job either ran or is queued: ran " + ran.size() + ", queued " + left.size());
        assertFalse(left.isEmpty(), "the stop came before the end of the drain");
        assertTrue(left.keySet().stream().map(name -> name.substring(0, 26)).noneMatch(ran::contains), "no job both ran and queued");
        assertEquals(Set.of(0), new HashSet<>(left.values()), "no attempt counted for a job that did not run");
    }
}
