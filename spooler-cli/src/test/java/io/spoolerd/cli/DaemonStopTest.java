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
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Graceful stops: SIGTERM and {@code spoolerd stop}. */
@ExtendWith(DaemonProcess.Cleanup.class)
class DaemonStopTest {

    static final Duration WAIT = Duration.ofSeconds(30);

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
    void sigtermLetsTheRunningJobFinishAndExitsZero() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, "--frequency", "0.2",
                "--task", "slow=echo start >> '" + runs + "'; sleep 1; echo end >> '" + runs + "'");
        String id = Spooler.open(spool).spool("slow", Map.of());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("start"), "the job to start", daemon);

        daemon.sigterm();

        assertEquals(0, daemon.awaitExit(WAIT), daemon.describe());
        assertEquals(List.of("start", "end"), SpoolFiles.lines(runs), "the job finished within the grace");
        assertTrue(daemon.log().stream().anyMatch(l -> l.contains("job " + id + " ok")), daemon.describe());
        assertEquals(List.of(), SpoolFiles.jobs(spool), "a finished job is not queued again");
        assertEquals(List.of(), SpoolFiles.claims(spool));
        awaitCondition(Duration.ofSeconds(10), () -> daemon.survivors().isEmpty(), "no worker or command left", daemon);
    }

    @Test
    void sigtermAfterTheGraceReturnsTheJobToTheQueueWithoutAnAttempt() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--grace", "0.5",
                "--task", "slow=echo start >> '" + runs + "'; sleep 60");
        Spooler spooler = Spooler.open(spool);
        String id = spooler.spool("slow", Map.of());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("start"), "the job to start", daemon);
        Set<String> queued = Set.of(spooler.spool("slow", Map.of()), spooler.spool("slow", Map.of()));

        daemon.sigterm();

        assertEquals(0, daemon.awaitExit(WAIT), daemon.describe());
        daemon.awaitLog("job " + id + " returned to the queue \\(daemon stopping\\), attempt not counted", WAIT);
        assertEquals(List.of("start"), SpoolFiles.lines(runs), "no new job started after the stop");
        Map<String, JsonNode> left = new java.util.HashMap<>();
        for (String name : SpoolFiles.jobs(spool)) {
            JsonNode job = SpoolFiles.readJson(spool.resolve(name));
            left.put(job.path("id").asText(), job);
        }
        Set<String> all = new java.util.HashSet<>(queued);
        all.add(id);
        assertEquals(all, left.keySet(), "the interrupted job and the queued ones are all in the queue");
        JsonNode interrupted = left.get(id);
        assertEquals(0, interrupted.path("attempts").asInt(0), "a stop is not the job's fault: " + interrupted);
        assertEquals(0, interrupted.path("history").size(), interrupted.toString());
        assertEquals(List.of(), SpoolFiles.claims(spool));
        awaitCondition(Duration.ofSeconds(10), () -> daemon.survivors().isEmpty(), "no worker or command left", daemon);
    }

    @Test
    void sigintStopsLikeSigterm() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, "--frequency", "0.2");

        daemon.signal("INT");

        assertEquals(0, daemon.awaitExit(WAIT), daemon.describe());
        daemon.awaitLog("INFO\\s+stopped$", WAIT);
        awaitCondition(Duration.ofSeconds(10), () -> daemon.survivors().isEmpty(), "no worker left", daemon);
    }

    @Test
    void stopCommandStopsARunningDaemonAndSaysWhenNoneRuns() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, "--frequency", "0.2");

        CliProcess.Result stop = CliProcess.run(WAIT, "stop", "--spool-dir", spool.toString());

        assertEquals(0, stop.exitCode(), stop.toString());
        assertFalse(daemon.isAlive(), "stop waits for the daemon to exit");
        assertEquals(0, daemon.awaitExit(WAIT), daemon.describe());
        awaitCondition(Duration.ofSeconds(10), () -> daemon.survivors().isEmpty(), "no worker left", daemon);

        CliProcess.Result again = CliProcess.run(WAIT, "stop", "--spool-dir", spool.toString());
        assertEquals(3, again.exitCode(), again.toString());
        assertTrue(again.stderr().startsWith("spoolerd: "), again.toString());
        assertEquals(1, again.stderr().lines().count(), "one clear line: " + again);

        CliProcess.Result nowhere = CliProcess.run(WAIT, "stop", "--spool-dir", tmp.resolve("no-such-dir").toString());
        assertEquals(3, nowhere.exitCode(), "no directory, no daemon: " + nowhere);
    }
}
