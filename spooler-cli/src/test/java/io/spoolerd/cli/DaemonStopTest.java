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
        String id = Spooler.open(spool).spool("slow", Map.of());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("start"), "the job to start", daemon);

        daemon.sigterm();

        assertEquals(0, daemon.awaitExit(WAIT), daemon.describe());
        Path job = SpoolFiles.onlyJob(spool);
        JsonNode json = SpoolFiles.readJson(job);
        assertEquals(id, json.path("id").asText());
        assertEquals(0, json.path("attempts").asInt(0), "a stop is not the job's fault: " + json);
        assertEquals(List.of(), SpoolFiles.claims(spool));
        awaitCondition(Duration.ofSeconds(10), () -> daemon.survivors().isEmpty(), "no worker or command left", daemon);
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
