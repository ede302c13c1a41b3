package io.spoolerd.cli;

import static io.spoolerd.cli.OpsCli.age;
import static io.spoolerd.cli.OpsCli.countFiles;
import static io.spoolerd.cli.OpsCli.run;
import static io.spoolerd.cli.OpsCli.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CancelRetryPurgeTest {

    @TempDir
    Path tmp;

    Path spool;
    Spooler spooler;

    @BeforeEach
    void open() {
        spool = tmp.resolve("spool");
        spooler = Spooler.open(spool);
    }

    @Test
    void cancelMovesQueuedAndScheduledJobsToCancelled() throws IOException {
        String queued = spooler.spool("echo", Map.of());
        String scheduled = spooler.spool(JobSpec.builder("echo").at(Instant.now().plus(Duration.ofDays(1))).id("later").build());
        write(spool.resolve("hand.json"), "{\"task\":\"echo\",\"id\":\"by-hand\"}");
        String kept = spooler.spool("echo", Map.of());

        OpsCli.Result r = run(spool, "cancel", queued, "later", "by-hand");
        assertEquals(0, r.code(), r.toString());
        assertEquals(3, r.out().lines().filter(l -> l.startsWith("cancelled ")).count(), r.out());
        assertEquals(3, countFiles(spool.resolve("cancelled"), n -> true));
        assertEquals(1, countFiles(spool, n -> n.endsWith(".json")), "only the job not named is left");
        assertTrue(Files.exists(spool.resolve("cancelled/hand.json")));
        assertEquals("cancelled", run(spool, "show", scheduled, "--json").json().get("state").asText());
        assertEquals("queued", run(spool, "show", kept, "--json").json().get("state").asText());
        // age for purge --cancelled counts from the cancellation
        assertTrue(Files.getLastModifiedTime(spool.resolve("cancelled/hand.json")).toMillis()
                > System.currentTimeMillis() - 60_000);
    }

    @Test
    void cancelNeverOverwritesAndRefusesWhatIsNotQueued() throws IOException {
        write(spool.resolve("cancelled/hand.json"), "{\"task\":\"echo\",\"id\":\"first\"}");
        write(spool.resolve("hand.json"), "{\"task\":\"echo\",\"id\":\"second\"}");
        write(spool.resolve(".spoolerd/claims/host-1-abc/01J0000000000000000000000B.json"), "{\"task\":\"sleep\"}");
        write(spool.resolve("failed/01J0000000000000000000000C.json"), OpsCli.failedJob("01J0000000000000000000000C", "echo", 1, "x"));

        OpsCli.Result r = run(spool, "cancel", "01J0000000000000000000000B", "second", "01J0000000000000000000000C", "ghost");
        assertEquals(1, r.code(), r.toString());
        List<String> errors = r.err().lines().toList();
        assertEquals(3, errors.size(), r.err());
        assertTrue(errors.get(0).startsWith("spoolerd: job 01J0000000000000000000000B is running and cannot be cancelled"), errors.get(0));
        assertTrue(errors.get(1).contains("is failed (failed/01J0000000000000000000000C.json), not queued or scheduled"), errors.get(1));
        assertTrue(errors.get(2).startsWith("spoolerd: no job with id ghost"), errors.get(2));
        assertTrue(Files.exists(spool.resolve(".spoolerd/claims/host-1-abc/01J0000000000000000000000B.json")), "running job untouched");
        assertTrue(Files.exists(spool.resolve("failed/01J0000000000000000000000C.json")));
        // the one cancellable job was cancelled, next to the older one of the same name
        assertTrue(r.out().contains("cancelled second (cancelled/hand.1.json)"), r.out());
        assertTrue(Files.readString(spool.resolve("cancelled/hand.json")).contains("first"));
        assertTrue(Files.readString(spool.resolve("cancelled/hand.1.json")).contains("second"));
        assertEquals(2, run(spool, "cancel").code(), "an ID is required");
    }

    @Test
    void retryResetsAttemptsDropsRetryAtAndKeepsHistory() throws IOException {
        String arrival = "01J0000000000000000000000C";
        String failedName = JobNames.format(arrival, 2, 1_700_000_000_000L, "thumb-9");
        write(spool.resolve("failed/" + failedName), OpsCli.failedJob("thumb-9", "thumbnail", 10, "disk full"));

        OpsCli.Result r = run(spool, "retry", "thumb-9");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("1 job(s) moved back to the queue"), r.out());
        assertEquals(0, countFiles(spool.resolve("failed"), n -> true));
        String queuedName = JobNames.format(arrival, 2, null, "thumb-9");
        Path queued = spool.resolve(queuedName);
        assertTrue(Files.exists(queued), "back in the drop zone without the last retry's due time: " + queuedName);
        JsonNode job = JobCodec.mapper().readTree(Files.readAllBytes(queued));
        assertEquals(0, job.get("attempts").asInt());
        assertNull(job.get("retry_at"));
        assertEquals(10, job.get("history").size());
        assertEquals("disk full", job.get("history").get(9).get("error").asText());
        assertEquals("thumbnail", job.get("task").asText());
        assertEquals(1, job.get("args").get("n").asInt());
        assertEquals("queued", run(spool, "show", "thumb-9", "--json").json().get("state").asText());
        assertFalse(Files.list(spool).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp file left");
    }

    @Test
    void retryAllFailed() throws IOException {
        write(spool.resolve("failed/01J0000000000000000000000C.json"), OpsCli.failedJob("01J0000000000000000000000C", "echo", 3, "a"));
        write(spool.resolve("failed/01J0000000000000000000000C.1.json"), OpsCli.failedJob("01J0000000000000000000000D", "echo", 3, "b"));
        write(spool.resolve("failed/hand.json"), OpsCli.failedJob("hand", "echo", 1, "c"));

        OpsCli.Result r = run(spool, "retry", "--all-failed");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("3 job(s) moved back to the queue"), r.out());
        assertEquals(0, countFiles(spool.resolve("failed"), n -> true));
        assertTrue(Files.exists(spool.resolve("01J0000000000000000000000C.json")));
        assertTrue(Files.exists(spool.resolve("hand.json")));
        OpsCli.Result listed = run(spool, "list", "--state", "queued", "--json");
        assertEquals(3, listed.jsonLines().size(), listed.out());
        assertTrue(listed.jsonLines().stream().allMatch(l -> l.get("attempts").asInt() == 0));
        assertEquals(2, listed.jsonLines().stream().filter(l -> l.get("file").asText().startsWith("01J0000000000000000000000C")).count(),
                "the .1 of failed/ is dropped; a name taken in the drop zone is not overwritten: " + listed.out());
    }

    @Test
    void retryRefusesWhatIsNotFailedAndTakenIds() throws IOException {
        String queued = spooler.spool(JobSpec.builder("echo").id("dup").build());
        write(spool.resolve("failed/01J0000000000000000000000H-kdup.json"), OpsCli.failedJob("dup", "echo", 3, "x"));

        OpsCli.Result r = run(spool, "retry", "dup", "ghost");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("a job with id dup is already queued, scheduled or running"), r.err());
        assertTrue(r.err().contains("no job with id ghost"), r.err());
        assertTrue(Files.exists(spool.resolve("failed/01J0000000000000000000000H-kdup.json")), "left where it was");
        assertEquals("queued", run(spool, "show", queued, "--json").json().get("state").asText());

        OpsCli.Result notFailed = run(spool, "retry", "dup");
        assertEquals(1, notFailed.code());
        OpsCli.Result q = run(spool, "retry", spooler.spool("echo", Map.of()));
        assertEquals(1, q.code());
        assertTrue(q.err().contains("is queued") && q.err().contains("not failed"), q.err());
    }

    @Test
    void retriedNamesDropTheSuffixFailedGaveThemAndTheLastRetryTime() {
        String g = "01J0000000000000000000000G";
        assertEquals(g + "-kmy-job.json", RetryCommand.queueName(g + "-kmy-job.1.json", job("my-job", null)));
        assertEquals(g + "-kv.2.json", RetryCommand.queueName(g + "-kv.2.json", job("v.2", null)), "an id with a dot");
        assertEquals(g + ".json", RetryCommand.queueName(g + ".3.json", job(g, null)));
        assertEquals(g + "-p-1.json", RetryCommand.queueName(g + "-p-1-t1700000000000.json", job(g, null)));
        assertEquals(g + "-t32503680000000.json", RetryCommand.queueName(g + "-t1700000000000.json", job(g, "3000-01-01T00:00:00Z")));
        assertEquals("hand.1.json", RetryCommand.queueName("hand.1.json", job("hand", null)));
    }

    private static io.spoolerd.internal.store.JobFile job(String id, String at) {
        String json = "{\"task\":\"echo\",\"id\":\"" + id + "\"" + (at == null ? "" : ",\"at\":\"" + at + "\"") + "}";
        return JobCodec.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "test");
    }

    @Test
    void retryUsage() {
        assertEquals(2, run(spool, "retry").code());
        OpsCli.Result both = run(spool, "retry", "x", "--all-failed");
        assertEquals(2, both.code(), both.toString());
        assertTrue(both.err().startsWith("spoolerd: give job ids or --all-failed, not both"), both.err());
    }

    @Test
    void purgeDeletesOnlyOldFinishedJobs() throws IOException {
        String queued = spooler.spool("echo", Map.of());
        age(spool.resolve(queued + ".json"), Duration.ofDays(30));
        Path oldFailed = write(spool.resolve("failed/old.json"), OpsCli.failedJob("old", "echo", 1, "x"));
        Path newFailed = write(spool.resolve("failed/new.json"), OpsCli.failedJob("new", "echo", 1, "x"));
        age(oldFailed, Duration.ofDays(8));
        age(newFailed, Duration.ofDays(6));
        Path oldBad = write(spool.resolve("bad/old.json"), "junk");
        Path oldReason = write(spool.resolve("bad/old.json.reason"), "why");
        Path recentBad = write(spool.resolve("bad/recent.json"), "junk");   // dropped long ago, found bad just now
        Path recentReason = write(spool.resolve("bad/recent.json.reason"), "why");
        Path orphan = write(spool.resolve("bad/gone.json.reason"), "why");
        age(oldBad, Duration.ofDays(10));
        age(oldReason, Duration.ofDays(10));
        age(recentBad, Duration.ofDays(10));
        age(orphan, Duration.ofDays(10));
        Path done = write(spool.resolve("done/d.json"), "{\"task\":\"echo\"}");
        age(done, Duration.ofHours(13));

        OpsCli.Result r = run(spool, "purge", "--failed", "--bad", "--done", "--older-than", "7d");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("purged 1 failed job(s) from failed/", "purged 1 bad job(s) from bad/",
                "purged 0 done job(s) from done/"), r.out().lines().toList());
        assertFalse(Files.exists(oldFailed));
        assertTrue(Files.exists(newFailed));
        assertFalse(Files.exists(oldBad));
        assertFalse(Files.exists(oldReason), "the reason goes with its file");
        assertFalse(Files.exists(orphan), "a reason without its file goes too");
        assertTrue(Files.exists(recentBad) && Files.exists(recentReason), "judged by when it was found bad");
        assertTrue(Files.exists(done));
        assertTrue(Files.exists(spool.resolve(queued + ".json")), "queued jobs are never purged");

        assertEquals(List.of("purged 1 done job(s) from done/"), run(spool, "purge", "--done", "--older-than", "12h").out().lines().toList());
        assertEquals(List.of("purged 1 failed job(s) from failed/"), run(spool, "purge", "--failed").out().lines().toList());
        assertEquals(List.of("purged 0 cancelled job(s) from cancelled/"), run(spool, "purge", "--cancelled", "--older-than", "90").out().lines().toList());
    }

    @Test
    void purgeUsage() {
        OpsCli.Result none = run(spool, "purge");
        assertEquals(2, none.code(), none.toString());
        assertTrue(none.err().startsWith("spoolerd: Missing required argument(s): "), "not picocli's \"Error: \" after ours: " + none.err());
        assertEquals(2, run(spool, "purge", "--failed", "--older-than", "soon").code());
        assertEquals(2, run(spool, "purge", "--queued").code());
    }

    @Test
    void completionScriptIsHiddenButAvailable() {
        OpsCli.Result script = run("generate-completion");
        assertEquals(0, script.code(), script.toString());
        assertTrue(script.out().contains("spoolerd") && script.out().contains("complete -F"), script.out());
        for (String command : List.of("status", "list", "show", "cancel", "retry", "purge")) {
            assertTrue(script.out().contains(command), command);
        }
        String help = run("--help").out();
        assertFalse(help.contains("generate-completion"), help);
        for (String command : List.of("status", "list", "show", "cancel", "retry", "purge", "stop")) {
            assertTrue(help.contains("  " + command + " "), command + " in " + help);
        }
    }
}
