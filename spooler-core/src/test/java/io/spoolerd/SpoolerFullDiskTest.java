package io.spoolerd;

import static io.spoolerd.SpoolFiles.LAYOUT;
import static io.spoolerd.SpoolFiles.names;
import static io.spoolerd.SpoolFiles.otherFiles;
import static io.spoolerd.SpoolFiles.queued;
import static io.spoolerd.SpoolFiles.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk gives {@link SpoolFullException} and leaves no file behind, not even a hidden temp file. */
class SpoolerFullDiskTest {

    @TempDir
    Path tempDir;

    private FileSystem jimfs;
    private Path mounted;

    @AfterEach
    void cleanUp() throws Exception {
        if (jimfs != null) {
            jimfs.close();
        }
        if (mounted != null) {
            run("umount", mounted.toString());
        }
    }

    private Path smallJimfs(long bytes) {
        jimfs = Jimfs.newFileSystem(SpoolFiles.jimfsConfig().toBuilder().setBlockSize(1024).setMaxSize(bytes).build());
        return jimfs.getPath("/spool-dir");
    }

    private static String pad(int n) {
        return "x".repeat(n);
    }

    @Test
    void aJobLargerThanTheDiskIsRefusedOnJimfs() {
        Path root = smallJimfs(16 * 1024);
        Spooler spooler = Spooler.open(root);
        SpoolFullException e = assertThrows(SpoolFullException.class, () -> spooler.spool("echo", Map.of("pad", pad(64 * 1024))));
        assertTrue(e.getMessage().contains("full"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(LAYOUT, names(root), "no job and no temp file");
        assertThrows(SpoolFullException.class, () -> spooler.spoolAll(List.of(JobSpec.of("echo", Map.of("pad", pad(64 * 1024))))));
        assertEquals(LAYOUT, names(root));

        // the failed attempts gave their space back: a job that fits still goes in
        String id = spooler.spool("echo", Map.of("pad", pad(10 * 1024)));
        assertEquals(id, read(root.resolve(id + ".json")).id());
    }

    @Test
    void fillingTheDiskWithJobsOnJimfs() throws IOException {
        Path root = smallJimfs(64 * 1024);
        Spooler spooler = Spooler.open(root);
        List<String> accepted = new ArrayList<>();
        SpoolFullException full = null;
        for (int i = 0; i < 1000 && full == null; i++) {
            try {
                accepted.add(spooler.spool("echo", Map.of("i", i, "pad", pad(1500))));
            } catch (SpoolFullException e) {
                full = e;
            }
        }
        assertNotNull(full, "the disk filled up");
        assertTrue(accepted.size() >= 10, "some jobs fitted: " + accepted.size());
        assertEquals(List.of(), otherFiles(root), "no temp file left");
        List<Path> files = queued(root);
        assertEquals(accepted.size(), files.size());
        for (int i = 0; i < files.size(); i++) {
            assertEquals(accepted.get(i), read(files.get(i)).id(), "every accepted job is whole");
        }
        assertThrows(SpoolFullException.class, () -> spooler.spool("echo", Map.of("pad", pad(1500))));
        Files.delete(files.get(0));
        assertNotNull(spooler.spool("echo", Map.of("pad", pad(1500))), "room again after a job went away");
    }

    // --- the real thing: a small tmpfs -----------------------------------------------------------

    /** Runs a command; false when it fails or cannot be started (no such program). */
    private static boolean run(String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return false;
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }

    /** Mounts a 64 KiB tmpfs; skips the test unless that is possible (Linux, root, mount allowed). */
    private Path smallTmpfs() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"), "Linux only");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a tmpfs");
        Path mountPoint = Files.createDirectory(tempDir.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "spoolerd-test", mountPoint.toString()),
                "mount -t tmpfs is not allowed here");
        mounted = mountPoint;
        return mountPoint;
    }

    /** Writes to {@code file} until the disk says it is full. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 1_000; i++) {
                out.write(block);
                out.flush();
            }
        } catch (IOException e) {
            assertTrue(e.getMessage() != null && e.getMessage().contains("No space left"), e.toString());
            return;
        }
        throw new AssertionError("a 64 KiB tmpfs took 4 MB");
    }

    @Test
    void aFullTmpfsGivesSpoolFullAndLeavesNoFile() throws Exception {
        Path disk = smallTmpfs();
        Path root = disk.resolve("spool-dir");
        Spooler spooler = Spooler.open(root);
        String first = spooler.spool("echo", Map.of("n", 1));

        // a job larger than the whole disk
        SpoolFullException big = assertThrows(SpoolFullException.class, () -> spooler.spool("echo", Map.of("pad", pad(100 * 1024))));
        assertTrue(big.getMessage().contains("no space left on device"), big.getMessage());
        assertEquals(List.of(first + ".json"), queued(root).stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(List.of(), otherFiles(root), "not even a hidden temp file");

        // a small job on a disk that something else filled
        Path filler = disk.resolve("filler");
        fill(filler);
        assertThrows(SpoolFullException.class, () -> spooler.spool("echo", Map.of("n", 2)));
        assertThrows(SpoolFullException.class, () -> spooler.spoolAll(List.of(JobSpec.of("echo", Map.of("n", 3)))));
        assertEquals(List.of(first + ".json"), queued(root).stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(List.of(), otherFiles(root), "not even a hidden temp file");
        assertEquals(first, read(root.resolve(first + ".json")).id(), "the job accepted before is whole");

        Files.delete(filler);
        String after = spooler.spool("echo", Map.of("n", 4));
        assertEquals(after, read(root.resolve(after + ".json")).id());
    }
}
