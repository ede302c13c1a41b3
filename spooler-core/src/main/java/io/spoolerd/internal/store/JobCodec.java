package io.spoolerd.internal.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.InvalidJobException;
import io.spoolerd.JobSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Job files to and from JSON. Jobs carry data only: the mapper has no default typing and reads
 * into trees, never into classes named by the input; nesting, string and number sizes are
 * bounded. Validation errors are one line: {@code job1.json: "at" must be ..., got "tomorrow"}.
 */
public final class JobCodec {

    public static final int MAX_NESTING_DEPTH = 1000;
    static final int MAX_STRING_LENGTH = 64 * 1024 * 1024;
    static final int MAX_NAME_LENGTH = 50_000; // Jackson's default, named here because SimpleJson must match it
    public static final int FORMAT_VERSION = 1;

    private JobCodec() {}

    /**
     * The mapper for job files, made on first use: a worker whose jobs {@link SimpleJson} reads
     * never pays the 100 ms an {@code ObjectMapper} costs a fresh JVM.
     */
    public static ObjectMapper mapper() {
        return Mapper.INSTANCE;
    }

    private static final class Mapper {
        static final ObjectMapper INSTANCE = newMapper();
    }

    private static ObjectMapper newMapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(1000)
                        .maxStringLength(MAX_STRING_LENGTH)
                        .maxNameLength(MAX_NAME_LENGTH)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return new ObjectMapper(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                // keep numbers as written (1.10 stays 1.10, 100.0 does not become 1E+2) when a job is rewritten
                .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    }

    /** Parses and validates one job; {@code source} names it in errors (a file name, or "line 3 of x.jsonl"). */
    public static JobFile parse(byte[] bytes, String source) {
        JsonNode root;
        try {
            ObjectNode simple = SimpleJson.parseObject(bytes);
            if (simple != null) {
                root = simple;
            } else if (isPlainAscii(bytes)) { // valid UTF-8 as it is: no decoding pass, no copy
                root = mapper().readTree(bytes);
            } else {
                root = mapper().readTree(decodeUtf8(bytes, source));
            }
        } catch (JsonProcessingException e) {
            throw new InvalidJobException(source + ": not valid JSON: " + describe(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // from bytes in memory: not a thing that happens
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidJobException(source + ": empty file, expected a JSON object");
        }
        return validate(root, source);
    }

    /**
     * Bytes 0x01 to 0x7f only. No NUL either: Jackson takes zero bytes at the start for UTF-16 or
     * UTF-32, and JSON has no place for a raw NUL anyway (the decoding path reports it).
     */
    private static boolean isPlainAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b <= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Strict UTF-8: Jackson alone would guess UTF-16 or UTF-32 from the first bytes and lets overlong
     * forms and encoded surrogates through. A leading byte order mark is skipped (RFC 8259 allows that).
     */
    private static String decodeUtf8(byte[] bytes, String source) {
        int start = bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF ? 3 : 0;
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidJobException(source + ": not valid UTF-8 at byte " + in.position());
        }
    }

    public static JobFile validate(JsonNode root, String source) {
        if (!(root instanceof ObjectNode node)) {
            throw new InvalidJobException(source + ": a job must be a JSON object, got " + describe(root));
        }
        JsonNode task = node.get("task");
        if (task == null) {
            throw new InvalidJobException(source + ": missing \"task\"");
        }
        if (!task.isTextual() || task.asText().isBlank()) {
            throw invalid(source, "task", "a non-empty string", task);
        }
        JsonNode args = node.get("args");
        if (args != null && !args.isObject() && !args.isNull()) {
            throw invalid(source, "args", "an object", args);
        }
        Instant at = optionalInstant(node, "at", source);
        int priority = optionalInt(node, "priority", source, 0);
        Integer maxAttempts = node.has("max_attempts") ? optionalInt(node, "max_attempts", source, 0) : null;
        if (maxAttempts != null && maxAttempts < 0) {
            throw invalid(source, "max_attempts", "0 (unlimited) or more", node.get("max_attempts"));
        }
        JsonNode id = node.get("id");
        if (id != null && !(id.isTextual() && JobNames.isValidId(id.asText()))) {
            throw invalid(source, "id", "1 to 128 characters of A-Z a-z 0-9 _ . : @ + = - not starting with '.' or '-'", id);
        }
        int v = optionalInt(node, "v", source, FORMAT_VERSION);
        int attempts = optionalInt(node, "attempts", source, 0);
        if (attempts < 0) {
            throw invalid(source, "attempts", "0 or more", node.get("attempts"));
        }
        Instant retryAt = optionalInstant(node, "retry_at", source);
        JsonNode history = node.get("history");
        if (history != null && !history.isArray()) {
            throw invalid(source, "history", "an array", history);
        }
        return new JobFile(node, id == null ? null : id.asText(), task.asText(), at, priority, maxAttempts, v,
                attempts, retryAt);
    }

    /** The JSON for a new job from the producer API. */
    public static ObjectNode newJob(JobSpec spec, String id) {
        ObjectNode node = mapper().createObjectNode();
        node.put("v", FORMAT_VERSION);
        node.put("id", id);
        node.put("task", spec.task());
        try {
            node.set("args", mapper().valueToTree(spec.args()));
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException("\"args\" must be plain JSON values: " + oneLine(e.getMessage()));
        }
        if (spec.at() != null) {
            node.put("at", unixSeconds(spec.at()));
        }
        if (spec.priority() != 0) {
            node.put("priority", spec.priority());
        }
        if (spec.maxAttempts() != null) {
            node.put("max_attempts", spec.maxAttempts());
        }
        return node;
    }

    public static byte[] encode(JsonNode node) {
        try {
            byte[] json = mapper().writeValueAsBytes(node);
            byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
            line[json.length] = '\n';
            return line;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unix seconds as a JSON number, fractional only when needed. */
    public static BigDecimal unixSeconds(Instant instant) {
        BigDecimal seconds = BigDecimal.valueOf(instant.toEpochMilli(), 3).stripTrailingZeros();
        return seconds.scale() < 0 ? seconds.setScale(0) : seconds;
    }

    /**
     * An instant given as unix seconds (fractions allowed) or ISO-8601 (UTC when it has no offset;
     * a bare date is midnight UTC). Returns null when the text is neither.
     */
    public static Instant parseInstant(String text) {
        String t = text.trim().toUpperCase(java.util.Locale.ROOT); // 't' and 'z' are allowed too (RFC 3339)
        try {
            if (t.matches("-?\\d+(\\.\\d+)?(E[+-]?\\d+)?")) { // 1796104800, 1796104800.25, 1.5e9
                return fromSeconds(new BigDecimal(t));
            }
            if (!t.contains("T")) {
                return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            java.util.regex.Matcher m = ZONED.matcher(t);
            if (m.matches()) {
                // java.time wants +HH:MM; ISO-8601 also writes +HHMM and +HH
                String offset = m.group(2);
                if (offset.length() == 3) {
                    offset += ":00";
                } else if (offset.length() == 5) {
                    offset = offset.substring(0, 3) + ":" + offset.substring(3);
                }
                return OffsetDateTime.parse(m.group(1) + offset).toInstant();
            }
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException | ArithmeticException e) {
            return null;
        }
    }

    /** A date-time with a zone after the 'T': Z, +HH, +HHMM or +HH:MM. */
    private static final java.util.regex.Pattern ZONED =
            java.util.regex.Pattern.compile("(.*T.*?)(Z|[+-]\\d\\d(?::?\\d\\d)?)");

    public static Map<String, Object> argsOf(JobFile job) {
        JsonNode args = job.node().get("args");
        if (args == null || args.isNull() || args.isEmpty()) {
            return Map.of(); // most jobs of a drain: no conversion machinery for nothing
        }
        Map<String, Object> plain = PlainValues.of(args);
        if (plain != null) {
            return plain;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = mapper().convertValue(args, Map.class);
        return map;
    }

    /** A copy of the job with its outcome recorded: attempts, one more history entry, and retry_at. */
    public static ObjectNode withOutcome(ObjectNode job, int attempts, ObjectNode historyEntry, Instant retryAt) {
        ObjectNode copy = job.deepCopy();
        copy.put("attempts", attempts);
        JsonNode history = copy.get("history");
        ArrayNode array = history instanceof ArrayNode a ? a : copy.putArray("history");
        array.add(historyEntry);
        if (retryAt != null) {
            copy.put("retry_at", unixSeconds(retryAt));
        } else {
            copy.remove("retry_at");
        }
        return copy;
    }

    public static ObjectNode historyEntry(Instant time, String outcome, String error, long durationMillis) {
        ObjectNode entry = mapper().createObjectNode();
        entry.put("time", time.toString());
        entry.put("outcome", outcome);
        if (error != null) {
            entry.put("error", error);
        }
        entry.put("duration_ms", durationMillis);
        return entry;
    }

    /** Beyond any instant a millisecond long holds; checked first, so that 1e999999999 is not scaled digit by digit. */
    private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(Long.MAX_VALUE / 1000);

    private static Instant fromSeconds(BigDecimal seconds) {
        if (seconds.abs().compareTo(MAX_SECONDS) > 0) {
            throw new ArithmeticException("out of range");
        }
        return Instant.ofEpochMilli(seconds.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
    }

    private static Instant optionalInstant(ObjectNode node, String field, String source) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        Instant instant = null;
        if (value.isNumber()) {
            try {
                instant = fromSeconds(value.decimalValue());
            } catch (ArithmeticException e) {
                instant = null;
            }
        } else if (value.isTextual()) {
            instant = parseInstant(value.asText());
        }
        if (instant == null) {
            throw invalid(source, field, "unix seconds or an ISO-8601 instant", value);
        }
        return instant;
    }

    private static int optionalInt(ObjectNode node, String field, String source, int fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw invalid(source, field, "an integer", value);
        }
        return value.intValue();
    }

    private static InvalidJobException invalid(String source, String field, String expected, JsonNode got) {
        return new InvalidJobException(source + ": \"" + field + "\" must be " + expected + ", got " + describe(got));
    }

    private static String describe(JsonNode node) {
        String text = node.getNodeType() == JsonNodeType.OBJECT ? "an object"
                : node.getNodeType() == JsonNodeType.ARRAY ? "an array" : node.toString();
        return text.length() > 80 ? text.substring(0, 77) + "..." : text;
    }

    /** Jackson's message without its location and without the names of its own settings. */
    public static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        return oneLine(message == null ? null : message.replaceAll(",? from `[^`]*`", ""));
    }

    static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        String line = message.replaceAll("\\s+", " ").trim();
        return line.length() > 200 ? line.substring(0, 197) + "..." : line;
    }
}
