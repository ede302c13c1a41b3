package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code --log-format json --log-file}, and a command task's {@code PROGRESS} lines reaching {@code status}. */
@ExtendWith(DaemonProcess.Cleanup.class)
class LoggingAndProgressTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void jsonLogGoesToTheFileAndProgressLinesShowInStatus() throws IOException {
        Path spool = tmp.resolve("spool");
        Path logFile = tmp.resolve("spoolerd.log");
        DaemonProcess daemon = DaemonProcess.start(spool, "--log-format", "json", "--log-file", logFile.toString(),
                "--frequency", "0.2", "--task", "halfway=echo 'PROGRESS 1/2 half way'; echo plain output; sleep 60");
        awaitCondition(WAIT, () -> logLines(logFile).stream().anyMatch(l -> l.contains("\"tasks: ")), "a worker is ready", daemon);
        String id = Spooler.open(spool).spool("halfway", Map.of());

        awaitCondition(WAIT, () -> progressOf(spool, id) != null, "status shows the job's progress", daemon);
        JsonNode progress = progressOf(spool, id);
        assertEquals(1, progress.get("done").asInt());
        assertEquals(2, progress.get("total").asInt());
        assertEquals("half way", progress.get("message").asText());
        OpsCli.Result human = OpsCli.run(spool, "status");
        assertTrue(human.out().contains("1/2") && human.out().contains("half way"), human.out());

        awaitCondition(WAIT, () -> logLines(logFile).stream().anyMatch(l -> l.contains("[" + id + "] plain output")),
                "the task's other output in the log with the job id", daemon);
        for (String line : logLines(logFile)) {
            JsonNode entry = JSON.readTree(line);
            assertTrue(entry.hasNonNull("time") && entry.hasNonNull("level") && entry.hasNonNull("message"), line);
        }
        assertTrue(daemon.log().stream().noneMatch(l -> l.contains(id)), "with --log-file nothing goes to stdout: " + daemon.log());
    }

    private static JsonNode progressOf(Path spool, String id) {
        OpsCli.Result r = OpsCli.run(spool, "status", "--json");
        try {
            for (JsonNode d : JSON.readTree(r.out()).path("daemons")) {
                for (JsonNode w : d.path("workers")) {
                    if (id.equals(w.path("job_id").asText()) && w.hasNonNull("progress")) {
                        return w.get("progress");
                    }
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> logLines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
