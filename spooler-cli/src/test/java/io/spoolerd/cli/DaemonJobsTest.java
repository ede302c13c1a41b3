package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A real daemon process running jobs: intake, order, scheduling, command tasks, batches, bad files. */
@ExtendWith(DaemonProcess.Cleanup.class)
class DaemonJobsTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    Path spool;
    Path out;

    @BeforeEach
    void dirs() throws IOException {
        spool = tmp.resolve("spool");
        out = Files.createDirectories(tmp.resolve("out"));
    }

    /** {@code --task} value: a command task that appends "$SPOOL_JOB_ID" to {@code file}, one line a run. */
    static String recordTask(String name, Path file) {
        return name + "=echo \"$SPOOL_JOB_ID\" >> '" + file + "'";
    }

    @Test
    void twoHundredJobsEachRunExactlyOnceOnFourWorkers() {
        Path runs = out.resolve("runs");
        Spooler spooler = Spooler.open(spool);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100; i++) { // half queued before the daemon starts, half while it runs
            ids.add(spooler.spool("record", Map.of("n", i)));
        }
        DaemonProcess daemon = DaemonProcess.start(spool, "--processes", "4", "--frequency", "0.2",
                "--task", recordTask("record", runs));
        for (int i = 100; i < 200; i++) {
            ids.add(spooler.spool("record", Map.of("n", i)));
        }
        assertEquals(200, ids.size());

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= 200 && SpoolFiles.jobs(spool).isEmpty()
                && SpoolFiles.claims(spool).isEmpty(), "200 runs and an empty queue", daemon);

        List<String> ran = SpoolFiles.lines(runs);
        assertEquals(200, ran.size(), "runs: " + ran);
        assertEquals(ids, new HashSet<>(ran), "every job ran, each once");
        assertEquals(List.of(), SpoolFiles.files(spool), "nothing left in the spool root");
        assertEquals(List.of(), SpoolFiles.files(spool.resolve("failed")));
        assertEquals(List.of(), SpoolFiles.files(spool.resolve("bad")));
        assertEquals(4, daemon.workers().size(), "the pool is whole");
        Pattern ok = Pattern.compile("INFO\\s+job \\S+ ok: task=record");
        awaitCondition(WAIT, () -> daemon.logLines(0, ok).size() >= 200, "an ok line per job (logged soon after the run)", daemon);
        assertEquals(200, daemon.logLines(0, ok).size());
    }

    @Test
    void atIsRespectedToWithinTheFrequency() {
        Path runs = out.resolve("runs");
        // the task records when it started, in milliseconds
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2",
                "--task", "later=echo \"$SPOOL_JOB_ID $(date +%s%3N)\" >> '" + runs + "'");
        Instant at = Instant.now().plusSeconds(2);
        String apiJob = Spooler.open(spool).spool(JobSpec.builder("later").at(at).build());
        Instant handAt = Instant.now().plusSeconds(2);
        SpoolFiles.drop(spool, "by-hand.json", "{\"task\":\"later\",\"at\":" + handAt.toEpochMilli() / 1000.0 + "}");

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == 2, "both jobs ran", daemon);
        Map<String, Long> started = new TreeMap<>();
        for (String line : SpoolFiles.lines(runs)) {
            String[] f = line.split(" ");
            started.put(f[0], Long.parseLong(f[1]));
        }
        long slack = 200 + 1000; // the frequency, and a second for a busy machine
        for (var e : Map.of(apiJob, at, "by-hand", handAt).entrySet()) {
            long start = started.get(e.getKey());
            long due = e.getValue().toEpochMilli();
            assertTrue(start >= due, e.getKey() + " started " + (due - start) + " ms before its at" + daemon.describe());
            assertTrue(start <= due + slack, e.getKey() + " started " + (start - due) + " ms after its at" + daemon.describe());
        }
    }

    @Test
    void dueJobsWaitingForABusyWorkerDoNotMakeTheDaemonSpin() {
        Path runs = out.resolve("runs");
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2",
                "--task", "long=echo long >> '" + runs + "'; sleep 3; echo end >> '" + runs + "'",
                "--task", recordTask("record", runs));
        Spooler spooler = Spooler.open(spool);
        spooler.spool("long", Map.of());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("long"), "the long job to start", daemon);
        // jobs coming due one after the other while the only worker is busy
        Instant first = Instant.now().plusMillis(200);
        List<String> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiting.add(spooler.spool(JobSpec.builder("record").at(first.plusMillis(500L * i)).build()));
        }

        // Until the long job ends the daemon has nothing to do but wait for its worker: it must sleep.
        Duration cpuBefore = cpu(daemon);
        long wallBefore = System.nanoTime();
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("end"), "the long job to end", daemon);
        long wallMillis = (System.nanoTime() - wallBefore) / 1_000_000;
        long cpuMillis = cpu(daemon).minus(cpuBefore).toMillis();

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).containsAll(waiting), "the waiting jobs to run next", daemon);
        assertTrue(wallMillis > 1500, "measured over " + wallMillis + " ms only");
        assertTrue(cpuMillis < wallMillis / 5, "the daemon used " + cpuMillis + " ms of CPU in " + wallMillis
                + " ms while it had nothing to do but wait for its worker");
    }

    static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Duration cpu(DaemonProcess daemon) {
        return daemon.handle().info().totalCpuDuration().orElseThrow(() -> new AssertionError("no CPU time for the daemon"));
    }

    @Test
    void newFilesAndDueTimesAreNoticedAtOnceNotAtTheNextScan() {
        Path runs = out.resolve("runs");
        // a scan every 30 s: only file-system events and timers can start these jobs in time
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "30",
                "--task", "later=echo \"$SPOOL_JOB_ID $(date +%s%3N)\" >> '" + runs + "'");
        long dropped = System.currentTimeMillis();
        SpoolFiles.drop(spool, "now.json", "{\"task\":\"later\"}");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == 1, "the dropped job to run", daemon);
        Instant at = Instant.now().plusMillis(1500);
        String scheduled = Spooler.open(spool).spool(JobSpec.builder("later").at(at).build());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == 2, "the scheduled job to run", daemon);

        List<String> lines = SpoolFiles.lines(runs);
        long startedNow = Long.parseLong(lines.get(0).split(" ")[1]);
        assertTrue(lines.get(0).startsWith("now "), lines.toString());
        assertTrue(startedNow - dropped < 1000, "a dropped job started after " + (startedNow - dropped) + " ms");
        long startedLater = Long.parseLong(lines.get(1).split(" ")[1]);
        assertTrue(lines.get(1).startsWith(scheduled + " "), lines.toString());
        long late = startedLater - at.toEpochMilli();
        assertTrue(late >= 0 && late < 1000, "a job due at its at started " + late + " ms after it");
    }

    @Test
    void dueJobsRunInPriorityOrderThenArrival() {
        Path runs = out.resolve("runs");
        Spooler spooler = Spooler.open(spool);
        int[] priorities = {5, -1, 3, 0, 10, 0, -7};
        for (int i = 0; i < priorities.length; i++) {
            spooler.spool(JobSpec.builder("record").arg("label", priorities[i] + "/" + i).priority(priorities[i]).build());
        }
        DaemonProcess daemon = DaemonProcess.start(spool, "--processes", "1", "--frequency", "0.2",
                "--task", "record=echo \"$SPOOL_ARG_LABEL\" >> '" + runs + "'");

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == priorities.length, "all jobs ran", daemon);
        assertEquals(List.of("-7/6", "-1/1", "0/3", "0/5", "3/2", "5/0", "10/4"), SpoolFiles.lines(runs));
    }

    @Test
    void batchFileIsExpandedAndEveryLineRuns() {
        Path runs = out.resolve("runs");
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, "--frequency", "0.2",
                "--task", "record=echo \"$SPOOL_ARG_N\" >> '" + runs + "'");
        SpoolFiles.drop(spool, "three.jsonl", """
                {"task":"record","args":{"n":1}}
                {"task":"record","args":{"n":2}}
                {"task":"record","args":{"n":3}}
                """);

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == 3 && SpoolFiles.jobs(spool).isEmpty(),
                "the 3 jobs of the batch ran", daemon);
        assertEquals(Set.of("1", "2", "3"), new HashSet<>(SpoolFiles.lines(runs)));
        assertEquals(List.of(), SpoolFiles.files(spool), "the batch file went away with its jobs");
        daemon.awaitLog("batch three.jsonl: 3 job\\(s\\) queued", WAIT);
    }

    @Test
    void aBatchFileStaysUntilItsLastJobIsGone() throws IOException {
        Path runs = out.resolve("runs");
        Path go = out.resolve("go");
        String[] options = {"--frequency", "0.2", "--grace", "0.5", "--task", "record=echo \"$SPOOL_ARG_N\" >> '" + runs + "'",
                "--task", "block=while [ ! -e '" + go + "' ]; do sleep 0.02; done; echo \"$SPOOL_ARG_N\" >> '" + runs + "'"};
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, options);
        Spooler.open(spool).spoolAll(List.of(JobSpec.builder("block").arg("n", "api-1").build(),
                JobSpec.builder("record").arg("n", "api-2").priority(1).build()));
        SpoolFiles.drop(spool, "hand.jsonl", """
                {"task":"record","args":{"n":"hand-1"}}
                {"task":"block","args":{"n":"hand-2"},"at":%d}
                """.formatted(Instant.now().plusSeconds(2).getEpochSecond()));

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).containsAll(List.of("hand-1", "api-2"))
                && SpoolFiles.claims(spool).size() == 2, "the free jobs done, both blocked ones running", daemon);
        List<String> batches = SpoolFiles.jobs(spool).stream().filter(n -> n.endsWith(".jsonl")).toList();
        assertEquals(2, batches.size(), "both batches wait for their last job: " + SpoolFiles.jobs(spool));
        for (JsonNode line : OpsCli.run(spool, "list", "--json").jsonLines()) {
            assertFalse(line.get("file").asText().endsWith(".jsonl"), "an expanded batch is no job to list: " + line);
        }

        // a restart meanwhile: the batches stay, expanded once
        daemon.sigterm();
        assertEquals(0, daemon.awaitExit(WAIT));
        daemon = DaemonProcess.startReady(spool, 2, options);
        awaitCondition(WAIT, () -> SpoolFiles.claims(spool).size() == 2, "the blocked jobs running again", daemon);
        assertEquals(batches, SpoolFiles.jobs(spool).stream().filter(n -> n.endsWith(".jsonl")).toList());

        Files.writeString(go, "");
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool).isEmpty(), "both batch files gone after their last jobs", daemon);
        List<String> ran = SpoolFiles.lines(runs);
        assertEquals(Set.of("api-1", "api-2", "hand-1", "hand-2"), new HashSet<>(ran));
        assertEquals(4, ran.size(), "each job once: " + ran);
        assertEquals(List.of(), SpoolFiles.files(spool.resolve(".spoolerd/batches")), "no marker left");
    }

    @Test
    void maxTasksReplacesAWorkerAfterThatManyJobs() {
        Path runs = out.resolve("runs");
        // $PPID of the command is the worker process that ran it
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--max-tasks", "2",
                "--task", "record=echo \"$SPOOL_JOB_ID $PPID $SPOOL_ATTEMPT\" >> '" + runs + "'");
        Spooler spooler = Spooler.open(spool);
        for (int i = 0; i < 5; i++) {
            spooler.spool("record", Map.of());
        }

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == 5, "5 jobs ran", daemon);
        Map<String, Integer> jobsPerWorker = new TreeMap<>();
        for (String line : SpoolFiles.lines(runs)) {
            jobsPerWorker.merge(line.split(" ")[1], 1, Integer::sum);
            assertEquals("1", line.split(" ")[2], "a job handed to a retiring worker lost an attempt: " + line + daemon.describe());
        }
        assertEquals(3, jobsPerWorker.size(), "5 jobs, 2 per worker: 3 workers " + jobsPerWorker);
        assertTrue(jobsPerWorker.values().stream().allMatch(n -> n <= 2), jobsPerWorker.toString());
        List<ProcessHandle> workers = daemon.awaitWorkers(1, WAIT);
        assertTrue(jobsPerWorker.getOrDefault(Long.toString(workers.get(0).pid()), 0) < 2,
                "the live worker has not run 2 jobs yet: " + workers.get(0).pid() + " " + jobsPerWorker);
    }

    @Test
    void unknownTaskStaysQueuedWhileOthersRun() {
        Path runs = out.resolve("runs");
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2",
                "--task", recordTask("record", runs));
        SpoolFiles.drop(spool, "mystery.json", "{\"task\":\"no-such-task\"}");
        Spooler spooler = Spooler.open(spool);
        Set<String> ids = Set.of(spooler.spool("record", Map.of()), spooler.spool("record", Map.of()),
                spooler.spool("record", Map.of()));

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == 3, "the known jobs ran", daemon);
        assertEquals(ids, new HashSet<>(SpoolFiles.lines(runs)));
        daemon.awaitLog("job mystery left queued: no task named \"no-such-task\"", WAIT);
        // parked in the daemon's index (its published record counts it), and its file stays in the drop zone
        awaitCondition(WAIT, () -> unknownTaskCount(spool) == 1, "the daemon's record counting 1 unknown-task job", daemon);
        assertEquals(List.of("mystery.json"), SpoolFiles.jobs(spool));
        // a task's line is written before its worker deletes the claim and reports: wait for the last one to be gone
        awaitCondition(WAIT, () -> SpoolFiles.claims(spool).isEmpty(), "no claim left", daemon);
        assertEquals(List.of(), SpoolFiles.files(spool.resolve("failed")));
        assertEquals(List.of(), SpoolFiles.files(spool.resolve("bad")));
    }

    static int unknownTaskCount(Path spool) {
        int n = -1;
        for (String name : SpoolFiles.files(spool.resolve(".spoolerd/daemons"))) {
            if (name.endsWith(".json") && !name.startsWith(".")) {
                try {
                    n = SpoolFiles.readJson(spool.resolve(".spoolerd/daemons").resolve(name)).path("index").path("unknown_task").asInt(-1);
                } catch (RuntimeException e) {
                    return -1; // being replaced
                }
            }
        }
        return n;
    }

    @Test
    void commandTaskGetsScalarArgsInTheEnvironmentAndTheJobOnStdin() throws IOException {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2",
                "--task", "env=env | grep '^SPOOL_' > '" + out + "/env'; cat > '" + out + "/stdin'; pwd -P > '" + out + "/pwd';"
                        + " test -f \"$SPOOL_FILE\" && echo present > '" + out + "/file'");
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("name", "plain");
        args.put("my-arg.x", "dash dot");
        args.put("camelCase", "c");
        args.put("n", 5);
        args.put("ratio", 2.5);
        args.put("flag", true);
        args.put("obj", Map.of("a", 1));
        args.put("list", List.of(1, 2));
        args.put("big", "x".repeat(40 * 1024));
        String id = Spooler.open(spool).spool("env", args);

        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool).isEmpty() && SpoolFiles.claims(spool).isEmpty()
                && Files.exists(out.resolve("file")), "the job ran", daemon);
        daemon.awaitLog("job " + id + " ok: task=env", WAIT);
        Map<String, String> env = new TreeMap<>();
        for (String line : SpoolFiles.lines(out.resolve("env"))) {
            int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertEquals(id, env.get("SPOOL_JOB_ID"));
        assertEquals("env", env.get("SPOOL_TASK"));
        assertEquals("1", env.get("SPOOL_ATTEMPT"));
        assertTrue(env.get("SPOOL_FILE").endsWith(".json"), env.toString());
        assertEquals("plain", env.get("SPOOL_ARG_NAME"));
        assertEquals("dash dot", env.get("SPOOL_ARG_MY_ARG_X"));
        assertEquals("c", env.get("SPOOL_ARG_CAMELCASE"));
        assertEquals("5", env.get("SPOOL_ARG_N"));
        assertEquals("2.5", env.get("SPOOL_ARG_RATIO"));
        assertEquals("true", env.get("SPOOL_ARG_FLAG"));
        for (String absent : List.of("SPOOL_ARG_OBJ", "SPOOL_ARG_LIST", "SPOOL_ARG_BIG")) {
            assertFalse(env.containsKey(absent), absent + " must only be on stdin: " + env.keySet());
        }
        JsonNode stdin = SpoolFiles.readJson(out.resolve("stdin"));
        assertEquals("env", stdin.path("task").asText());
        assertEquals(id, stdin.path("id").asText());
        assertEquals(1, stdin.path("args").path("obj").path("a").asInt());
        assertEquals(2, stdin.path("args").path("list").size());
        assertEquals(40 * 1024, stdin.path("args").path("big").asText().length());
        assertEquals("dash dot", stdin.path("args").path("my-arg.x").asText());
        assertEquals(List.of(tmp.toRealPath().toString()), SpoolFiles.lines(out.resolve("pwd")), "runs in the spool directory's parent");
        assertEquals(List.of("present"), SpoolFiles.lines(out.resolve("file")), "SPOOL_FILE is the job's file");
    }

    @Test
    void keepDoneMovesCompletedJobsToDone() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--keep-done");
        String id = Spooler.open(spool).spool("echo", Map.of("message", "kept"));
        SpoolFiles.drop(spool, "hand.json", "{\"task\":\"noop\",\"custom\":\"kept too\"}");

        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("done")).size() == 2, "two jobs in done/", daemon);
        assertEquals(List.of(), SpoolFiles.jobs(spool));
        for (String name : SpoolFiles.jobs(spool.resolve("done"))) {
            JsonNode job = SpoolFiles.readJson(spool.resolve("done").resolve(name));
            assertEquals(1, job.path("attempts").asInt(), name);
            assertEquals(1, job.path("history").size(), name);
            assertEquals("ok", job.path("history").get(0).path("outcome").asText(), name);
            if (name.equals("hand.json")) {
                assertEquals("kept too", job.path("custom").asText(), "unknown fields are kept");
            } else {
                assertEquals(id, job.path("id").asText());
            }
        }
        daemon.awaitLog("\\[" + id + "\\] kept", WAIT);
    }

    @Test
    void garbageAndEmptyFilesGoToBadAfterTheGraceWhileGoodJobsFlow() throws IOException {
        Path runs = out.resolve("runs");
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, "--frequency", "0.2", "--bad-grace", "0.5",
                "--task", recordTask("record", runs));
        Spooler spooler = Spooler.open(spool);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(spooler.spool("record", Map.of()));
        }
        SpoolFiles.write(spool.resolve("garbage.json"), "{\"task\": \"record\", oops".getBytes());
        // a slow writer: half a job now, the rest within --bad-grace; it is a good job, not a bad one
        Path slow = spool.resolve("slow-writer.json");
        SpoolFiles.write(slow, "{\"task\": \"rec".getBytes());
        sleepMillis(150); // the producer's own pace, not a wait for the daemon
        Files.write(slow, "ord\", \"id\": \"slowly\"}".getBytes(), java.nio.file.StandardOpenOption.APPEND);
        ids.add("slowly");
        SpoolFiles.write(spool.resolve("empty.json"), new byte[0]);
        for (int i = 0; i < 5; i++) {
            ids.add(spooler.spool("record", Map.of()));
        }

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == 11, "the good jobs ran", daemon);
        Path bad = spool.resolve("bad");
        List<String> expected = List.of("empty.json", "empty.json.reason", "garbage.json", "garbage.json.reason");
        awaitCondition(WAIT, () -> SpoolFiles.files(bad).equals(expected), "2 bad files and their reasons", daemon);
        assertEquals(new HashSet<>(ids), new HashSet<>(SpoolFiles.lines(runs)));
        assertEquals(List.of(), SpoolFiles.jobs(spool));
        assertTrue(Files.readString(bad.resolve("empty.json.reason")).contains("empty"), Files.readString(bad.resolve("empty.json.reason")));
        assertTrue(Files.readString(bad.resolve("garbage.json.reason")).contains("not valid JSON"),
                Files.readString(bad.resolve("garbage.json.reason")));
        assertEquals(0, Files.size(bad.resolve("empty.json")), "a bad file is moved as it was");
        for (String name : List.of("empty.json", "garbage.json")) {
            // the move keeps the file's mtime; the reason is written at the move: not before the grace
            FileTime written = Files.getLastModifiedTime(bad.resolve(name));
            FileTime moved = Files.getLastModifiedTime(bad.resolve(name + ".reason"));
            // (less a little: file times come from the kernel's coarse clock, a tick behind)
            assertTrue(moved.toMillis() - written.toMillis() >= 500 - 20, name + " moved " + (moved.toMillis() - written.toMillis())
                    + " ms after it was written, before --bad-grace 0.5");
        }

        // the same name again: a suffix, nothing in bad/ is overwritten
        SpoolFiles.write(spool.resolve("garbage.json"), "still not json".getBytes());
        awaitCondition(WAIT, () -> SpoolFiles.files(bad).size() == 6, "the second garbage.json in bad/", daemon);
        assertEquals("still not json", Files.readString(bad.resolve("garbage.1.json")));
        assertTrue(Files.exists(bad.resolve("garbage.1.json.reason")));
        assertEquals("{\"task\": \"record\", oops", Files.readString(bad.resolve("garbage.json")));
    }
}
