package io.spoolerd.internal.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.JobIds;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which names keep an expanded batch waiting, and when it goes (the daemon tests run the whole of it). */
class ExpandedBatchesTest {

    private FileSystem fs;
    private SpoolDirectory dir;
    private ExpandedBatches batches;

    @BeforeEach
    void open() throws IOException {
        fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build());
        dir = SpoolDirectory.open(fs.getPath("/spool"), FileModes.DEFAULT);
        batches = new ExpandedBatches(dir);
    }

    @AfterEach
    void close() throws IOException {
        fs.close();
    }

    private BasicFileAttributes batch(String name, String content) throws IOException {
        return Files.readAttributes(Files.writeString(dir.root().resolve(name), content), BasicFileAttributes.class);
    }

    /** Full scans that see these names, until the batch is gone or {@code scans} ran; the number of scans it took. */
    private int scansUntilGone(String batch, long firstScan, int scans, String... names) {
        for (int i = 0; i < scans; i++) {
            for (String n : names) {
                batches.seen(n);
            }
            batches.afterScan(firstScan + i);
            if (!Files.exists(dir.root().resolve(batch))) {
                return i + 1;
            }
        }
        return -1;
    }

    @Test
    void aBatchWaitsWhileANameOfItsJobsIsSeenAndGoesAfterTwoScansWithout() throws IOException {
        BasicFileAttributes attrs = batch("b.jsonl", "{\"task\":\"x\"}\n{\"task\":\"x\"}\n");
        batches.expanded("b.jsonl", "b", null, null, attrs, 1);
        assertTrue(dir.isExpandedBatch("b.jsonl"));

        assertTrue(scansUntilGone("b.jsonl", 1, 5, "b-1.json") < 0, "its job seen in every scan");
        assertTrue(scansUntilGone("b.jsonl", 6, 5, "b-2.3.json") < 0, "a suffixed name of a clash too");
        // names that are not its jobs: not counted
        assertTrue(scansUntilGone("b.jsonl", 11, 2, "b-x.json", "bb-1.json", "b.json", "b-1.jsonl", "c-1.json") == 2);
        assertFalse(dir.isExpandedBatch("b.jsonl"), "the marker goes after the batch");
    }

    @Test
    void canonicalNamesWithinItsArrivalIdsAreItsJobs() throws IOException {
        String before = JobIds.next(Clock.systemUTC());
        String first = JobIds.next(Clock.systemUTC());
        String last = JobIds.next(Clock.systemUTC());
        String after = JobIds.next(Clock.systemUTC());
        batches.expanded(first + ".jsonl", first, first, last, batch(first + ".jsonl", "{}\n"), 1);
        assertTrue(scansUntilGone(first + ".jsonl", 2, 4, last + "-t" + System.currentTimeMillis() + ".json") < 0,
                "rescheduled (a new -t), still its job");
        assertTrue(scansUntilGone(first + ".jsonl", 6, 4, first + "-p-3.json") < 0);
        assertTrue(scansUntilGone(first + ".jsonl", 10, 2, before + ".json", after + ".json") == 2);
    }

    @Test
    void aMarkerIsFoundByAnotherDaemonAndABatchDroppedAnewUnderItsNameIsNew() throws IOException {
        BasicFileAttributes attrs = batch("b.jsonl", "{}\n");
        batches.expanded("b.jsonl", "b", null, null, attrs, 1);

        ExpandedBatches other = new ExpandedBatches(dir);
        assertTrue(other.isExpanded("b.jsonl", attrs, 1), "from the marker");

        BasicFileAttributes anew = batch("b.jsonl", "{\"task\":\"a longer one\"}\n");
        assertFalse(other.isExpanded("b.jsonl", anew, 2));
        assertFalse(dir.isExpandedBatch("b.jsonl"), "the stale marker is gone");
        assertFalse(batches.isExpanded("b.jsonl", anew, 2));
    }

    @Test
    void aDaemonThatKnewTheBatchBeforeKeepsTheMarkerAnotherWroteForTheNextOne() throws IOException {
        ExpandedBatches a = new ExpandedBatches(dir);
        ExpandedBatches b = new ExpandedBatches(dir);
        BasicFileAttributes first = batch("r.jsonl", "{}\n");
        a.expanded("r.jsonl", "r", null, null, first, 1);
        assertTrue(b.isExpanded("r.jsonl", first, 1), "b learns the first one from the marker");

        Files.delete(dir.root().resolve("r.jsonl")); // a removed it when its jobs were done, then its marker
        Files.delete(dir.batches().resolve("r.jsonl"));
        BasicFileAttributes second = batch("r.jsonl", "{\"task\":\"the next one\"}\n");
        a.expanded("r.jsonl", "r", null, null, second, 5); // and expanded the next one of that name
        assertTrue(b.isExpanded("r.jsonl", second, 5), "b must not expand it again");
        assertTrue(dir.isExpandedBatch("r.jsonl"), "nor remove a's marker");

        b.afterScan(6); // no job of it seen in two scans: b removes the batch it now knows, then its marker
        b.afterScan(7);
        assertFalse(Files.exists(dir.root().resolve("r.jsonl")));
        assertFalse(dir.isExpandedBatch("r.jsonl"));
    }
}
