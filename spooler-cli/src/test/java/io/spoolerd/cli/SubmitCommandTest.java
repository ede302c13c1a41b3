package io.spoolerd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code spoolerd submit} run in-process, as {@link Main} runs it, with its output captured. */
class SubmitCommandTest {

    @TempDir
    Path tempDir;

    private Path spoolDir;

    @BeforeEach
    void setUp() {
        spoolDir = tempDir.resolve("spool-dir");
    }

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\\R"));
        }
    }

    private static Result run(String... args) {
        CommandLine cmd = SpoolerdCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private Result submit(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "submit";
        all[1] = "--spool-dir";
        all[2] = spoolDir.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return run(all);
    }

    /** Runs a submit that must succeed; returns the job id it printed. */
    private String submitOk(String... args) {
        Result r = submit(args);
        assertEquals(0, r.code(), "exit code; stderr: " + r.err());
        assertEquals("", r.err());
        assertTrue(r.out().endsWith("\n"), "one line: " + r.out());
        String id = r.out().strip();
        assertFalse(id.isEmpty() || id.contains("\n"), "one id: " + r.out());
        return id;
    }

    private List<Path> jobFiles() throws IOException {
        if (!Files.isDirectory(spoolDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(spoolDir)) {
            return s.filter(p -> JobNames.kindOf(p.getFileName().toString()) != JobNames.Kind.IGNORED).sorted().toList();
        }
    }

    private Path fileOf(String id) throws IOException {
        List<Path> matches = jobFiles().stream().filter(p -> id.equals(JobNames.idOf(p.getFileName().toString()))).toList();
        assertEquals(1, matches.size(), "one file for " + id + ": " + jobFiles());
        return matches.get(0);
    }

    private JobFile job(String id) throws IOException {
        Path file = fileOf(id);
        JobFile job = JobCodec.parse(Files.readAllBytes(file), file.getFileName().toString());
        assertEquals(id, job.id());
        return job;
    }

    /** A usage error: exit 2, one line saying what is wrong and where the help is; no stack trace. */
    private static void assertUsageError(Result r, String expectedInLine) {
        assertEquals(2, r.code(), "exit code; stderr: " + r.err());
        assertEquals("", r.out());
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), "one line: " + r.err());
        assertTrue(lines.get(0).startsWith("spoolerd: "), lines.get(0));
        assertTrue(lines.get(0).contains(expectedInLine), lines.get(0));
        assertTrue(lines.get(0).endsWith(" (see 'spoolerd submit --help')"), lines.get(0));
        assertNoStackTrace(r);
    }

    private static void assertNoStackTrace(Result r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + r.err());
    }

    @Test
    void submitPrintsTheIdAndWritesTheFile() throws IOException {
        String id = submitOk("echo", "message=hi");
        assertEquals(26, id.length(), id);
        assertEquals(List.of(spoolDir.resolve(id + ".json")), jobFiles());
        JobFile job = job(id);
        assertEquals("echo", job.task());
        assertEquals("{\"message\":\"hi\"}", job.node().get("args").toString());
        assertEquals(0, job.priority());
        assertEquals(null, job.at());
        List<String> hidden;
        try (Stream<Path> s = Files.list(spoolDir)) {
            hidden = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
        assertEquals(List.of(), hidden, "no temp file left");
    }

    @Test
    void taskWithoutArguments() throws IOException {
        String id = submitOk("cleanup");
        assertEquals("{}", job(id).node().get("args").toString());
    }

    @Test
    void typedValues() throws IOException {
        String id = submitOk("echo", "n:=5", "flag:=true", "obj:={\"a\":1}", "list:=[1,\"x\",null]", "ratio:=1.50",
                "none:=null", "text=5", "eq=a=b", "url=http://x/?a:=b", "quoted:=\"s\"", "empty=");
        JsonNode args = job(id).node().get("args");
        assertTrue(args.get("n").isIntegralNumber());
        assertEquals(5, args.get("n").intValue());
        assertTrue(args.get("flag").isBoolean());
        assertTrue(args.get("flag").booleanValue());
        assertEquals("{\"a\":1}", args.get("obj").toString());
        assertEquals("[1,\"x\",null]", args.get("list").toString());
        assertEquals(new BigDecimal("1.50"), args.get("ratio").decimalValue());
        assertTrue(args.get("none").isNull());
        assertTrue(args.get("text").isTextual(), "KEY=VALUE is always a string");
        assertEquals("5", args.get("text").asText());
        assertEquals("a=b", args.get("eq").asText());
        assertEquals("http://x/?a:=b", args.get("url").asText());
        assertEquals("s", args.get("quoted").asText());
        assertEquals("", args.get("empty").asText());
    }

    @Test
    void jsonArgs() throws IOException {
        String id = submitOk("echo", "--json", "{\"a\":1,\"b\":{\"c\":[true]},\"m\":\"from json\"}", "m=from pair");
        JsonNode args = job(id).node().get("args");
        assertEquals(1, args.get("a").intValue());
        assertEquals("{\"c\":[true]}", args.get("b").toString());
        assertEquals("from pair", args.get("m").asText(), "KEY=VALUE is added over --json");
    }

    @Test
    void badJsonIsAUsageError() throws IOException {
        assertUsageError(submit("echo", "--json", "[1,2]"), "--json must be a JSON object");
        assertUsageError(submit("echo", "--json", "{nope"), "--json: not valid JSON");
        assertUsageError(submit("echo", "n:=five"), "n:=five: not valid JSON");
        assertUsageError(submit("echo", "n:="), "n:=: not valid JSON: no value");
        assertUsageError(submit("echo", "--json", " "), "--json: not valid JSON: no value");
        assertEquals(List.of(), jobFiles());
    }

    @Test
    void atAsUnixSeconds() throws IOException {
        String id = submitOk("echo", "--at", "1900000000.5");
        JobFile job = job(id);
        assertEquals(Instant.ofEpochMilli(1_900_000_000_500L), job.at());
        assertEquals("1900000000.5", job.node().get("at").toString());
        assertEquals(Instant.ofEpochSecond(1_500_000_000L), job(submitOk("echo", "--at", "1.5e9")).at(), "a JSON number's exponent too");
        JobNames.Canonical name = JobNames.parse(fileOf(id).getFileName().toString());
        assertEquals(1_900_000_000_500L, name.dueMillis());
        assertTrue(name.explicitDue());
    }

    @Test
    void atAsIso8601() throws IOException {
        assertEquals(Instant.parse("2030-01-02T03:04:05Z"), job(submitOk("echo", "--at", "2030-01-02T03:04:05Z")).at());
        assertEquals(Instant.parse("2030-01-02T01:04:05Z"), job(submitOk("echo", "--at", "2030-01-02T03:04:05+02:00")).at());
        assertEquals(Instant.parse("2030-01-02T03:04:05Z"), job(submitOk("echo", "--at", "2030-01-02T03:04:05")).at(),
                "no offset is UTC");
    }

    @Test
    void atRelativeToNow() throws IOException {
        long before = System.currentTimeMillis();
        String id = submitOk("echo", "--at", "+30s");
        long after = System.currentTimeMillis();
        Instant at = job(id).at();
        assertTrue(at.toEpochMilli() >= before + 30_000 && at.toEpochMilli() <= after + 30_000,
                "at " + at + " is now + 30 s (" + Instant.ofEpochMilli(before) + ")");
        Instant inFiveMinutes = job(submitOk("echo", "--at", "+5m")).at();
        assertTrue(Math.abs(inFiveMinutes.toEpochMilli() - System.currentTimeMillis() - 300_000) < 10_000, inFiveMinutes.toString());
        Instant inHalfASecond = job(submitOk("echo", "--at", "+0.5")).at();
        assertTrue(Math.abs(inHalfASecond.toEpochMilli() - System.currentTimeMillis() - 500) < 10_000, inHalfASecond.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomorrow", "+", "+soon", "+-5s", "2030-13-01T00:00:00Z", "", "1e999999999", "1.5e"})
    void badAtIsAUsageError(String at) throws IOException {
        Result r = submit("echo", "--at", at);
        assertUsageError(r, "--at must be unix seconds, an ISO-8601 instant or +30s/+5m/+2h, got \"" + at + "\"");
        assertEquals(List.of(), jobFiles(), "nothing spooled");
    }

    @Test
    void priority() throws IOException {
        String id = submitOk("echo", "--priority", "-3");
        assertEquals(-3, job(id).priority());
        assertEquals(-3, JobNames.parse(fileOf(id).getFileName().toString()).priority());
        assertEquals(7, job(submitOk("echo", "--priority=7")).priority());
        assertUsageError(submit("echo", "--priority", "high"), "--priority");
    }

    @Test
    void maxAttemptsAndNoFsync() throws IOException {
        String id = submitOk("echo", "--max-attempts", "3", "--no-fsync");
        assertEquals(3, job(id).maxAttempts());
    }

    @Test
    void idIsTheIdempotencyKey() throws IOException {
        assertEquals("order-42", submitOk("echo", "--id", "order-42", "n:=1"));
        Result second = submit("echo", "--id", "order-42", "n:=2");
        assertEquals(1, second.code(), second.err());
        assertEquals("", second.out());
        assertEquals(List.of("spoolerd: a job with id \"order-42\" is already queued, scheduled or running"), second.errLines());
        assertNoStackTrace(second);
        assertEquals(1, jobFiles().size());
        assertEquals(1, job("order-42").node().get("args").get("n").intValue(), "the first job is untouched");

        Files.delete(fileOf("order-42"));
        assertEquals("order-42", submitOk("echo", "--id", "order-42", "n:=3"), "free again once the first is gone");
    }

    @Test
    void badIdIsAUsageError() throws IOException {
        assertUsageError(submit("echo", "--id", "../../etc/passwd"), "\"id\" must be");
        assertUsageError(submit("echo", "--id", ".hidden"), "\"id\" must be");
        assertEquals(List.of(), jobFiles());
    }

    @Test
    void maxQueuedRefusesWithExit75() throws IOException {
        submitOk("echo", "n:=1");
        Result r = submit("echo", "n:=2", "--max-queued", "1");
        assertEquals(75, r.code(), r.err());
        assertEquals("", r.out());
        assertEquals(List.of("spoolerd: spool is full: 1 jobs queued, the limit is 1"), r.errLines());
        assertEquals(1, jobFiles().size());
        submitOk("echo", "n:=3", "--max-queued", "2");
        assertEquals(2, jobFiles().size());
        assertUsageError(submit("echo", "--max-queued", "0"), "spoolerd: --max-queued must be at least 1, got 0");
    }

    @Test
    void missingTaskIsAUsageError() throws IOException {
        assertUsageError(submit(), "Missing required parameter: 'TASK'");
        assertEquals(List.of(), jobFiles());
    }

    @Test
    void argumentWithoutEqualsIsAUsageError() throws IOException {
        assertUsageError(submit("echo", "bogus"), "expected KEY=VALUE or KEY:=JSON, got 'bogus'");
        assertUsageError(submit("echo", "=value"), "expected KEY=VALUE or KEY:=JSON, got '=value'");
        assertEquals(List.of(), jobFiles());
    }

    @Test
    void unknownOptionIsAUsageError() throws IOException {
        assertUsageError(submit("echo", "--bogus"), "Unknown option: '--bogus'");
        assertUsageError(submit("echo", "--at"), "Missing required parameter for option '--at'");
        assertEquals(List.of(), jobFiles());
    }

    @Test
    void blankTaskIsAUsageError() {
        assertUsageError(submit(" "), "\"task\" must be a non-empty string");
    }

    @Test
    void anUnusableSpoolDirectoryIsARuntimeError() throws IOException {
        Path notADirectory = Files.writeString(tempDir.resolve("file"), "x");
        Result r = run("submit", "--spool-dir", notADirectory.toString(), "echo");
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("spoolerd: "), r.err());
        assertEquals("spoolerd: cannot open spool directory " + notADirectory + ": not a directory", r.errLines().get(0));
        assertNoStackTrace(r);
    }

    @Test
    void versionAndHelpExitZero() {
        Result version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("spoolerd "), version.out());
        assertEquals("", version.err());

        Result help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Usage: spoolerd"), help.out());
        assertTrue(help.out().contains("submit"), help.out());
        assertTrue(help.out().contains("75"), "exit codes are listed: " + help.out());
        assertEquals("", help.err());

        Result submitHelp = run("submit", "--help");
        assertEquals(0, submitHelp.code());
        for (String option : List.of("--spool-dir", "--json", "--at", "--priority", "--id", "--max-queued", "KEY:=JSON")) {
            assertTrue(submitHelp.out().contains(option), option + " in " + submitHelp.out());
        }
        assertEquals(0, run("help", "submit").code());
    }

    @Test
    void noCommandIsAUsageError() {
        Result r = run();
        assertEquals(2, r.code());
        assertEquals(List.of("spoolerd: missing command (see 'spoolerd --help')"), r.errLines());
    }

    @Test
    void defaultSpoolDirIsRelative() {
        SpoolDirOption option = new SpoolDirOption();
        assertEquals(Path.of("spool-dir"), option.path());
        assertNotNull(SpoolerdCommand.commandLine().getSubcommands().get("submit"));
    }
}
