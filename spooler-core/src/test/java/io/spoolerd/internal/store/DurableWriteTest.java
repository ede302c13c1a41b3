package io.spoolerd.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes that never replace: who creates a name owns it (the reason files of bad/ and failed/). */
class DurableWriteTest {

    @TempDir
    Path dir;

    @Test
    void writeNewNeverReplacesAndLeavesNoTempFile() throws IOException {
        assertTrue(DurableWrite.writeNew(dir, "x.reason", "first\n".getBytes(), true, FileModes.DEFAULT));
        assertFalse(DurableWrite.writeNew(dir, "x.reason", "second\n".getBytes(), false, FileModes.DEFAULT));
        assertEquals("first\n", Files.readString(dir.resolve("x.reason")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("x.reason"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void twoMoversOfOneFileLeaveItWithItsReason() throws Exception {
        // Two daemons moving the same bad file at once, many times: the file always ends up next to a reason.
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 200; round++) {
                Path root = Files.createDirectories(dir.resolve("r" + round));
                Path source = Files.writeString(root.resolve("job.json"), "{");
                SpoolDirectory spool = SpoolDirectory.open(root, FileModes.DEFAULT);
                Callable<Object> move = () -> {
                    try {
                        return spool.moveIntoWithReason(source, spool.bad(), "job.json", "why\n".getBytes());
                    } catch (java.nio.file.NoSuchFileException gone) {
                        return null; // the other one moved it
                    }
                };
                Future<Object> a = pool.submit(move);
                Future<Object> b = pool.submit(move);
                Object byA = a.get();
                Object byB = b.get(); // both done
                assertTrue(byA == null || byB == null, "moved once");
                Path moved = (Path) (byA != null ? byA : byB);
                assertTrue(Files.exists(SpoolDirectory.sidecar(moved)), "round " + round + ": " + moved + " without its reason");
                try (Stream<Path> s = Files.list(spool.bad())) {
                    assertEquals(2, s.count(), "round " + round + ": the file and its reason only");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
