package io.spoolerd;

import static io.spoolerd.SpoolFiles.LAYOUT;
import static io.spoolerd.SpoolFiles.names;
import static io.spoolerd.SpoolFiles.otherFiles;
import static io.spoolerd.SpoolFiles.queued;
import static io.spoolerd.SpoolFiles.read;
import static io.spoolerd.SpoolFiles.readBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.SpoolFiles.Storage;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobIds;
import io.spoolerd.internal.store.JobNames;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The producer API on two kinds of storage: the same tests on Jimfs and on the real disk. */
class SpoolerTest {

    @TempDir
    Path tempDir;

    private FileSystem jimfs;

    private Path root(Storage storage) {
        if (storage == Storage.JIMFS) {
            jimfs = SpoolFiles.newJimfs();
            return jimfs.getPath("/var/spool/spool-dir");
        }
        return tempDir.resolve("spool-dir");
    }

    @AfterEach
    void closeJimfs() throws IOException {
        if (jimfs != null) {
            jimfs.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void openCreatesTheLayout(Storage storage) {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        assertEquals(root.toAbsolutePath(), spooler.directory());
        assertEquals(LAYOUT, names(root));
        assertEquals(List.of("claims", "daemons"), names(root.resolve(".spoolerd")));
        Spooler.open(root); // opening again is fine
        assertEquals(LAYOUT, names(root));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void spoolWritesOneWholeJobFile(Storage storage) {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        String id = spooler.spool("echo", Map.of("message", "hi"));

        assertEquals(26, id.length());
        List<Path> files = queued(root);
        assertEquals(1, files.size(), "one job file: " + names(root));
        assertEquals(List.of(), otherFiles(root), "no temp file left");
        Path file = files.get(0);
        assertEquals(id + ".json", file.getFileName().toString(), "named after its arrival id");

        JobFile job = read(file);
        assertEquals("echo", job.task());
        assertEquals(id, job.id(), "the returned id is the id in the JSON");
        assertEquals(Map.of("message", "hi"), JobCodec.argsOf(job));
        assertEquals(1, job.version());
        assertNull(job.at());
        assertEquals(0, job.priority());
        assertNull(job.maxAttempts());
        assertFalse(job.node().has("attempts") || job.node().has("history") || job.node().has("retry_at"),
                "daemon fields are the daemon's: " + job.node());
        assertEquals(id, JobNames.idOf(file.getFileName().toString()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void argsKeepTheirJsonTypes(Storage storage) {
        Path root = root(storage);
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("s", "text \u00e9 \"quoted\"\n");
        args.put("n", 5);
        args.put("big", 12345678901234L);
        args.put("f", 1.5);
        args.put("t", true);
        args.put("z", null);
        args.put("list", List.of(1, "two", List.of()));
        args.put("map", Map.of("a", Map.of("b", 1)));
        String id = Spooler.open(root).spool("echo", args);
        JsonNode written = read(root.resolve(id + ".json")).node().get("args");
        assertTrue(written.get("s").isTextual());
        assertEquals("text \u00e9 \"quoted\"\n", written.get("s").asText());
        assertTrue(written.get("n").isInt());
        assertEquals(12345678901234L, written.get("big").asLong());
        assertEquals(1.5, written.get("f").asDouble());
        assertTrue(written.get("t").isBoolean());
        assertTrue(written.get("z").isNull());
        assertEquals("[1,\"two\",[]]", written.get("list").toString());
        assertEquals("{\"a\":{\"b\":1}}", written.get("map").toString());
        assertEquals(List.of("s", "n", "big", "f", "t", "z", "list", "map"), iterableToList(written.fieldNames()),
                "in the order given");
    }

    private static List<String> iterableToList(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void optionsLandInTheJsonAndTheName(Storage storage) {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        Instant at = Instant.parse("2030-05-06T07:08:09.250Z");
        String id = spooler.spool(JobSpec.builder("report")
                .arg("month", "2026-11")
                .at(at)
                .priority(-2)
                .maxAttempts(3)
                .id("report-2026-11")
                .build());
        assertEquals("report-2026-11", id);

        List<Path> files = queued(root);
        assertEquals(1, files.size());
        String name = files.get(0).getFileName().toString();
        JobNames.Canonical c = JobNames.parse(name);
        assertNotNull(c, name);
        assertEquals(-2, c.priority());
        assertTrue(c.explicitDue());
        assertEquals(at.toEpochMilli(), c.dueMillis());
        assertEquals("report-2026-11", c.userId());
        assertEquals("report-2026-11", JobNames.idOf(name));
        assertTrue(name.matches("[0-9A-Z]{26}-p-2-t" + at.toEpochMilli() + "-kreport-2026-11\\.json"), name);

        JobFile job = read(files.get(0));
        assertEquals("report-2026-11", job.id());
        assertEquals(at, job.at());
        assertEquals(-2, job.priority());
        assertEquals(3, job.maxAttempts());
        assertEquals("1904281689.25", job.node().get("at").toString(), "at is written as unix seconds");
        assertEquals(Map.of("month", "2026-11"), JobCodec.argsOf(job));

        String zero = spooler.spool(JobSpec.builder("echo").maxAttempts(0).build());
        assertEquals(0, read(root.resolve(zero + ".json")).maxAttempts(), "0 = unlimited is kept");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void invalidJobsAreRefusedAndWriteNothing(Storage storage) {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        assertThrows(InvalidJobException.class, () -> spooler.spool("", Map.of()));
        assertThrows(InvalidJobException.class, () -> spooler.spool(" ", Map.of()));
        assertThrows(InvalidJobException.class, () -> JobSpec.builder(null));
        assertThrows(InvalidJobException.class, () -> JobSpec.builder("echo").id("../escape"));
        assertThrows(InvalidJobException.class, () -> JobSpec.builder("echo").id(".hidden"));
        assertThrows(InvalidJobException.class, () -> JobSpec.builder("echo").maxAttempts(-1));
        assertThrows(InvalidJobException.class, () -> JobSpec.builder("echo").at(Instant.MAX));
        assertThrows(InvalidJobException.class, () -> spooler.spool("echo", Map.of("when", new Object())));
        assertThrows(InvalidJobException.class, () -> spooler.spoolAll(List.of(JobSpec.of("echo", Map.of()),
                JobSpec.of("echo", Map.of("when", new Object())))));
        assertEquals(LAYOUT, names(root));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void fileNamesSortByArrival(Storage storage) {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        List<String> ids = new ArrayList<>();
        int[] priorities = {3, -3, 0};
        for (int i = 0; i < 60; i++) {
            JobSpec.Builder job = JobSpec.builder("echo").arg("i", i).priority(priorities[i % 3]);
            if (i % 4 == 0) {
                job.at(Instant.ofEpochSecond(1_700_000_000L - i));
            }
            if (i % 5 == 0) {
                job.id("user-" + (100 - i));
            }
            ids.add(spooler.spool(job.build()));
        }
        List<Path> files = queued(root); // sorted by name
        assertEquals(ids.size(), files.size());
        for (int i = 0; i < files.size(); i++) {
            JobFile job = read(files.get(i));
            assertEquals(i, job.node().get("args").get("i").asInt(), "file " + i + " is job " + i + ": " + files.get(i));
            assertEquals(ids.get(i), job.id());
            assertEquals(ids.get(i), JobNames.idOf(files.get(i).getFileName().toString()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void filesAre0600AndDirectories0700(Storage storage) throws IOException {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root.resolve("nested/deeper"));
        String id = spooler.spool("echo", Map.of());
        String batch = spooler.spoolAll(List.of(JobSpec.of("echo", Map.of()))).get(0);
        Path dir = spooler.directory();
        for (Path d : List.of(root, root.resolve("nested"), dir, dir.resolve(".spoolerd"), dir.resolve(".spoolerd/claims"),
                dir.resolve(".spoolerd/daemons"), dir.resolve("failed"), dir.resolve("bad"))) {
            assertEquals("rwx------", mode(d), d.toString());
        }
        List<Path> files = queued(dir);
        assertEquals(2, files.size());
        for (Path f : files) {
            assertEquals("rw-------", mode(f), f.toString());
        }
        assertEquals(id + ".json", files.get(0).getFileName().toString());
        assertTrue(files.get(1).getFileName().toString().endsWith(".jsonl"), batch);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void umaskWidensTheModes(Storage storage) throws IOException {
        Path root = root(storage);
        Spooler spooler = Spooler.builder(root).umask("027").open();
        String id = spooler.spool("echo", Map.of());
        assertEquals("rwxr-x---", mode(root));
        assertEquals("rwxr-x---", mode(root.resolve("failed")));
        assertEquals("rw-r-----", mode(root.resolve(id + ".json")));
        assertThrows(IllegalArgumentException.class, () -> Spooler.builder(root).umask("9"));
        assertThrows(IllegalArgumentException.class, () -> Spooler.builder(root).umask("rwx"));
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void manyThreadsSpoolingAtOnce(Storage storage) throws Exception {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        int threads = 8;
        // on the real disk every job costs two fsyncs: fewer jobs keep the suite fast on slow disks
        int each = storage == Storage.DISK ? 250 : 500;
        Set<String> ids = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        String id = spooler.spool("echo", Map.of("thread", thread, "i", i, "pad", "x".repeat(i % 300)));
                        assertTrue(ids.add(id), "duplicate id " + id);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * each, ids.size());
        List<Path> files = queued(root);
        assertEquals(threads * each, files.size());
        assertEquals(List.of(), otherFiles(root), "no temp file left");
        Set<String> seen = new HashSet<>();
        Map<Integer, Integer> lastOfThread = new ConcurrentHashMap<>();
        for (Path f : files) { // in name order = arrival order
            JobFile job = read(f);
            assertTrue(ids.contains(job.id()));
            assertTrue(seen.add(job.id()));
            assertEquals(job.id() + ".json", f.getFileName().toString());
            int thread = job.node().get("args").get("thread").asInt();
            int i = job.node().get("args").get("i").asInt();
            assertEquals(i % 300, job.node().get("args").get("pad").asText().length());
            Integer last = lastOfThread.put(thread, i);
            assertTrue(last == null || last < i, "the jobs of one thread sort in the order it spooled them");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void maxQueuedCountsJobsNotFiles(Storage storage) throws IOException {
        Path root = root(storage);
        Spooler spooler = Spooler.builder(root).maxQueued(8).open();
        Spooler unbounded = Spooler.open(root);
        // scheduled jobs (a due time in the name) are not queued; each line of a batch is a job
        unbounded.spool(JobSpec.builder("echo").at(Instant.now().plusSeconds(3600)).build());
        unbounded.spool(JobSpec.builder("echo").id("later").at(Instant.now().plusSeconds(3600)).build());
        unbounded.spoolAll(List.of(JobSpec.of("echo", Map.of()), JobSpec.of("echo", Map.of()), JobSpec.of("echo", Map.of())));
        Files.writeString(root.resolve("hand.jsonl"), "{\"task\":\"echo\"}\n  \n{\"task\":\"echo\"}"); // 2, no final newline
        Files.writeString(root.resolve("hand.json"), "{\"task\":\"echo\"}");
        for (int i = 0; i < 2; i++) {
            spooler.spool("echo", Map.of("i", i)); // 6 and 7 queued before
        }
        SpoolFullException full = assertThrows(SpoolFullException.class, () -> spooler.spool("echo", Map.of()));
        assertEquals("spool is full: 8 jobs queued, the limit is 8", full.getMessage());
        assertEquals(8, Spooler.builder(root).maxQueued(9).open().spoolAll(List.of(
                JobSpec.of("echo", Map.of()), JobSpec.of("echo", Map.of()), JobSpec.of("echo", Map.of()),
                JobSpec.of("echo", Map.of()), JobSpec.of("echo", Map.of()), JobSpec.of("echo", Map.of()),
                JobSpec.of("echo", Map.of()), JobSpec.of("echo", Map.of()))).size(),
                "8 queued, fewer than 9: a batch is taken whole");
        assertThrows(SpoolFullException.class, () -> Spooler.builder(root).maxQueued(16).open().spool("echo", Map.of()),
                "16 queued now");
        assertNotNull(Spooler.builder(root).maxQueued(17).open().spool("echo", Map.of()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void maxQueuedRefusesTheJobBeyondTheBound(Storage storage) throws IOException {
        Path root = root(storage);
        Spooler spooler = Spooler.builder(root).maxQueued(3).open();
        // what is not a queued job does not count
        Files.writeString(root.resolve(".job.tmp"), "{");
        Files.writeString(root.resolve("notes.txt"), "hello");
        Files.createDirectory(root.resolve("done"));
        for (int i = 0; i < 3; i++) {
            spooler.spool("echo", Map.of("i", i));
        }
        List<String> before = names(root);
        SpoolFullException full = assertThrows(SpoolFullException.class, () -> spooler.spool("echo", Map.of("i", 3)));
        assertEquals("spool is full: 3 jobs queued, the limit is 3", full.getMessage());
        assertThrows(SpoolFullException.class, () -> spooler.spoolAll(List.of(JobSpec.of("echo", Map.of()))));
        assertThrows(SpoolFullException.class, () -> spooler.spool(JobSpec.builder("echo").id("x").build()));
        assertEquals(before, names(root), "nothing written");

        // an unbounded spooler on the same directory still writes; a job taken away makes room again
        Spooler.open(root).spool("echo", Map.of());
        Files.delete(queued(root).get(0));
        Files.delete(queued(root).get(0));
        assertNotNull(spooler.spool("echo", Map.of("i", 4)));
        assertThrows(SpoolFullException.class, () -> spooler.spool("echo", Map.of("i", 5)));
        assertThrows(IllegalArgumentException.class, () -> Spooler.builder(root).maxQueued(0));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void theIdFieldOfAHandDroppedJobIsTakenToo(Storage storage) throws IOException {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        Files.writeString(root.resolve("order.json"), "{\"task\":\"echo\",\"id\":\"hand-7\"}");
        Files.writeString(root.resolve("no-id.json"), "{\"task\":\"echo\"}");
        Files.writeString(root.resolve("broken.json"), "{\"task\":\"echo\",\"id\":\"hand-8\"");

        DuplicateJobException dup = assertThrows(DuplicateJobException.class,
                () -> spooler.spool(JobSpec.builder("echo").id("hand-7").build()));
        assertEquals("hand-7", dup.jobId());
        assertThrows(DuplicateJobException.class, () -> spooler.spool(JobSpec.builder("echo").id("no-id").build()),
                "a file without an id field is the job of its name");
        assertEquals("hand-8", spooler.spool(JobSpec.builder("echo").id("hand-8").build()),
                "a file that does not parse holds no id: it goes to bad/");

        // running: the hand-dropped file claimed by a daemon
        Path claims = Files.createDirectories(root.resolve(".spoolerd/claims/daemon-1"));
        Files.move(root.resolve("order.json"), claims.resolve("order.json"));
        assertThrows(DuplicateJobException.class, () -> spooler.spool(JobSpec.builder("echo").id("hand-7").build()));
        Files.delete(claims.resolve("order.json"));
        assertEquals("hand-7", spooler.spool(JobSpec.builder("echo").id("hand-7").build()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void duplicateIdIsRefusedWhileTheFirstIsQueued(Storage storage) throws IOException {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        String id = spooler.spool(JobSpec.builder("echo").arg("n", 1).id("order-42").build());
        assertEquals("order-42", id);
        List<String> before = names(root);

        DuplicateJobException dup = assertThrows(DuplicateJobException.class,
                () -> spooler.spool(JobSpec.builder("other").arg("n", 2).id("order-42").priority(5).build()));
        assertEquals("order-42", dup.jobId());
        assertEquals("a job with id \"order-42\" is already queued, scheduled or running", dup.getMessage());
        assertThrows(DuplicateJobException.class,
                () -> Spooler.open(root).spool(JobSpec.builder("echo").id("order-42").at(Instant.now().plusSeconds(60)).build()),
                "from another Spooler on the same directory too");
        assertThrows(DuplicateJobException.class,
                () -> spooler.spoolAll(List.of(JobSpec.of("echo", Map.of()), JobSpec.builder("echo").id("order-42").build())));
        assertEquals(before, names(root), "nothing written");

        // another id is fine
        assertEquals("order-43", spooler.spool(JobSpec.builder("echo").id("order-43").build()));

        // while claimed by a daemon (running) it is still refused
        Path file = root.resolve(before.stream().filter(n -> n.endsWith("-korder-42.json")).findFirst().orElseThrow());
        Path claims = root.resolve(".spoolerd/claims/daemon-1");
        Files.createDirectories(claims);
        Files.move(file, claims.resolve(file.getFileName()));
        assertThrows(DuplicateJobException.class, () -> spooler.spool(JobSpec.builder("echo").id("order-42").build()));

        // once it is gone (done), the id may be used again
        Files.delete(claims.resolve(file.getFileName()));
        assertEquals("order-42", spooler.spool(JobSpec.builder("echo").arg("n", 3).id("order-42").build()));
        Path again = queued(root).stream().filter(p -> p.getFileName().toString().endsWith("-korder-42.json")).findFirst()
                .orElseThrow();
        assertEquals(3, read(again).node().get("args").get("n").asInt());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void duplicateIdIsRefusedWhileTheFirstWaitsInABatch(Storage storage) {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        spooler.spoolAll(List.of(JobSpec.of("echo", Map.of()), JobSpec.builder("echo").id("in-batch").build()));
        List<String> before = names(root);
        assertThrows(DuplicateJobException.class, () -> spooler.spool(JobSpec.builder("echo").id("in-batch").build()));
        assertThrows(DuplicateJobException.class, () -> spooler.spoolAll(List.of(JobSpec.builder("echo").id("in-batch").build())));
        assertEquals(before, names(root));
        assertEquals("in-batc", spooler.spool(JobSpec.builder("echo").id("in-batc").build()), "a prefix is another id");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void duplicateIdSpooledByManyThreadsAtOnceIsAcceptedOnce(Storage storage) throws Exception {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        int threads = 8;
        for (int round = 0; round < 20; round++) {
            String key = "race-" + round;
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    done.add(pool.submit(() -> {
                        start.await();
                        try {
                            spooler.spool(JobSpec.builder("echo").id(key).build());
                            accepted.incrementAndGet();
                        } catch (DuplicateJobException e) {
                            refused.incrementAndGet();
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, accepted.get(), key);
            assertEquals(threads - 1, refused.get(), key);
        }
        assertEquals(20, queued(root).size());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void spoolAllWritesOneBatchFileWithOneJobPerLine(Storage storage) {
        Path root = root(storage);
        Spooler spooler = Spooler.open(root);
        List<JobSpec> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            JobSpec.Builder job = JobSpec.builder(i == 3 ? "report" : "echo").arg("i", i).arg("text", "line\nbreak " + i);
            if (i == 2) {
                job.id("batch-job-2").priority(4).at(Instant.ofEpochSecond(1_800_000_000L)).maxAttempts(2);
            }
            jobs.add(job.build());
        }
        List<String> ids = spooler.spoolAll(jobs);

        assertEquals(5, ids.size());
        assertEquals("batch-job-2", ids.get(2));
        assertEquals(5, new HashSet<>(ids).size());
        List<Path> files = queued(root);
        assertEquals(1, files.size(), names(root).toString());
        assertEquals(List.of(), otherFiles(root));
        String name = files.get(0).getFileName().toString();
        assertEquals(JobNames.Kind.BATCH, JobNames.kindOf(name));
        assertTrue(name.matches("[0-9A-Z]{26}\\.jsonl"), name);
        assertEquals(ids.get(0) + ".jsonl", name, "named after the first job's arrival id");

        List<JobFile> lines = readBatch(files.get(0));
        assertEquals(5, lines.size());
        for (int i = 0; i < 5; i++) {
            JobFile job = lines.get(i);
            assertEquals(ids.get(i), job.id());
            assertEquals(i, job.node().get("args").get("i").asInt());
            assertEquals("line\nbreak " + i, job.node().get("args").get("text").asText());
            assertEquals(i == 3 ? "report" : "echo", job.task());
        }
        assertEquals(4, lines.get(2).priority());
        assertEquals(Instant.ofEpochSecond(1_800_000_000L), lines.get(2).at());
        assertEquals(2, lines.get(2).maxAttempts());
        for (int i = 1; i < 5; i++) {
            if (i != 2 && i != 3) {
                assertTrue(ids.get(i).compareTo(ids.get(i - 1)) > 0, "generated ids increase");
            }
        }

        assertEquals(List.of(), spooler.spoolAll(List.of()));
        assertEquals(1, queued(root).size(), "an empty batch writes nothing");
        assertThrows(DuplicateJobException.class, () -> spooler.spoolAll(List.of(JobSpec.builder("echo").id("same").build(),
                JobSpec.builder("echo").id("same").build())), "the same id twice in one batch");
        assertEquals(1, queued(root).size());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void anIdsArrivalTimeIsNow(Storage storage) {
        Path root = root(storage);
        long before = System.currentTimeMillis();
        String id = Spooler.builder(root).clock(Clock.systemUTC()).open().spool("echo", Map.of());
        long millis = JobIds.millisOf(id);
        assertTrue(millis >= before && millis <= System.currentTimeMillis() + 1, id);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Storage.class)
    void nonDurableModeStillWritesWholeFiles(Storage storage) throws InterruptedException {
        Path root = root(storage);
        Spooler spooler = Spooler.builder(root).durable(false).open();
        String[] ids = new String[50];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = spooler.spool("echo", Map.of("i", i));
        }
        assertEquals(ids.length, queued(root).size());
        assertEquals(List.of(), otherFiles(root));
        for (String id : ids) {
            assertEquals(id, read(root.resolve(id + ".json")).id());
        }
        assertEquals(Arrays.asList(ids), queued(root).stream().map(p -> JobNames.idOf(p.getFileName().toString())).toList());
        if (storage == Storage.DISK) {
            // The spare file for the next job comes a few milliseconds later: let it land before @TempDir is removed.
            SpareFileTest.awaitSpares(root, 1);
        }
    }
}
