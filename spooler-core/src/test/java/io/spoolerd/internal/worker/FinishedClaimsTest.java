package io.spoolerd.internal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Finished claims: deleted at once while unlinks are quick, renamed and deleted by a thread while they are slow. */
class FinishedClaimsTest {

    private FileSystem fs;
    private Path claims;
    /** A clock that each delete moves on by {@link #unlinkNanos}. */
    private final AtomicLong now = new AtomicLong();
    private volatile long unlinkNanos;

    @BeforeEach
    void open() throws IOException {
        fs = Jimfs.newFileSystem(Configuration.unix());
        claims = Files.createDirectories(fs.getPath("/spool/.spoolerd/claims/d1"));
    }

    @AfterEach
    void close() throws IOException {
        fs.close();
    }

    private FinishedClaims finishedClaims() {
        return new FinishedClaims(file -> {
            now.addAndGet(unlinkNanos);
            Files.deleteIfExists(file);
        }, now::get);
    }

    private Path claim(int i) throws IOException {
        return Files.writeString(claims.resolve("job" + i + ".json"), "{}");
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(claims)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void awaitEmpty() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!names().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the deleter thread to delete " + names());
            Thread.sleep(5);
        }
    }

    @Test
    void quickUnlinksStayOnTheJobThreadSlowOnesMoveOffItAndBack() throws Exception {
        FinishedClaims finished = finishedClaims();
        unlinkNanos = 100_000;
        for (int i = 0; i < 100; i++) {
            assertTrue(finished.finish(claim(i)));
            assertEquals(List.of(), names(), "deleted before finish returned");
        }
        assertFalse(finished.deferring());

        unlinkNanos = 1_000_000; // a file system that makes unlink wait
        int i = 100;
        while (!finished.deferring()) {
            assertTrue(i < 200, "slow unlinks noticed");
            assertTrue(finished.finish(claim(i++)));
        }
        Path next = claim(i);
        assertTrue(finished.finish(next));
        assertFalse(Files.exists(next), "gone from its name at once");
        awaitEmpty(); // renamed to a hidden name, then deleted by the thread

        unlinkNanos = 10_000; // quick again: the deleter's average falls, the job thread takes over
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (finished.deferring()) {
            assertTrue(System.nanoTime() < deadline, "back to deleting on the job thread");
            finished.finish(claim(++i));
            awaitEmpty();
        }
        assertTrue(finished.finish(claim(++i)));
        assertEquals(List.of(), names());
    }

    @Test
    void drainDeletesWhatWaitsForTheThread() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        FinishedClaims finished = new FinishedClaims(file -> {
            now.addAndGet(unlinkNanos);
            if (Thread.currentThread().getName().equals("claim-deleter")) {
                try {
                    release.await(); // a deleter stuck on a slow disk
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Files.deleteIfExists(file);
        }, now::get);
        unlinkNanos = 1_000_000;
        int i = 0;
        while (!finished.deferring()) {
            finished.finish(claim(i++));
        }
        for (int n = 0; n < 5; n++) {
            assertTrue(finished.finish(claim(i++)));
        }
        assertEquals(5, names().size(), "renamed, not deleted: " + names());
        assertTrue(names().stream().allMatch(n -> n.startsWith(".") && n.endsWith(FinishedClaims.SUFFIX)), names().toString());
        finished.drain(); // as the worker does before it exits
        assertTrue(names().size() <= 1, "only the one the stuck thread holds may be left: " + names());
        release.countDown();
        awaitEmpty();
    }
}
