package io.spoolerd;

import static io.spoolerd.SpoolFiles.names;
import static io.spoolerd.SpoolFiles.otherFiles;
import static io.spoolerd.SpoolFiles.queued;
import static io.spoolerd.SpoolFiles.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spare file a non-durable producer makes after each job, for the next one (on the real disk only). */
class SpareFileTest {

    @TempDir
    Path tempDir;

    private static List<String> spares(Path root) {
        Path dir = root.resolve(".spoolerd/spares");
        return Files.isDirectory(dir) ? names(dir) : List.of();
    }

    /** The spares once there are {@code n} of them (they are made a few milliseconds after a job); fails after 10 s. */
    static List<String> awaitSpares(Path root, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<String> now = spares(root);
            if (now.size() == n) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " spare(s) within 10 s, found " + now);
            }
            Thread.sleep(5);
        }
    }

    private static Object inode(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    @Test
    void theNextJobIsWrittenIntoTheSpareMadeAfterTheLastOne() throws Exception {
        Path root = tempDir.resolve("spool-dir");
        Spooler spooler = Spooler.builder(root).durable(false).open();
        spooler.spool("echo", Map.of("n", 1));
        assertEquals(List.of(), spares(root), "a one-shot producer makes no spare");

        spooler.spool("echo", Map.of("n", 2));
        List<String> made = awaitSpares(root, 1);
        Path spare = root.resolve(".spoolerd/spares").resolve(made.get(0));
        assertEquals(0, Files.size(spare));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spare, LinkOption.NOFOLLOW_LINKS)));
        Object spareInode = inode(spare);

        // the next job goes into it (or the one after: the spare's file is visible a moment before it may be taken)
        Path job = null;
        int jobs = 2;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (job == null) {
            assertTrue(System.nanoTime() < deadline, "a job went into the spare within 10 s");
            if (jobs > 2) {
                Thread.sleep(5);
            }
            String id = spooler.spool("echo", Map.of("n", 3));
            jobs++;
            Path file = root.resolve(id + ".json");
            assertEquals(3, read(file).node().path("args").path("n").asInt(), "whole");
            if (spareInode.equals(inode(file))) {
                job = file;
            }
        }
        assertTrue(!awaitSpares(root, 1).contains(made.get(0)), "and the next spare is there");
        assertEquals(jobs, queued(root).size());
        assertEquals(List.of(), otherFiles(root), "nothing hidden in the drop zone");
    }

    @Test
    void durableProducersMakeNoSpare() {
        Path root = tempDir.resolve("spool-dir");
        Spooler spooler = Spooler.open(root);
        for (int i = 0; i < 3; i++) {
            spooler.spool("echo", Map.of("n", i));
        }
        assertEquals(List.of(), spares(root));
        assertEquals(3, queued(root).size());
    }

    @Test
    void aSpareRemovedBySomeoneElseIsNoReasonToFail() throws Exception {
        Path root = tempDir.resolve("spool-dir");
        Spooler spooler = Spooler.builder(root).durable(false).open();
        spooler.spool("echo", Map.of("n", 1));
        spooler.spool("echo", Map.of("n", 2));
        Path spare = root.resolve(".spoolerd/spares").resolve(awaitSpares(root, 1).get(0));
        Files.delete(spare);
        int jobs = 2 + spoolUntilASpareIsBack(spooler, root);

        // the whole spares directory gone (an operator cleaning up): made again
        Path next = root.resolve(".spoolerd/spares").resolve(awaitSpares(root, 1).get(0));
        Files.delete(next);
        Files.delete(next.getParent());
        jobs += spoolUntilASpareIsBack(spooler, root);
        assertEquals(jobs, queued(root).size());
        assertEquals(List.of(), otherFiles(root));
    }

    /**
     * Spools (every job must go in whole) until a spare is there again, polling with a deadline: the
     * file of a spare is visible a moment before the producer may take it, so the job right after
     * a removal may still find the removed one, or none, and only a later one has the next made.
     */
    private static int spoolUntilASpareIsBack(Spooler spooler, Path root) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int n = 0;
        while (true) {
            String id = spooler.spool("echo", Map.of("n", n));
            n++;
            assertEquals(id, read(root.resolve(id + ".json")).id());
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            while (System.nanoTime() < until) {
                if (spares(root).size() == 1) {
                    return n;
                }
                Thread.sleep(5);
            }
            assertTrue(System.nanoTime() < deadline, "a spare again within 10 s: " + spares(root));
        }
    }

    @Test
    void sparesLeftByKilledProducersGoOnceAnHourOld() throws Exception {
        Path root = tempDir.resolve("spool-dir");
        Spooler spooler = Spooler.builder(root).durable(false).open();
        Path dir = Files.createDirectories(root.resolve(".spoolerd/spares"));
        Path old = Files.createFile(dir.resolve("spare-0123456789abcdef.tmp"));
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path young = Files.createFile(dir.resolve("spare-fedcba9876543210.tmp"));
        Path halfWritten = Files.writeString(dir.resolve("spare-1111111111111111.tmp"), "{\"v\":1,\"id\":");
        Files.setLastModifiedTime(halfWritten, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path notASpare = Files.createFile(dir.resolve("keep.txt"));
        Files.setLastModifiedTime(notASpare, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        spooler.spool("echo", Map.of("n", 1));
        spooler.spool("echo", Map.of("n", 2));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(old) || Files.exists(halfWritten)) { // removed right after this producer made its first spare
            assertTrue(System.nanoTime() < deadline, "the old spares went within 10 s: " + spares(root));
            Thread.sleep(5);
        }
        List<String> left = awaitSpares(root, 3);
        assertTrue(left.contains(young.getFileName().toString()), "a young one may be another producer's: " + left);
        assertTrue(left.contains(notASpare.getFileName().toString()), "only spares' names go: " + left);
    }

    @Test
    void aProducerThatExitsTakesItsSpareWithIt() throws Exception {
        Path root = tempDir.resolve("spool-dir");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(javaBin, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath,
                SpareExitMain.class.getName(), root.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the producer exited");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertEquals("spares before exit: 1", out.strip());
        assertEquals(3, queued(root).size());
        assertEquals(List.of(), spares(root), "removed at exit");
        assertNotEquals(List.of(), names(root.resolve(".spoolerd")));
    }
}
