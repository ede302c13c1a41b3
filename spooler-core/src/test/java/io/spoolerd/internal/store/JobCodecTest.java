package io.spoolerd.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spoolerd.InvalidJobException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JobCodecTest {

    private static JobFile parse(String json) {
        return JobCodec.parse(json.getBytes(StandardCharsets.UTF_8), "job1.json");
    }

    /** Parses, expects a refusal, and checks the message is one line naming the file. */
    private static String rejected(byte[] bytes) {
        InvalidJobException e = assertThrows(InvalidJobException.class, () -> JobCodec.parse(bytes, "job1.json"));
        assertOneLine(e.getMessage());
        assertTrue(e.getMessage().startsWith("job1.json: "), e.getMessage());
        return e.getMessage();
    }

    private static String rejected(String json) {
        return rejected(json.getBytes(StandardCharsets.UTF_8));
    }

    static void assertOneLine(String message) {
        assertTrue(message != null && !message.isBlank(), "a message");
        assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
        assertFalse(message.contains("\tat ") || message.contains("Exception"), "no stack trace: " + message);
    }

    @Test
    void minimalJob() {
        JobFile job = parse("{\"task\": \"echo\", \"args\": {\"message\": \"hi\"}}");
        assertEquals("echo", job.task());
        assertNull(job.id());
        assertNull(job.at());
        assertEquals(0, job.priority());
        assertNull(job.maxAttempts());
        assertEquals(1, job.version());
        assertEquals(0, job.attempts());
        assertNull(job.retryAt());
        assertEquals(Map.of("message", "hi"), JobCodec.argsOf(job));
        assertEquals("job1", job.idOr("job1.json"));
    }

    @Test
    void taskAloneIsAJob() {
        JobFile job = parse("{\"task\":\"echo\"}");
        assertEquals(Map.of(), JobCodec.argsOf(job));
    }

    @Test
    void everyFieldOfTheFormat() {
        JobFile job = parse("{\"v\":1,\"id\":\"report-2026-11\",\"task\":\"report\",\"args\":{\"n\":5,\"ok\":true,"
                + "\"list\":[1,\"two\",null],\"obj\":{\"a\":1.5}},\"at\":1700000000,\"priority\":-3,\"max_attempts\":4,"
                + "\"attempts\":2,\"history\":[],\"retry_at\":1700000100.5}");
        assertEquals("report-2026-11", job.id());
        assertEquals(Instant.ofEpochSecond(1_700_000_000), job.at());
        assertEquals(-3, job.priority());
        assertEquals(4, job.maxAttempts());
        assertEquals(2, job.attempts());
        assertEquals(Instant.ofEpochMilli(1_700_000_100_500L), job.retryAt());
        assertEquals(job.retryAt(), job.notBefore());
        Map<String, Object> args = JobCodec.argsOf(job);
        assertEquals(5, ((Number) args.get("n")).intValue());
        assertEquals(true, args.get("ok"));
        assertEquals(java.util.Arrays.asList(1, "two", null), args.get("list"));
    }

    @ParameterizedTest(name = "at {0}")
    @CsvSource(delimiter = '|', value = {
        "1700000000                  | 2023-11-14T22:13:20Z",
        "1700000000.25               | 2023-11-14T22:13:20.250Z",
        "0.5                         | 1970-01-01T00:00:00.500Z",
        "'\"1700000000\"'            | 2023-11-14T22:13:20Z",
        "'\"2026-01-02T03:04:05Z\"'      | 2026-01-02T03:04:05Z",
        "'\"2026-01-02T03:04:05.123Z\"'  | 2026-01-02T03:04:05.123Z",
        "'\"2026-01-02T03:04:05+02:00\"' | 2026-01-02T01:04:05Z",
        "'\"2026-01-02T03:04:05-05:30\"' | 2026-01-02T08:34:05Z",
        "'\"2026-01-02T03:04:05+0200\"'  | 2026-01-02T01:04:05Z",
        "'\"2026-01-02T03:04:05+02\"'    | 2026-01-02T01:04:05Z",
        "'\"2026-01-02T03:04:05\"'       | 2026-01-02T03:04:05Z",
        "'\"2026-01-02T03:04\"'          | 2026-01-02T03:04:00Z",
        "'\"2026-01-02t03:04:05z\"'      | 2026-01-02T03:04:05Z",
        "'\"2026-01-02\"'                | 2026-01-02T00:00:00Z",
    })
    void atIsUnixSecondsOrIso8601(String at, String expected) {
        JobFile job = parse("{\"task\":\"echo\",\"at\":" + at + "}");
        assertEquals(Instant.parse(expected), job.at());
        assertEquals(job.at(), job.notBefore());
    }

    @Test
    void atNullMeansNoAt() {
        assertNull(parse("{\"task\":\"echo\",\"at\":null}").at());
    }

    @Test
    void badAtIsOneExactLine() {
        assertEquals("job1.json: \"at\" must be unix seconds or an ISO-8601 instant, got \"tomorrow\"",
                rejected("{\"task\":\"echo\",\"at\":\"tomorrow\"}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "[1]", "{}", "\"\"", "\"2026-13-01T00:00:00Z\"", "\"2026-01-02T25:00:00\"", "1e30",
        "\"next week\""})
    void otherBadAtValues(String at) {
        String message = rejected("{\"task\":\"echo\",\"at\":" + at + "}");
        assertTrue(message.startsWith("job1.json: \"at\" must be unix seconds or an ISO-8601 instant, got "), message);
    }

    @Test
    void badRetryAtIsRefusedToo() {
        assertTrue(rejected("{\"task\":\"echo\",\"retry_at\":\"soon\"}").contains("\"retry_at\""));
    }

    @Test
    void missingTask() {
        assertEquals("job1.json: missing \"task\"", rejected("{\"args\":{\"message\":\"hi\"}}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "true", "null", "[\"echo\"]", "{\"name\":\"echo\"}", "\"\"", "\"  \""})
    void taskMustBeANonEmptyString(String task) {
        String message = rejected("{\"task\":" + task + "}");
        assertTrue(message.startsWith("job1.json: \"task\" must be a non-empty string, got "), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "\"message=hi\"", "5", "true"})
    void argsMustBeAnObject(String args) {
        String message = rejected("{\"task\":\"echo\",\"args\":" + args + "}");
        assertTrue(message.startsWith("job1.json: \"args\" must be an object, got "), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "\"1\"", "true", "[]", "1e3", "10000000000", "1.0"})
    void priorityMustBeAnInteger(String priority) {
        String message = rejected("{\"task\":\"echo\",\"priority\":" + priority + "}");
        assertTrue(message.startsWith("job1.json: \"priority\" must be an integer, got "), message);
    }

    @Test
    void priorityMayBeNegativeAndAsLargeAsAnInt() {
        assertEquals(-7, parse("{\"task\":\"echo\",\"priority\":-7}").priority());
        assertEquals(Integer.MAX_VALUE, parse("{\"task\":\"echo\",\"priority\":2147483647}").priority());
        assertEquals(Integer.MIN_VALUE, parse("{\"task\":\"echo\",\"priority\":-2147483648}").priority());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "2.5", "\"3\""})
    void maxAttemptsMustBeAnIntegerOfZeroOrMore(String value) {
        assertTrue(rejected("{\"task\":\"echo\",\"max_attempts\":" + value + "}").contains("\"max_attempts\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "\"\"", "\".hidden\"", "\"-dash\"", "\"a/b\"", "\"a b\"", "\"../x\""})
    void idMustBeASafeString(String id) {
        assertTrue(rejected("{\"task\":\"echo\",\"id\":" + id + "}").contains("\"id\" must be"));
    }

    @Test
    void versionAttemptsAndHistoryAreTyped() {
        assertTrue(rejected("{\"task\":\"echo\",\"v\":\"1\"}").contains("\"v\" must be an integer"));
        assertTrue(rejected("{\"task\":\"echo\",\"attempts\":-1}").contains("\"attempts\""));
        assertTrue(rejected("{\"task\":\"echo\",\"history\":{}}").contains("\"history\" must be an array"));
    }

    @Test
    void unknownTopLevelFieldsRoundTripThroughEncode() {
        String json = "{\"task\":\"echo\",\"args\":{\"f\":1.10,\"g\":100.0,\"e\":1.5E+300,"
                + "\"big\":123456789012345678901234567890,\"s\":\"\u00e9\u6f22\\u0000\\n\",\"z\":null,\"l\":[true,false,{}]},"
                + "\"owner\":\"team-a\",\"trace\":{\"span\":[1,2,3],\"weight\":0.25},\"zzz\":12.50}";
        JobFile job = parse(json);
        byte[] encoded = JobCodec.encode(job.node());
        assertEquals(json + "\n", new String(encoded, StandardCharsets.UTF_8));
        JobFile again = JobCodec.parse(encoded, "again.json");
        assertEquals(job.node(), again.node());
    }

    @Test
    void outcomeKeepsTheJobAndAddsAttemptsHistoryAndRetryAt() {
        JobFile job = parse("{\"task\":\"echo\",\"args\":{\"x\":1.0},\"at\":1700000000,\"priority\":2,\"custom\":[1]}");
        Instant now = Instant.parse("2026-01-02T03:04:05Z");
        var first = JobCodec.withOutcome(job.node(), 1, JobCodec.historyEntry(now, "retry", "boom", 12),
                now.plusSeconds(10));
        JobFile rescheduled = JobCodec.parse(JobCodec.encode(first), "job1.json");
        assertEquals(1, rescheduled.attempts());
        assertEquals(now.plusSeconds(10), rescheduled.retryAt());
        assertEquals("retry", rescheduled.node().get("history").get(0).get("outcome").asText());
        assertEquals("2026-01-02T03:04:05Z", rescheduled.node().get("history").get(0).get("time").asText());
        assertEquals(12, rescheduled.node().get("history").get(0).get("duration_ms").asInt());
        for (String field : List.of("task", "args", "at", "priority", "custom")) {
            assertEquals(job.node().get(field), rescheduled.node().get(field), field);
            assertEquals(job.node().get(field).toString(), rescheduled.node().get(field).toString(), field);
        }
        var second = JobCodec.withOutcome(first, 2, JobCodec.historyEntry(now, "error", null, 3), null);
        JobFile finished = JobCodec.parse(JobCodec.encode(second), "job1.json");
        assertEquals(2, finished.node().get("history").size());
        assertNull(finished.retryAt());
        assertFalse(first == second);
        assertEquals(1, first.get("history").size(), "withOutcome copies, it does not change its input");
    }

    /** A job whose whole document is {@code depth} levels deep: the root object, args, then arrays. */
    private static String nested(int depth) {
        StringBuilder b = new StringBuilder("{\"task\":\"echo\",\"args\":{\"deep\":");
        b.append("[".repeat(depth - 2)).append("]".repeat(depth - 2));
        return b.append("}}").toString();
    }

    @Test
    void nestingOf1000IsAccepted() {
        JobFile job = parse(nested(JobCodec.MAX_NESTING_DEPTH));
        assertEquals("echo", job.task());
        assertTrue(JobCodec.encode(job.node()).length > 2000, "and it can be written back");
        assertEquals(1, JobCodec.argsOf(job).size());
    }

    @Test
    void nestingDeeperThan1000IsRefused() {
        String message = rejected(nested(JobCodec.MAX_NESTING_DEPTH + 1));
        assertTrue(message.endsWith("not valid JSON: Document nesting depth (1001) exceeds the maximum allowed (1000)"),
                "no names of Jackson's settings: " + message);
        assertOneLine(rejected(nested(100_000)));
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[][] cases = {
            {(byte) 0xff},                           // never valid
            {(byte) 0x80},                           // a continuation byte alone
            {(byte) 0xc3},                           // a truncated sequence
            {(byte) 0xc0, (byte) 0x80},              // an overlong NUL
            {(byte) 0xe0, (byte) 0x80, (byte) 0xaf}, // an overlong '/'
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // a UTF-16 surrogate, encoded (CESU-8)
            {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
        };
        for (byte[] bad : cases) {
            for (String where : List.of("task", "args")) {
                byte[] before = ("{\"task\":\"echo\",\"args\":{\"m\":\"").getBytes(StandardCharsets.UTF_8);
                if (where.equals("task")) {
                    before = "{\"task\":\"ec".getBytes(StandardCharsets.UTF_8);
                }
                byte[] after = (where.equals("task") ? "ho\"}" : "\"}}").getBytes(StandardCharsets.UTF_8);
                byte[] json = new byte[before.length + bad.length + after.length];
                System.arraycopy(before, 0, json, 0, before.length);
                System.arraycopy(bad, 0, json, before.length, bad.length);
                System.arraycopy(after, 0, json, before.length + bad.length, after.length);
                String message = rejected(json);
                assertTrue(message.contains("UTF-8"), message);
            }
        }
    }

    @Test
    void onlyUtf8IsAccepted() {
        String json = "{\"task\":\"echo\"}";
        assertTrue(rejected(json.getBytes(StandardCharsets.UTF_16LE)).length() > 0);
        assertTrue(rejected(json.getBytes(StandardCharsets.UTF_16BE)).length() > 0);
        assertTrue(rejected(json.getBytes(java.nio.charset.Charset.forName("UTF-32BE"))).length() > 0);
        // Latin-1 'é' is a lone 0xe9: not UTF-8
        assertTrue(rejected("{\"task\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1)).contains("UTF-8"));
    }

    @Test
    void validUtf8AndALeadingByteOrderMarkAreAccepted() {
        assertEquals("caf\u00e9 \ud83d\ude80", parse("{\"task\":\"caf\u00e9 \ud83d\ude80\"}").task());
        assertEquals("echo", parse("\ufeff{\"task\":\"echo\"}").task());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"task\":\"echo\"}]", "\"echo\"", "42", "true", "null"})
    void notAnObjectIsRefused(String json) {
        String message = rejected(json);
        assertTrue(message.startsWith("job1.json: a job must be a JSON object, got "), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\n", "\t \r\n"})
    void emptyInputIsRefused(String json) {
        assertEquals("job1.json: empty file, expected a JSON object", rejected(json));
    }

    @Test
    void duplicateKeysAreRefused() {
        assertTrue(rejected("{\"task\":\"echo\",\"task\":\"rm\"}").contains("Duplicate field 'task'"));
        assertTrue(rejected("{\"task\":\"echo\",\"args\":{\"a\":1,\"a\":2}}").contains("Duplicate field 'a'"));
        assertTrue(rejected("{\"task\":\"echo\",\"args\":{\"x\":[{\"b\":1,\"b\":1}]}}").contains("Duplicate"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"task\":\"echo\"",                      // cut short, as by a cp still running
        "{\"task\":\"echo\"}{\"task\":\"echo\"}", // two values
        "{\"task\":\"echo\"} x",
        "{\"task\":'echo'}",
        "{task:\"echo\"}",
        "{\"task\":\"echo\",}",
        "{\"task\":\"echo\",\"args\":{\"n\":NaN}}",
        "{\"task\":\"echo\" /* comment */}",
        "{\"task\":\"ec\nho\"}",
        "{\"task\":\"echo\",\"args\":{\"n\":01}}",
    })
    void malformedJsonIsOneLine(String json) {
        String message = rejected(json);
        assertTrue(message.startsWith("job1.json: not valid JSON: "), message);
    }

    @Test
    void sourceNamesTheLineOfABatch() {
        InvalidJobException e = assertThrows(InvalidJobException.class,
                () -> JobCodec.parse("{}".getBytes(StandardCharsets.UTF_8), "line 3 of b.jsonl"));
        assertEquals("line 3 of b.jsonl: missing \"task\"", e.getMessage());
    }

    @Test
    void longValuesAreShortenedInMessages() {
        String message = rejected("{\"task\":\"echo\",\"at\":\"" + "x".repeat(10_000) + "\"}");
        assertTrue(message.length() < 300, message);
    }

    @Test
    void unixSecondsAreWrittenFractionalOnlyWhenNeeded() {
        assertEquals("1700000000", JobCodec.unixSeconds(Instant.ofEpochSecond(1_700_000_000)).toString());
        assertEquals("1700000000.5", JobCodec.unixSeconds(Instant.ofEpochMilli(1_700_000_000_500L)).toString());
        assertEquals("1700000000.123", JobCodec.unixSeconds(Instant.ofEpochMilli(1_700_000_000_123L)).toString());
    }

    @Test
    void parseInstantReturnsNullForNonsense() {
        assertNull(JobCodec.parseInstant("tomorrow"));
        assertNull(JobCodec.parseInstant(""));
        assertNull(JobCodec.parseInstant("12:00"));
        assertEquals(Instant.ofEpochSecond(1), JobCodec.parseInstant("1"));
    }
}
