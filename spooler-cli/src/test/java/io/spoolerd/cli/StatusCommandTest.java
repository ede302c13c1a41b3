package io.spoolerd.cli;

import static io.spoolerd.cli.OpsCli.countFiles;
import static io.spoolerd.cli.OpsCli.run;
import static io.spoolerd.cli.OpsCli.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusCommandTest {

    @TempDir
    Path tmp;

    Path spool;

    @BeforeEach
    void layout() throws IOException {
        spool = tmp.resolve("spool");
        Spooler spooler = Spooler.open(spool);
        Instant later = Instant.now().plus(Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            spooler.spool("echo", Map.of("i", i));                                           // queued
        }
        spooler.spool(JobSpec.builder("echo").at(later).build());                           // scheduled (-t in the name)
        spooler.spool(JobSpec.builder("echo").at(later).priority(-3).id("report-1").build()); // scheduled
        spooler.spool(JobSpec.builder("echo").at(Instant.now().minusSeconds(60)).build());  // queued: at has passed
        write(spool.resolve("hand-queued.json"), "{\"task\":\"echo\"}");                     // queued, read for its at
        write(spool.resolve("hand-at.json"), "{\"task\":\"echo\",\"at\":\"2999-01-01T00:00:00Z\"}");  // scheduled
        write(spool.resolve("hand-retry.json"), "{\"task\":\"echo\",\"attempts\":2,\"retry_at\":"
                + (Instant.now().getEpochSecond() + 600) + "}");                             // scheduled: a retry
        write(spool.resolve("hand-past.json"), "{\"task\":\"echo\",\"at\":1000}");           // queued
        write(spool.resolve("01J0000000000000000000000A-t9999999999999.json"), "{\"task\":\"echo\"}"); // scheduled by name
        write(spool.resolve(".job.json.4f2a.tmp"), "{\"task\":\"echo\"}");                   // ignored: hidden
        write(spool.resolve("notes.txt"), "not a job");                                      // ignored
        Files.createDirectory(spool.resolve("folder.json"));                                 // ignored: not a file
        Files.createSymbolicLink(spool.resolve("link.json"), spool.resolve("hand-queued.json")); // ignored: a link
        write(spool.resolve(".spoolerd/claims/host-1-abc/01J0000000000000000000000B.json"), "{\"task\":\"sleep\"}");
        write(spool.resolve(".spoolerd/claims/host-1-abc/.01J0000000000000000000000B.json.77.tmp"), "{}");
        write(spool.resolve(".spoolerd/claims/host-2-def/hand-running.json"), "{\"task\":\"sleep\"}");
        write(spool.resolve("failed/01J0000000000000000000000C.json"), OpsCli.failedJob("01J0000000000000000000000C", "echo", 3, "boom"));
        write(spool.resolve("failed/01J0000000000000000000000C.1.json"), OpsCli.failedJob("01J0000000000000000000000C", "echo", 1, "boom"));
        write(spool.resolve("failed/x.json"), OpsCli.failedJob("x", "echo", 1, "fail"));
        write(spool.resolve("bad/junk.json"), "{not json");
        write(spool.resolve("bad/junk.json.reason"), "junk.json: not valid JSON\n");
        write(spool.resolve("bad/big.json"), "{}");
        write(spool.resolve("bad/big.json.reason"), "big.json: missing \"task\"\n");
    }

    @Test
    void countsEveryStateDisjointlyAndMatchTheDirectory() throws IOException {
        ArrayNode workers = OpsCli.workers();
        OpsCli.busyWorker(workers, 4242, "01J0000000000000000000000B", "sleep", 5_000);
        OpsCli.daemonRecord(spool, true, false, 2, workers);

        OpsCli.Result r = run(spool, "status", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode counts = r.json().get("counts");
        assertEquals(List.of("queued", "scheduled", "running", "failed", "bad", "unknown_task"), names(counts));
        assertEquals(6 - 2, counts.get("queued").asLong(), r.out());
        assertEquals(5, counts.get("scheduled").asLong(), r.out());
        assertEquals(2, counts.get("running").asLong(), r.out());
        assertEquals(3, counts.get("failed").asLong(), r.out());
        assertEquals(2, counts.get("bad").asLong(), r.out());
        assertEquals(2, counts.get("unknown_task").asLong(), r.out());

        // The same numbers from the directory itself, counted independently.
        long inRoot = countFiles(spool, n -> n.endsWith(".json"));
        assertEquals(inRoot, counts.get("queued").asLong() + counts.get("scheduled").asLong()
                + counts.get("unknown_task").asLong());
        long claimed = 0;
        try (DirectoryStream<Path> owners = Files.newDirectoryStream(spool.resolve(".spoolerd/claims"))) {
            for (Path owner : owners) {
                claimed += countFiles(owner, n -> true);
            }
        }
        assertEquals(claimed, counts.get("running").asLong());
        assertEquals(countFiles(spool.resolve("failed"), n -> true), counts.get("failed").asLong());
        assertEquals(countFiles(spool.resolve("bad"), n -> !n.endsWith(".reason")), counts.get("bad").asLong());
    }

    @Test
    void unknownTaskNeverMakesQueuedNegative() throws IOException {
        OpsCli.daemonRecord(spool, true, false, 50, OpsCli.workers());
        JsonNode counts = run(spool, "status", "--json").json().get("counts");
        assertEquals(0, counts.get("queued").asLong());
        assertEquals(6, counts.get("unknown_task").asLong());
    }

    @Test
    void jsonDescribesTheLiveDaemonAndItsWorkers() throws IOException {
        ArrayNode workers = OpsCli.workers();
        OpsCli.busyWorker(workers, 4242, "job-7", "sleep", 65_000).putObject("progress")
                .put("done", 5).put("total", 10).put("message", "Working...");
        OpsCli.idleWorker(workers, 4343);
        OpsCli.daemonRecord(spool, true, false, 0, workers);

        OpsCli.Result r = run(spool, "status", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode status = r.json();
        assertEquals(List.of("spool_dir", "daemons", "counts", "alive"), names(status));
        assertEquals(spool.toRealPath().toString(), status.get("spool_dir").asText());
        assertTrue(status.get("alive").asBoolean());
        assertEquals(1, status.get("daemons").size());
        JsonNode d = status.get("daemons").get(0);
        assertEquals(List.of("id", "host", "pid", "started", "uptime_ms", "heartbeat", "heartbeat_age_ms", "lease_ms",
                "stopping", "processes", "tasks", "workers"), names(d));
        assertEquals(ProcessHandle.current().pid(), d.get("pid").asLong());
        assertTrue(d.get("uptime_ms").asLong() >= 3_723_000, d.toString());
        assertTrue(d.get("heartbeat_age_ms").asLong() >= 400, d.toString());
        assertEquals(30_000, d.get("lease_ms").asLong());
        assertFalse(d.get("stopping").asBoolean());
        JsonNode busy = d.get("workers").get(0);
        assertEquals(List.of("pid", "state", "jobs_run", "job_id", "task", "attempt", "started", "running_ms", "file",
                "progress"), names(busy));
        assertEquals("job-7", busy.get("job_id").asText());
        assertEquals("sleep", busy.get("task").asText());
        assertEquals(2, busy.get("attempt").asInt());
        assertTrue(busy.get("running_ms").asLong() >= 65_000);
        assertEquals(5, busy.get("progress").get("done").asLong());
        assertEquals(10, busy.get("progress").get("total").asLong());
        assertEquals("Working...", busy.get("progress").get("message").asText());
        JsonNode idle = d.get("workers").get(1);
        assertEquals(names(busy), names(idle), "an idle worker has the same keys, null where there is no job");
        assertTrue(idle.get("job_id").isNull() && idle.get("progress").isNull() && idle.get("running_ms").isNull());
    }

    @Test
    void humanTableShowsDaemonsWorkersProgressAndCounts() throws IOException {
        ArrayNode workers = OpsCli.workers();
        OpsCli.busyWorker(workers, 4242, "job-7", "sleep", 65_000).putObject("progress")
                .put("done", 5).put("total", 10).put("message", "Working...");
        OpsCli.idleWorker(workers, 4343);
        OpsCli.daemonRecord(spool, true, true, 1, workers);

        OpsCli.Result r = run(spool, "status");
        assertEquals(0, r.code(), r.toString());
        String out = r.out();
        assertTrue(out.contains("daemons          1 alive"), out);
        assertTrue(out.contains(" " + ProcessHandle.current().pid() + " "), out);
        assertTrue(out.contains("1h02m"), "uptime: " + out);
        assertTrue(out.contains("stopping"), out);
        assertTrue(out.contains("1/2 busy"), out);
        String busyLine = out.lines().filter(l -> l.contains("job-7")).findFirst().orElseThrow();
        assertTrue(busyLine.contains("4242") && busyLine.contains("busy") && busyLine.contains("sleep")
                && busyLine.contains("1m05s") && busyLine.endsWith("[#####-----] 5/10 Working..."), busyLine);
        assertTrue(out.lines().anyMatch(l -> l.contains("4343") && l.contains("idle")), out);
        assertTrue(out.contains("  queued        5\n"), out);
        assertTrue(out.contains("  scheduled     5\n"), out);
        assertTrue(out.contains("  running       2\n"), out);
        assertTrue(out.contains("  failed        3\n"), out);
        assertTrue(out.contains("  bad           2\n"), out);
        assertTrue(out.contains("  unknown_task  1\n"), out);
        assertEquals("", r.err());
    }

    @Test
    void noLiveDaemonStillPrintsTheCountsAndExits3() throws IOException {
        OpsCli.daemonRecord(spool, false, false, 4, OpsCli.workers()); // a record left by a daemon that is gone

        OpsCli.Result json = run(spool, "status", "--json");
        assertEquals(3, json.code(), json.toString());
        assertFalse(json.json().get("alive").asBoolean());
        assertEquals(0, json.json().get("daemons").size());
        assertEquals(6, json.json().get("counts").get("queued").asLong(), "a dead daemon's unknown_task is not used");
        assertEquals(0, json.json().get("counts").get("unknown_task").asLong());
        assertEquals(1, json.err().lines().count(), json.err());
        assertTrue(json.err().startsWith("spoolerd: no daemon is alive on "), json.err());

        OpsCli.Result human = run(spool, "status");
        assertEquals(3, human.code());
        assertTrue(human.out().contains("none alive"), human.out());
        assertTrue(human.out().contains("  queued        6\n"), human.out());
    }

    @Test
    void emptySpoolDirectory() throws IOException {
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        OpsCli.Result r = run(empty, "status", "--json");
        assertEquals(3, r.code());
        for (JsonNode count : r.json().get("counts")) {
            assertEquals(0, count.asLong());
        }
    }

    @Test
    void missingSpoolDirectoryHasNoDaemonAndBadOptionsAreUsageErrors() {
        OpsCli.Result missing = run(tmp.resolve("nowhere"), "status");
        assertEquals(3, missing.code(), missing.toString());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().contains("no spool directory there, so no daemon is alive on it"), missing.err());
        assertEquals(1, run(tmp.resolve("nowhere"), "list").code(), "the other commands: a runtime error");
        assertEquals(2, run(spool, "status", "--jsn").code());
    }

    @Test
    void progressBar() {
        assertEquals("[#####-----] 5/10 Working...", Text.progress(5, 10, "Working..."));
        assertEquals("[----------] 0/3", Text.progress(0, 3, null));
        assertEquals("[##########] 12/10", Text.progress(12, 10, ""));
        assertEquals("copying", Text.progress(0, 0, "copying"));
        assertEquals("-", Text.progress(0, 0, null));
        assertEquals("1m05s", Text.duration(65_000));
        assertEquals("2h03m", Text.duration(2 * 3_600_000 + 3 * 60_000));
        assertEquals("400ms", Text.duration(400));
        assertEquals("4.2s", Text.duration(4_200));
        assertEquals("3d04h", Text.duration(3 * 86_400_000L + 4 * 3_600_000L));
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
