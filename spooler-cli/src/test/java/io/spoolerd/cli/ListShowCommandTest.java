package io.spoolerd.cli;

import static io.spoolerd.cli.OpsCli.run;
import static io.spoolerd.cli.OpsCli.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListShowCommandTest {

    @TempDir
    Path tmp;

    Path spool;
    String queuedId;
    String thumbId;
    Instant later;

    @BeforeEach
    void layout() throws IOException {
        spool = tmp.resolve("spool");
        Spooler spooler = Spooler.open(spool);
        later = Instant.parse("2999-01-01T00:00:00Z");
        queuedId = spooler.spool("echo", Map.of("message", "hi"));
        thumbId = spooler.spool("thumbnail", Map.of("path", "/img/1.png"));
        spooler.spool(JobSpec.builder("report").at(later).priority(5).id("report-2026-11").build());
        write(spool.resolve("hand.json"), "{\"task\":\"thumbnail\",\"id\":\"hand-1\"}");
        write(spool.resolve(".spoolerd/claims/host-1-abc/01J0000000000000000000000B.json"), "{\"task\":\"sleep\",\"attempts\":1}");
        write(spool.resolve("failed/01J0000000000000000000000C.json"), OpsCli.failedJob("01J0000000000000000000000C", "thumbnail", 3, "disk full"));
        write(spool.resolve("failed/01J0000000000000000000000C.1.json"), OpsCli.failedJob("01J0000000000000000000000C", "echo", 1, "older"));
        write(spool.resolve("bad/junk.json"), "{not json");
        write(spool.resolve("bad/junk.json.reason"), "junk.json: not valid JSON: Unexpected character\n");
        write(spool.resolve("done/01J0000000000000000000000D.json"), "{\"task\":\"echo\",\"attempts\":1}");
        write(spool.resolve("cancelled/01J0000000000000000000000E.json"), "{\"task\":\"echo\"}");
    }

    @Test
    void listsEveryStateOneJobALine() {
        OpsCli.Result r = run(spool, "list", "--json");
        assertEquals(0, r.code(), r.toString());
        Map<String, String> stateById = new TreeMap<>();
        for (JsonNode line : r.jsonLines()) {
            stateById.merge(line.get("id").asText(), line.get("state").asText(), (a, b) -> a + "," + b);
        }
        assertEquals(Map.of(queuedId, "queued", thumbId, "queued", "report-2026-11", "scheduled", "hand-1", "queued",
                "01J0000000000000000000000B", "running",
                // both failed files hold job C (the second was failed again under a suffixed name)
                "01J0000000000000000000000C", "failed,failed", "junk", "bad", "01J0000000000000000000000D", "done",
                "01J0000000000000000000000E", "cancelled"), stateById);

        OpsCli.Result human = run(spool, "list");
        assertEquals(0, human.code());
        List<String> lines = human.out().lines().toList();
        assertTrue(lines.get(0).startsWith("ID") && lines.get(0).contains("NEXT RUN"), lines.get(0));
        assertEquals(11, lines.size(), human.out());
        String scheduled = lines.stream().filter(l -> l.startsWith("report-2026-11")).findFirst().orElseThrow();
        assertTrue(scheduled.contains("scheduled") && scheduled.contains("2999-01-01T00:00:00Z"), scheduled);
    }

    @Test
    void namesOnlyNeverOpensAFileWhileTheDefaultReadsThem() throws IOException {
        // A canonical name with content that is not even JSON: listing by name never opens it.
        write(spool.resolve("01J0000000000000000000000F.json"), "garbage");
        OpsCli.Result names = run(spool, "list", "--state", "queued", "--json", "--names-only");
        JsonNode line = names.jsonLines().stream().filter(l -> l.get("id").asText().equals("01J0000000000000000000000F"))
                .findFirst().orElseThrow();
        assertTrue(line.get("task").isNull() && line.get("attempts").isNull() && line.get("last_error").isNull(), line.toString());
        assertEquals("01J0000000000000000000000F.json", line.get("file").asText());
        assertEquals(List.of("id", "task", "state", "attempts", "next_run", "last_error", "priority", "file"),
                fieldNames(line));

        JsonNode read = run(spool, "list", "--state", "queued", "--json").jsonLines().stream()
                .filter(l -> l.get("id").asText().equals("01J0000000000000000000000F")).findFirst().orElseThrow();
        assertTrue(read.get("last_error").asText().contains("not valid JSON"), read.toString());

        JsonNode failed = run(spool, "list", "--state", "failed", "--json").jsonLines().stream()
                .filter(l -> l.get("file").asText().equals("failed/01J0000000000000000000000C.json")).findFirst().orElseThrow();
        assertEquals("thumbnail", failed.get("task").asText());
        assertEquals(3, failed.get("attempts").asInt());
        assertEquals("disk full", failed.get("last_error").asText());

        JsonNode bad = run(spool, "list", "--state", "bad", "--json").jsonLines().get(0);
        assertEquals("junk.json: not valid JSON: Unexpected character", bad.get("last_error").asText());
    }

    @Test
    void aWaitingBatchIsOneRowWithoutAnError() throws IOException {
        write(spool.resolve("b7.jsonl"), "{\"task\":\"echo\"}\n{\"task\":\"echo\"}\n");
        JsonNode batch = run(spool, "list", "--json").jsonLines().stream()
                .filter(l -> l.get("file").asText().equals("b7.jsonl")).findFirst().orElseThrow();
        assertEquals("queued", batch.get("state").asText());
        assertTrue(batch.get("last_error").isNull(), "its lines are jobs, the whole is no JSON value: " + batch);
    }

    @Test
    void filtersByStateTaskAndLimit() {
        for (JobState s : JobState.values()) {
            OpsCli.Result r = run(spool, "list", "--state", s.label(), "--json");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.jsonLines().stream().allMatch(l -> l.get("state").asText().equals(s.label())), r.out());
            assertTrue(!r.jsonLines().isEmpty(), "some job is " + s.label());
        }
        OpsCli.Result thumbs = run(spool, "list", "--task", "thumbnail", "--json");
        Set<String> ids = thumbs.jsonLines().stream().map(l -> l.get("id").asText()).collect(Collectors.toSet());
        assertEquals(Set.of(thumbId, "hand-1", "01J0000000000000000000000C"), ids);
        assertTrue(thumbs.jsonLines().stream().allMatch(l -> l.get("task").asText().equals("thumbnail")));

        assertEquals(1, run(spool, "list", "--task", "thumbnail", "--state", "failed", "--json").jsonLines().size());
        assertEquals(3, run(spool, "list", "--limit", "3", "--json").jsonLines().size());
        assertEquals(1 + 2, run(spool, "list", "--limit", "2").out().lines().count());
        assertEquals(2, run(spool, "list", "--state", "QUEUED", "--limit", "2", "--json").jsonLines().size());
    }

    @Test
    void listUsageErrorsExit2() {
        OpsCli.Result state = run(spool, "list", "--state", "finished");
        assertEquals(2, state.code(), state.toString());
        assertTrue(state.err().contains("'finished' is not a state"), state.err());
        assertEquals(2, run(spool, "list", "--limit", "0").code());
        assertEquals(2, run(spool, "list", "--limit", "many").code());
        assertEquals(2, run(spool, "list", "extra").code());
    }

    @Test
    void showFindsAJobByIdInEveryState() {
        OpsCli.Result queued = run(spool, "show", queuedId);
        assertEquals(0, queued.code(), queued.toString());
        assertTrue(queued.out().startsWith("id        " + queuedId + "\nstate     queued\n"), queued.out());
        assertTrue(queued.out().contains("\"message\" : \"hi\""), "pretty JSON: " + queued.out());

        OpsCli.Result scheduled = run(spool, "show", "report-2026-11", "--json");
        assertEquals("scheduled", scheduled.json().get("state").asText());
        assertEquals(5, scheduled.json().get("job").get("priority").asInt());

        assertEquals("queued", run(spool, "show", "hand-1", "--json").json().get("state").asText(), "by the id inside");
        assertEquals("queued", run(spool, "show", "hand", "--json").json().get("state").asText(), "by the file name");
        assertEquals("running", run(spool, "show", "01J0000000000000000000000B", "--json").json().get("state").asText());
        assertEquals("done", run(spool, "show", "01J0000000000000000000000D", "--json").json().get("state").asText());
        assertEquals("cancelled", run(spool, "show", "01J0000000000000000000000E", "--json").json().get("state").asText());

        OpsCli.Result failed = run(spool, "show", "01J0000000000000000000000C");
        assertEquals(0, failed.code());
        assertTrue(failed.out().contains("state     failed\nfile      failed/01J0000000000000000000000C.json\n"), failed.out());
        assertTrue(failed.out().contains("attempts  3\n"), failed.out());
        assertTrue(failed.out().lines().anyMatch(l -> l.contains("2026-01-01T00:00:03Z") && l.contains("error")
                && l.contains("30ms") && l.endsWith("disk full")), failed.out());
    }

    @Test
    void showReadsFilesWhoseNameIsNotCanonical() throws IOException {
        // failed/ gave it a suffix: the name no longer says the id, the content does
        Files.delete(spool.resolve("failed/01J0000000000000000000000C.json"));
        write(spool.resolve("failed/01J0000000000000000000000G-kmy-job.1.json"), OpsCli.failedJob("my-job", "echo", 2, "timeout"));
        OpsCli.Result r = run(spool, "show", "my-job", "--json");
        assertEquals(0, r.code(), r.toString());
        assertEquals("failed", r.json().get("state").asText());
        assertEquals("failed/01J0000000000000000000000G-kmy-job.1.json", r.json().get("file").asText());
        assertEquals(2, r.json().get("job").get("attempts").asInt());
    }

    @Test
    void showABadFileGivesItsReasonAndContent() {
        OpsCli.Result r = run(spool, "show", "junk");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("state     bad\n"), r.out());
        assertTrue(r.out().contains("reason    junk.json: not valid JSON: Unexpected character\n"), r.out());
        assertTrue(r.out().contains("content\n{not json"), r.out());
        JsonNode json = run(spool, "show", "junk", "--json").json();
        assertTrue(json.get("job").isNull());
        assertEquals("{not json", json.get("content").asText());
    }

    @Test
    void showAnUnknownIdExits1WithOneLine() {
        OpsCli.Result r = run(spool, "show", "nope");
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("spoolerd: no job with id nope in "), r.err());
        assertEquals(2, run(spool, "show").code(), "ID is required");
    }

    @Test
    void scheduledBecomesQueuedWhenDue() throws IOException {
        Instant soon = Instant.now().minus(Duration.ofSeconds(1));
        write(spool.resolve("hand-due.json"), "{\"task\":\"echo\",\"retry_at\":" + soon.getEpochSecond() + "}");
        assertEquals("queued", run(spool, "show", "hand-due", "--json").json().get("state").asText());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
