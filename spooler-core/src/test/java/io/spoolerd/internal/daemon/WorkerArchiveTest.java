package io.spoolerd.internal.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonFactory;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The worker class-data archive: who gets one, its key, and making, finding and refusing the file (with a real JDK). */
class WorkerArchiveTest {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final List<String> OPTS = List.of("-XX:+UseSerialGC", "-Xshare:auto", "-XX:-UsePerfData");

    @TempDir
    Path tmp;

    private final long uid = CacheDirectory.currentUid();
    private Path cache;
    private Path jar;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(uid >= 0, "needs /proc/self");
        cache = CacheDirectory.find(List.of(tmp.resolve("cache")), uid).orElseThrow();
        // a copy of a real jar from the test class path, so that its mtime is ours to change
        jar = Files.copy(Path.of(JsonFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI()), tmp.resolve("lib.jar"));
    }

    @Test
    void onlyJarClassPathsAndOptionsThatLeaveSharingAlone() throws Exception {
        Path other = Files.copy(jar, tmp.resolve("other.jar"));
        String cp = jar + File.pathSeparator + other;
        assertTrue(WorkerArchive.eligible(OPTS, cp));
        assertTrue(WorkerArchive.eligible(List.of(), jar.toString()));
        for (String opt : List.of("-Xshare:off", "-Xshare:on", "-XX:SharedArchiveFile=/x.jsa", "-XX:ArchiveClassesAtExit=/x.jsa",
                "-XX:DumpLoadedClassList=/x", "-XX:-UseSharedSpaces", "-XX:+AutoCreateSharedArchive")) {
            List<String> opts = new ArrayList<>(OPTS);
            opts.add(opt);
            assertFalse(WorkerArchive.eligible(opts, cp), opt);
        }
        assertFalse(WorkerArchive.eligible(OPTS, tmp.toString()), "a directory: the JDK archives from jars only");
        assertFalse(WorkerArchive.eligible(OPTS, jar + File.pathSeparator), "an empty entry is the working directory");
        assertFalse(WorkerArchive.eligible(OPTS, tmp.resolve("missing.jar").toString()));
        assertEquals(Optional.empty(), WorkerArchive.of(JAVA, OPTS, cp, Optional.empty(), uid), "no cache directory");
        assertTrue(WorkerArchive.of(JAVA, OPTS, cp, Optional.of(cache), uid).isPresent());
    }

    @Test
    void theKeyFollowsTheJarsAndTheOptions() throws Exception {
        String key = WorkerArchive.key(JAVA, OPTS, jar.toString());
        assertEquals(key, WorkerArchive.key(JAVA, OPTS, jar.toString()));
        assertTrue(key.matches("[0-9a-f]{20}"), key);
        assertNotEquals(key, WorkerArchive.key(JAVA, List.of("-Xmx64m"), jar.toString()));
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        assertNotEquals(key, WorkerArchive.key(JAVA, OPTS, jar.toString()), "a rebuilt jar needs a new archive");
    }

    @Test
    @Timeout(300)
    void makesAnArchiveThatWorkersMapAndRefusesDamagedOnes() throws Exception {
        WorkerArchive archive = WorkerArchive.of(JAVA, OPTS, jar.toString(), Optional.of(cache), uid).orElseThrow();
        assertEquals(Optional.empty(), archive.usable());
        // what earlier versions and stopped daemons left: removed when old enough, once an archive is made
        Instant now = Instant.now();
        aged(cache.resolve("worker-0000000000-9.jsa"), now.minus(Duration.ofDays(31)));
        aged(cache.resolve("worker-0000000000.lock"), now.minus(Duration.ofDays(31)));
        aged(cache.resolve("worker-1111111111-9.jsa"), now.minus(Duration.ofDays(29)));
        aged(cache.resolve("worker-1111111111.lock"), now.minus(Duration.ofDays(29)));
        for (int i = 2; i <= 4; i++) { // the three most recently used of other keys stay, the fourth goes
            aged(cache.resolve("worker-" + String.valueOf(i).repeat(10) + "-9.jsa"), now.minus(Duration.ofHours(i)));
        }
        aged(cache.resolve("worker-" + archive.key() + ".4242.classlist.tmp"), now.minus(Duration.ofDays(2)));
        aged(cache.resolve("worker-" + archive.key() + ".4343.jsa.tmp"), now.minus(Duration.ofHours(1)));

        Path made = archive.create(this::train).orElseThrow();
        assertEquals(String.format("worker-%s-%d-%08x.jsa", archive.key(), Files.size(made), WorkerArchive.crc(made)),
                made.getFileName().toString());
        assertEquals(Optional.of(made), archive.usable());
        assertEquals(List.of("worker-2222222222-9.jsa", "worker-3333333333-9.jsa", "worker-4444444444-9.jsa",
                "worker-" + archive.key() + ".4343.jsa.tmp", made.getFileName().toString(),
                "worker-" + archive.key() + ".lock").stream().sorted().toList(), names(cache),
                "its own temporary files gone, others' only when old");
        assertEquals(0, java(archive, made), "a worker maps it");
        assertMappedWhereDumped(made);
        assertEquals(Optional.of(made), archive.create(opts -> {
            throw new AssertionError("no second training while the archive is there");
        }));

        // the same size, other bytes: the CRC in its name refuses it, and it is removed
        byte[] bytes = Files.readAllBytes(made);
        bytes[bytes.length / 2] ^= 1;
        Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rw-------"));
        Files.write(made, bytes);
        assertEquals(Optional.empty(), archive.usable());
        assertFalse(Files.exists(made));
        // a JVM handed a damaged one anyway (another daemon's view, say) ignores it and starts
        byte[] noise = new byte[bytes.length];
        new Random(42).nextBytes(noise);
        Files.write(made, noise);
        assertEquals(0, java(archive, made), "a worker still starts on a damaged archive");
        bytes[bytes.length / 2] ^= 1; // the sound archive again, for the truncation below
        Files.write(made, bytes);
        assertEquals(Optional.of(made), archive.usable());

        // truncated, which would crash a JVM mapping it: refused and removed
        try (FileChannel ch = FileChannel.open(made, StandardOpenOption.WRITE)) {
            ch.truncate(4096);
        }
        assertEquals(Optional.empty(), archive.usable());
        assertFalse(Files.exists(made));
    }

    @Test
    void refusesFilesOthersCouldHaveWrittenOrLinked() throws Exception {
        WorkerArchive archive = WorkerArchive.of(JAVA, OPTS, jar.toString(), Optional.of(cache), uid).orElseThrow();
        Path abc = Files.writeString(tmp.resolve("abc"), "abc");
        String name = String.format("worker-%s-3-%08x.jsa", archive.key(), WorkerArchive.crc(abc));
        Path writable = cache.resolve(name);
        Files.writeString(writable, "abc");
        Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("r--r--r--"));
        assertEquals(Optional.of(writable), archive.usable());
        Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("rw-rw-r--"));
        assertEquals(Optional.empty(), archive.usable());
        Path target = Files.writeString(tmp.resolve("elsewhere"), "abc");
        Files.createSymbolicLink(cache.resolve(name), target);
        assertEquals(Optional.empty(), archive.usable());
        assertTrue(Files.exists(target), "a link is removed, never what it points to");
    }

    @Test
    @Timeout(300)
    void aFailedDumpIsRecordedAndNotTriedAgain() throws Exception {
        WorkerArchive archive = WorkerArchive.of(JAVA, OPTS, jar.toString(), Optional.of(cache), uid).orElseThrow();
        assertEquals(Optional.empty(), archive.create(opts -> {
            Files.writeString(classList(opts), "this is no class list @@\n");
            return true;
        }));
        assertTrue(Files.readString(archive.failedMarker()).contains("-Xshare:dump exited with"), Files.readString(archive.failedMarker()));
        assertEquals(Optional.empty(), archive.create(opts -> {
            throw new AssertionError("tried again");
        }));
        assertEquals(List.of("worker-" + archive.key() + ".failed", "worker-" + archive.key() + ".lock"), names(cache));
    }

    @Test
    void aTrainingWorkerThatDoesNotGetReadyLeavesNothing() throws Exception {
        WorkerArchive archive = WorkerArchive.of(JAVA, OPTS, jar.toString(), Optional.of(cache), uid).orElseThrow();
        assertEquals(Optional.empty(), archive.create(opts -> false));
        assertEquals(List.of("worker-" + archive.key() + ".lock"), names(cache), "no failure marker: it may work next time");
    }

    /** A stand-in training worker: a JVM with the training options that loads a few classes and exits. */
    private boolean train(List<String> opts) throws IOException, InterruptedException {
        assertTrue(classList(opts).startsWith(cache), "the class list goes to the cache directory");
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(opts);
        command.addAll(List.of("-cp", jar.toString(), "-version"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return p.exitValue() == 0;
    }

    private static Path classList(List<String> opts) {
        return opts.stream().filter(o -> o.startsWith("-XX:DumpLoadedClassList=")).map(o -> Path.of(o.substring(o.indexOf('=') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no class list option in " + opts));
    }

    /** Exit code of {@code java <opts> <archive options> -cp <jar> -version}. */
    private int java(WorkerArchive archive, Path file) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(OPTS);
        command.addAll(WorkerArchive.options(file));
        command.addAll(List.of("-cp", jar.toString(), "-version"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertFalse(Pattern.compile("(?i)error|warning").matcher(out).find(), out);
        return p.exitValue();
    }

    /**
     * A worker maps the archive where it was dumped, not at a random address (JDK 17.0.15's default),
     * and does not verify it itself (the daemon does, with the CRC): either would make every page of
     * it resident in each worker, also those of classes it never loads.
     */
    private void assertMappedWhereDumped(Path file) throws IOException, InterruptedException {
        List<String> options = WorkerArchive.options(file);
        assertFalse(options.contains("-XX:+VerifySharedSpaces"), options.toString());
        assertTrue(options.indexOf("-XX:+UnlockDiagnosticVMOptions") >= 0
                && options.indexOf("-XX:+UnlockDiagnosticVMOptions") < options.indexOf("-XX:ArchiveRelocationMode=0"), options.toString());
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(options); // first, as WorkerCommand puts them
        command.addAll(OPTS);
        command.addAll(List.of("-Xlog:cds=info", "-cp", jar.toString(), "-version"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(file.toString()), "it maps our archive: " + out);
        // JDK 17's words; another JDK may log otherwise, and then this says no more
        assumeTrue(out.contains("Mapped static"), "no CDS mapping log in this JDK's words");
        assertFalse(out.contains("alternative address"), out);
        assertTrue(out.contains("at base 0x0000000800000000"), out);
    }

    private static void aged(Path file, Instant mtime) throws IOException {
        Files.writeString(file, "x");
        Files.setLastModifiedTime(file, FileTime.from(mtime));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
