package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spoolerd.Spooler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker class-data archive with the real runnable jar (the JDK archives classes from jars
 * only, so this runs after {@code package}): a daemon makes it, workers started afterwards use it,
 * and workers still start and run jobs when it is damaged, truncated, or cannot be kept at all.
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class WorkerArchiveIT {

    static final Duration WAIT = Duration.ofSeconds(120);
    static final Pattern ARCHIVE = Pattern.compile("worker-[0-9a-f]+-(\\d+)-[0-9a-f]{8}\\.jsa");

    @TempDir
    Path tmp;

    private final Path jar = Path.of(System.getProperty("dist.archive")).resolveSibling("spoolerd.jar");

    @Test
    void madeOnceThenUsedByNewWorkersAndWorkersStartWhateverBecomesOfIt() throws Exception {
        assertTrue(Files.isRegularFile(jar), "no " + jar + " (run after mvn package)");
        Path cache = tmp.resolve("cache");
        Path spool = tmp.resolve("spool");

        // No archive yet: the daemon makes one; with --max-tasks 1 the worker after the next job uses it.
        try (DaemonProcess daemon = start(spool, cache, "--max-tasks", "1")) {
            daemon.awaitReady(1);
            daemon.awaitLog(Pattern.compile("INFO\\s+worker class-data archive \\S+ made in \\d+ ms"), WAIT);
            Path archive = archive(cache).orElseThrow();
            runJob(daemon, "first");
            awaitCondition(WAIT, () -> {
                List<ProcessHandle> workers = daemon.workers(); // one look: the retired worker may go between two
                return workers.size() == 1 && usesArchive(workers.get(0), archive);
            }, "a new worker on the archive", daemon);
            runJob(daemon, "on-the-archive");
            daemon.sigterm();
            assertEquals(0, daemon.awaitExit(WAIT));
        }
        Path archive = archive(cache).orElseThrow();

        // Same size, other bytes: the daemon's CRC check refuses it, removes it and makes it again;
        // the worker started meanwhile runs without.
        byte[] noise = new byte[(int) Files.size(archive)];
        new Random(7).nextBytes(noise);
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-------"));
        Files.write(archive, noise);
        try (DaemonProcess daemon = start(spool, cache)) {
            daemon.awaitReady(1);
            assertFalse(usesArchive(daemon.workers().get(0), null), "no archive for this worker");
            runJob(daemon, "damaged");
            daemon.awaitLog(Pattern.compile("INFO\\s+worker class-data archive \\S+ made in"), WAIT);
            archive = archive(cache).orElseThrow();
            daemon.sigterm();
            assertEquals(0, daemon.awaitExit(WAIT));
        }

        // Truncated (a JVM mapping it would crash): refused, removed, and made again.
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.WRITE)) {
            ch.truncate(8192);
        }
        try (DaemonProcess daemon = start(spool, cache)) {
            daemon.awaitReady(1);
            assertFalse(usesArchive(daemon.workers().get(0), null), "no archive for this worker");
            runJob(daemon, "truncated");
            daemon.awaitLog(Pattern.compile("INFO\\s+worker class-data archive \\S+ made in"), WAIT);
            Path again = archive(cache).orElseThrow();
            assertEquals(Files.size(again), Long.parseLong(matcher(again).group(1)));
            daemon.sigterm();
            assertEquals(0, daemon.awaitExit(WAIT));
        }
    }

    @Test
    void noCacheDirectoryNoArchiveAndNoFuss() throws Exception {
        assertTrue(Files.isRegularFile(jar), "no " + jar + " (run after mvn package)");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Path spool = tmp.resolve("spool");
        try (DaemonProcess daemon = start(spool, file.resolve("cache"), "--processes", "2")) {
            daemon.awaitReady(2);
            runJob(daemon, "uncached");
            for (ProcessHandle w : daemon.workers()) {
                assertFalse(usesArchive(w, null), "no archive without a cache directory");
            }
            assertTrue(daemon.logLines(0, Pattern.compile("class-data archive|ERROR")).isEmpty(), String.join("\n", daemon.log()));
            daemon.sigterm();
            assertEquals(0, daemon.awaitExit(WAIT));
        }
    }

    /** A daemon on the real jar with {@code cache} as its cache directory; one worker unless the options say otherwise. */
    private DaemonProcess start(Path spool, Path cache, String... options) {
        List<String> all = new java.util.ArrayList<>(List.of("--frequency", "0.2"));
        if (!List.of(options).contains("--processes")) {
            all.addAll(List.of("--processes", "1"));
        }
        all.addAll(List.of(options));
        return DaemonProcess.start(spool, List.of(), Map.of("SPOOLERD_CACHE_DIR", cache.toString()), jar.toString(), all);
    }

    /** Spools an echo job and waits until it ran. */
    private static void runJob(DaemonProcess daemon, String message) {
        int mark = daemon.mark();
        String id = Spooler.open(daemon.spoolDir()).spool("echo", Map.of("message", message));
        daemon.awaitLog(mark, l -> l.contains("job " + id + " ok: task=echo"), WAIT, "job " + id + " ok");
    }

    /** Whether the worker's command line names {@code archive} (any archive when null). */
    private static boolean usesArchive(ProcessHandle worker, Path archive) {
        String cmd = worker.info().commandLine().orElse("");
        return archive == null ? cmd.contains("-XX:SharedArchiveFile=") : cmd.contains("-XX:SharedArchiveFile=" + archive + " ");
    }

    private static Optional<Path> archive(Path cache) {
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> ARCHIVE.matcher(p.getFileName().toString()).matches()).findFirst().map(p -> {
                try {
                    return p.toRealPath();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.util.regex.Matcher matcher(Path archive) {
        java.util.regex.Matcher m = ARCHIVE.matcher(archive.getFileName().toString());
        assertTrue(m.matches());
        return m;
    }
}
