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
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Outcomes of Java tasks ({@link JavaTestTasks}) in a real daemon: IGNORE, an exception, RETRY with a delay. */
@ExtendWith(DaemonProcess.Cleanup.class)
class JavaTaskOutcomesTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path spool;

    @Test
    void ignoreLeavesTheJobUntouchedAndOffersItAgainOnlyAfterTheRetryDelay() throws IOException {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--retry-delay", "0.8", "--frequency", "0.2");
        String id = Spooler.open(spool).spool("ignorer", Map.of("n", 1));
        byte[] original = Files.readAllBytes(SpoolFiles.onlyJob(spool));

        Pattern ignored = Pattern.compile("job " + id + " ignore: task=ignorer attempt=1 ");
        daemon.awaitLog(ignored, WAIT);
        awaitCondition(WAIT, () -> daemon.logLines(0, ignored).size() >= 2, "offered a second time", daemon);

        List<String> lines = daemon.logLines(0, ignored);
        long gap = Duration.between(timeOf(lines.get(0)), timeOf(lines.get(1))).toMillis();
        assertTrue(gap >= 750, "offered again " + gap + " ms after the IGNORE, before --retry-delay 0.8");
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool).size() == 1, "the job back in the drop zone", daemon);
        assertEquals(new String(original), new String(Files.readAllBytes(SpoolFiles.onlyJob(spool))),
                "IGNORE counts no attempt and writes no history");
        assertEquals(List.of(), SpoolFiles.files(spool.resolve("failed")));
    }

    @Test
    void anExceptionIsAnErrorWithItsMessageUntilMaxAttempts() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--max-attempts", "2", "--retry-delay", "0.1",
                "--frequency", "0.2");
        String id = Spooler.open(spool).spool("thrower", Map.of());

        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("failed")).size() == 1, "the job in failed/", daemon);
        JsonNode failed = SpoolFiles.readJson(SpoolFiles.onlyJob(spool.resolve("failed")));
        assertEquals(id, failed.get("id").asText());
        assertEquals(2, failed.get("attempts").asInt());
        JsonNode history = failed.get("history");
        assertEquals(2, history.size(), history.toString());
        for (int i = 0; i < 2; i++) {
            assertEquals("error", history.get(i).get("outcome").asText());
            assertTrue(history.get(i).get("error").asText()
                    .contains("java.lang.IllegalStateException: boom at attempt " + (i + 1)), history.toString());
        }
        daemon.awaitLog(Pattern.compile("WARN\\s+job " + id + " error: task=thrower attempt=2 .*moved to failed/"), WAIT);
    }

    @Test
    void retryWithADelayWaitsThatLongInsteadOfTheBackoff() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--retry-delay", "0.1", "--frequency", "0.2",
                "--keep-done");
        String id = Spooler.open(spool).spool("retry-later", Map.of("delay_ms", 1500));

        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("done")).size() == 1, "the job in done/", daemon);
        JsonNode done = SpoolFiles.readJson(SpoolFiles.onlyJob(spool.resolve("done")));
        assertEquals(id, done.get("id").asText());
        JsonNode history = done.get("history");
        assertEquals(List.of("retry", "ok"), List.of(history.get(0).get("outcome").asText(), history.get(1).get("outcome").asText()));
        long gap = Duration.between(Instant.parse(history.get(0).get("time").asText()),
                Instant.parse(history.get(1).get("time").asText())).toMillis();
        assertTrue(gap >= 1500, "second attempt " + gap + " ms after the first, before the task's 1.5 s");
        assertFalse(done.has("retry_at"), "a finished job keeps no retry_at");
        daemon.awaitLog(Pattern.compile("job " + id + " retry: task=retry-later attempt=1 .*next try in 1.5s"), WAIT);
    }

    private static Instant timeOf(String logLine) {
        return Instant.parse(logLine.substring(0, logLine.indexOf(' ')));
    }
}
