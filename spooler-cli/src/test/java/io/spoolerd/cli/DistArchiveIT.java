package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as an operator gets it: unpacked into an empty directory, its
 * {@code bin/spoolerd start} runs a daemon that runs a job, and {@code bin/spoolerd stop} stops it.
 * Runs in {@code mvn verify} after {@code package} (failsafe), so the archive exists.
 */
class DistArchiveIT {

    @TempDir
    Path tmp;

    @Test
    void unpackedArchiveStartsRunsAJobAndStops() throws Exception {
        Path archive = Path.of(System.getProperty("dist.archive"));
        assertTrue(Files.isRegularFile(archive), "no archive at " + archive + " (run after mvn package)");
        Path home = Files.createDirectories(tmp.resolve("opt"));
        assertEquals(0, run(home, List.of("tar", "-xzf", archive.toString(), "-C", home.toString())).exitValue());
        Path bin;
        try (var found = Files.find(home, 3, (p, a) -> p.endsWith(Path.of("bin", "spoolerd")))) {
            bin = found.findFirst().orElseThrow(() -> new AssertionError("no bin/spoolerd in the archive"));
        }
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path log = tmp.resolve("daemon.log");

        ProcessBuilder start = new ProcessBuilder(bin.toString(), "start", "--processes", "1", "--frequency", "0.2")
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        start.environment().put("SPOOLERD_CACHE_DIR", tmp.resolve("cache").toString()); // not the user's ~/.cache
        Process daemon = start.start();
        try {
            Process submit = run(work, List.of(bin.toString(), "submit", "echo", "message=from-the-archive"));
            assertEquals(0, submit.exitValue(), new String(submit.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            awaitCondition(Duration.ofSeconds(60), () -> read(log).contains("ok: task=echo attempt=1"),
                    "the job ran: " + log);
            assertTrue(read(log).contains("from-the-archive"), read(log));
            assertEquals(0, run(work, List.of(bin.toString(), "stop")).exitValue(), read(log));
            assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "the daemon exits after stop");
            assertEquals(0, daemon.exitValue(), read(log));
        } finally {
            daemon.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            daemon.destroyForcibly();
        }
    }

    private static Process run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        return p;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
