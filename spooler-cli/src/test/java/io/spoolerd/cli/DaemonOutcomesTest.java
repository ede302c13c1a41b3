package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What the daemon does with each outcome of a command task, and with a task that hangs. */
@ExtendWith(DaemonProcess.Cleanup.class)
class DaemonOutcomesTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    Path spool;
    Path out;

    @BeforeEach
    void dirs() throws IOException {
        spool = tmp.resolve("spool");
        out = Files.createDirectories(tmp.resolve("out"));
    }

    @Test
    void retryComesBackWithGrowingDelays() {
        Path attempts = out.resolve("attempts");
        // exit 75 (RETRY) three times, then OK; each attempt records when it started
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--retry-delay", "0.5",
                "--keep-done", "--task", "flaky=echo \"$SPOOL_ATTEMPT $(date +%s%3N)\" >> '" + attempts + "';"
                        + " [ \"$SPOOL_ATTEMPT\" -ge 4 ] && exit 0; exit 75");
        String id = Spooler.open(spool).spool("flaky", Map.of());

        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("done")).size() == 1, "the job in done/", daemon);
        JsonNode job = SpoolFiles.readJson(SpoolFiles.onlyJob(spool.resolve("done")));
        assertEquals(4, job.path("attempts").asInt());
        List<String> outcomes = new ArrayList<>();
        job.path("history").forEach(h -> outcomes.add(h.path("outcome").asText()));
        assertEquals(List.of("retry", "retry", "retry", "ok"), outcomes);
        assertFalse(job.has("retry_at"), "a done job has no retry_at");

        // The delays the daemon chose: 0.5 s doubling, each within ±20 %.
        List<Double> delays = new ArrayList<>();
        Pattern nextTry = Pattern.compile("job " + id + " retry: task=flaky attempt=\\d+ .*next try in ([0-9.]+)s");
        for (String line : daemon.logLines(0, nextTry)) {
            Matcher m = nextTry.matcher(line);
            assertTrue(m.find());
            delays.add(Double.parseDouble(m.group(1)));
        }
        assertEquals(3, delays.size(), daemon.describe());
        for (int i = 0; i < delays.size(); i++) {
            double nominal = 0.5 * (1 << i);
            assertTrue(delays.get(i) >= nominal * 0.8 - 0.001 && delays.get(i) <= nominal * 1.2 + 0.001,
                    "delay " + (i + 1) + " is " + delays.get(i) + " s, not 0.5 * 2^" + i + " ± 20 %");
        }

        // When the attempts really started: never before the retry was due (the previous outcome's time
        // plus its delay), soon after it, and so each wait longer than the one before.
        List<Long> starts = new ArrayList<>();
        for (String line : SpoolFiles.lines(attempts)) {
            starts.add(Long.parseLong(line.split(" ")[1]));
        }
        assertEquals(4, starts.size());
        long previous = 0;
        for (int i = 0; i < 3; i++) {
            long outcomeAt = Instant.parse(job.path("history").get(i).path("time").asText()).toEpochMilli();
            long waited = starts.get(i + 1) - outcomeAt;
            long delay = Math.round(delays.get(i) * 1000);
            assertTrue(waited >= delay - 1, "attempt " + (i + 2) + " started " + waited + " ms after the retry, before its delay of "
                    + delay + " ms");
            assertTrue(waited <= delay + 1000, "attempt " + (i + 2) + " started " + waited + " ms after the retry, for a delay of "
                    + delay + " ms");
            assertTrue(waited > previous, "wait " + (i + 1) + " (" + waited + " ms) is not longer than the one before (" + previous + " ms)");
            previous = waited;
        }
    }

    @Test
    void failGoesToFailedAtOnce() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--retry-delay", "0.2",
                "--task", "reject=echo 'this input is wrong' >&2; exit 65");
        String id = Spooler.open(spool).spool("reject", Map.of());

        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("failed")).size() == 1, "the job in failed/", daemon);
        JsonNode job = SpoolFiles.readJson(SpoolFiles.onlyJob(spool.resolve("failed")));
        assertEquals(id, job.path("id").asText());
        assertEquals(1, job.path("attempts").asInt());
        assertEquals(1, job.path("history").size());
        assertEquals("fail", job.path("history").get(0).path("outcome").asText());
        assertTrue(job.path("history").get(0).path("error").asText().contains("this input is wrong"), job.toString());
        assertEquals(List.of(), SpoolFiles.jobs(spool));
        daemon.awaitLog("job " + id + " fail: task=reject attempt=1 duration_ms=\\d+ error=\"exit code 65: this input is wrong\"", WAIT);
        daemon.awaitLog("INFO\\s+\\[" + id + "\\] this input is wrong$", WAIT); // the command's stderr, with the job id
    }

    @Test
    void errorRetriesUntilMaxAttemptsThenFails() {
        Path runs = out.resolve("runs");
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--retry-delay", "0.2",
                "--max-attempts", "3", "--task", "broken=echo \"$SPOOL_ATTEMPT\" >> '" + runs + "'; exit 3");
        String id = Spooler.open(spool).spool("broken", Map.of());

        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("failed")).size() == 1, "the job in failed/", daemon);
        JsonNode job = SpoolFiles.readJson(SpoolFiles.onlyJob(spool.resolve("failed")));
        assertEquals(id, job.path("id").asText());
        assertEquals(3, job.path("attempts").asInt());
        assertEquals(3, job.path("history").size());
        for (JsonNode h : job.path("history")) {
            assertEquals("error", h.path("outcome").asText());
            assertTrue(h.path("error").asText().contains("exit code 3"), h.toString());
        }
        assertFalse(job.has("retry_at"), "a failed job has no retry_at");
        assertEquals(List.of("1", "2", "3"), SpoolFiles.lines(runs));
        assertEquals(List.of(), SpoolFiles.jobs(spool));
        assertEquals(List.of(), SpoolFiles.claims(spool));
    }

    @Test
    void harakiriKillsAHangingJobCountsAnAttemptAndReplacesTheWorker() {
        Path runs = out.resolve("runs");
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--harakiri", "1",
                "--max-attempts", "1", "--task", "hang=echo started >> '" + runs + "'; sleep 60",
                "--task", "record=echo \"$SPOOL_JOB_ID\" >> '" + runs + "'");
        long firstWorker = daemon.workers().get(0).pid();
        Spooler spooler = Spooler.open(spool);
        String hung = spooler.spool("hang", Map.of());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("started"), "the hanging job to start", daemon);
        String next = spooler.spool("record", Map.of());

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(next), "the next job to run on a new worker", daemon);
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("failed")).size() == 1, "the killed job in failed/", daemon);
        JsonNode job = SpoolFiles.readJson(SpoolFiles.onlyJob(spool.resolve("failed")));
        assertEquals(hung, job.path("id").asText());
        assertEquals(1, job.path("attempts").asInt());
        assertEquals("error", job.path("history").get(0).path("outcome").asText());
        assertTrue(job.path("history").get(0).path("error").asText().contains("harakiri"), job.toString());
        long ran = job.path("history").get(0).path("duration_ms").asLong();
        assertTrue(ran >= 1000 && ran < 10_000, "killed after " + ran + " ms");

        List<ProcessHandle> workers = daemon.awaitWorkers(1, WAIT);
        assertTrue(workers.get(0).pid() != firstWorker, "the worker was replaced");
        assertFalse(ProcessHandle.of(firstWorker).map(ProcessHandle::isAlive).orElse(false), "the killed worker is gone");
        awaitCondition(WAIT, () -> daemon.survivors().stream().noneMatch(p -> p.info().commandLine().orElse("").contains("sleep 60")),
                "the hanging command to be killed too", daemon);
    }
}
