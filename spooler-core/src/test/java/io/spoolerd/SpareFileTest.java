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

    private static Object inode(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    @Test
    void theNextJobIsWrittenIntoTheSpareMadeAfterTheLastOne() throws IOException {
        Path root = tempDir.resolve("spool-dir");
        Spooler spooler = Spooler.builder(root).durable(false).open();
        spooler.spool("echo", Map.of("n", 1));
        assertEquals(List.of(), spares(root), "a one-shot producer makes no spare");

        spooler.spool("echo", Map.of("n", 2));
        List<String> made = spares(root);
        assertEquals(1, made.size(), "one spare after the second job: " + made);
        Path spare = root.resolve(".spoolerd/spares").resolve(made.get(0));
        assertEquals(0, Files.size(spare));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spare, LinkOption.NOFOLLOW_LINKS)));
        Object spareInode = inode(spare);

        String third = spooler.spool("echo", Map.of("n", 3));
        Path job = root.resolve(third + ".json");
        assertEquals(spareInode, inode(job), "the third job went into the spare");
        assertEquals(3, read(job).node().path("args").path("n").asInt(), "whole");
        assertEquals(1, spares(root).size(), "and the next spare is there");
        assertTrue(!spares(root).contains(made.get(0)));
        assertEquals(3, queued(root).size());
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
    void aSpareRemovedBySomeoneElseIsNoReasonToFail() throws IOException {
        Path root = tempDir.resolve("spool-dir");
        Spooler spooler = Spooler.builder(root).durable(false).open();
        spooler.spool("echo", Map.of("n", 1));
        spooler.spool("echo", Map.of("n", 2));
        Path spare = root.resolve(".spoolerd/spares").resolve(spares(root).get(0));
        Files.delete(spare);
        String third = spooler.spool("echo", Map.of("n", 3));
        assertEquals(third, read(root.resolve(third + ".json")).id());

        // the whole spares directory gone (an operator cleaning up): made again
        Path next = root.resolve(".spoolerd/spares").resolve(spares(root).get(0));
        Files.delete(next);
        Files.delete(next.getParent());
        String fourth = spooler.spool("echo", Map.of("n", 4));
        assertEquals(fourth, read(root.resolve(fourth + ".json")).id());
        assertEquals(1, spares(root).size());
        assertEquals(4, queued(root).size());
        assertEquals(List.of(), otherFiles(root));
    }

    @Test
    void sparesLeftByKilledProducersGoOnceAnHourOld() throws IOException {
        Path root = tempDir.resolve("spool-dir");
        Spooler spooler = Spooler.builder(root).durable(false).open();
        Path dir = Files.createDirectories(root.resolve(".spoolerd/spares"));
        Path old = Files.createFile(dir.resolve("spare-0123456789abcdef.tmp"));
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path young = Files.createFile(dir.resolve("spare-fedcba9876543210.tmp"));
        Path notOurs = Files.writeString(dir.resolve("spare-1111111111111111.tmp"), "x");
        Files.setLastModifiedTime(notOurs, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        spooler.spool("echo", Map.of("n", 1));
        spooler.spool("echo", Map.of("n", 2));
        List<String> left = spares(root);
        assertTrue(!left.contains(old.getFileName().toString()), "the old empty spare went: " + left);
        assertTrue(left.contains(young.getFileName().toString()), "a young one may be another producer's: " + left);
        assertTrue(left.contains(notOurs.getFileName().toString()), "a file with content is not a spare: " + left);
        assertEquals(4 - 1, left.size(), "the two kept and this producer's own: " + left);
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
