package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several live daemons on one spool directory: a claim is exclusive, so each job runs exactly once
 * (as db-scheduler's ClusterTests check), and no daemon returns the claims of another that lives.
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class MultiDaemonTest {

    static final int JOBS = 10_000;
    static final int BATCHED = 2_000;
    static final int BATCH_SIZE = 250;

    @TempDir
    Path tmp;
    Path spool;
    Path runs;

    @BeforeEach
    void dirs() throws IOException {
        spool = tmp.resolve("spool");
        runs = Files.createDirectories(tmp.resolve("out")).resolve("runs");
    }

    @Test
    void twoLiveDaemonsRacingOverTenThousandJobsRunEachExactlyOnce() {
        long t0 = System.nanoTime();
        // --lease 1: a daemon checks the others every second, so a wrong "dead" verdict would have many chances
        DaemonProcess a = DaemonProcess.start(spool, "--processes", "2", "--frequency", "0.2", "--lease", "1");
        DaemonProcess b = DaemonProcess.start(spool, "--processes", "2", "--frequency", "0.2", "--lease", "1");
        a.awaitReady(2);
        b.awaitReady(2);
        long ready = System.nanoTime();

        // Both daemons are up and see every file as it arrives: they race for each one.
        Spooler fast = Spooler.builder(spool).durable(false).open();
        // A millisecond a job: the producer outpaces one daemon's two workers, so both daemons' workers find
        // names to race for. Without it one daemon's warm workers could win every race (10,000 to 0 once).
        Map<String, Object> args = Map.of("file", runs.toString(), "sleep_ms", 1);
        Set<String> ids = new HashSet<>();
        List<JobSpec> batch = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            if (i % (JOBS / (BATCHED / BATCH_SIZE)) < BATCH_SIZE) { // 8 batches of 250, spread over the run
                batch.add(JobSpec.of(AppendTask.NAME, args));
                if (batch.size() == BATCH_SIZE) {
                    ids.addAll(fast.spoolAll(batch));
                    batch.clear();
                }
            } else {
                ids.add(fast.spool(AppendTask.NAME, args));
            }
        }
        assertEquals(JOBS, ids.size());
        long spooled = System.nanoTime();

        awaitCondition(Duration.ofSeconds(90), () -> SpoolFiles.lines(runs).size() >= JOBS && SpoolFiles.jobs(spool).isEmpty()
                && SpoolFiles.claims(spool).isEmpty(), JOBS + " runs and an empty queue", a, b);
        long drained = System.nanoTime();

        List<String> ran = SpoolFiles.lines(runs);
        Map<String, Integer> times = new HashMap<>();
        ran.forEach(id -> times.merge(id, 1, Integer::sum));
        List<String> twice = times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10).toList();
        assertEquals(List.of(), twice, "jobs that ran more than once");
        assertEquals(ids, times.keySet(), "every job ran");
        assertEquals(JOBS, ran.size());

        Pattern ok = Pattern.compile("INFO\\s+job \\S+ ok: task=append");
        // a result reaches the daemon, and its log line the log, within milliseconds after the task's own write
        awaitCondition(Duration.ofSeconds(10), () -> a.logLines(0, ok).size() + b.logLines(0, ok).size() >= JOBS,
                "an ok line per job in the logs", a, b);
        int byA = a.logLines(0, ok).size();
        int byB = b.logLines(0, ok).size();
        assertEquals(JOBS, byA + byB, "one ok line per job across both logs");
        // Each file goes to whichever daemon's worker renames it first: that both won some is what shows they raced.
        assertTrue(byA > 0 && byB > 0, "both daemons took part: " + byA + " / " + byB + a.describe() + b.describe());
        Pattern returned = Pattern.compile("is gone: returned|died while the job was claimed");
        assertEquals(List.of(), a.logLines(0, returned), "a live daemon's claims were returned");
        assertEquals(List.of(), b.logLines(0, returned), "a live daemon's claims were returned");
        assertEquals(List.of(), SpoolFiles.files(spool.resolve("failed")));
        assertEquals(List.of(), SpoolFiles.files(spool.resolve("bad")));
        System.out.printf("MultiDaemonTest: daemons ready in %d ms; %d jobs spooled in %d ms, drained %d ms later;"
                + " daemon A ran %d, B ran %d%n", (ready - t0) / 1_000_000, JOBS, (spooled - ready) / 1_000_000,
                (drained - spooled) / 1_000_000, byA, byB);
    }
}
