package io.spoolerd.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * Reads the JSON most job files are made of into the tree Jackson would build, without an
 * {@code ObjectMapper}: a fresh worker JVM otherwise spends its first 100 ms building one and
 * then runs Jackson's parser interpreted for its first thousand jobs (docs/performance.md,
 * optimisation 16). It takes a strict subset of JSON: ASCII strings without escapes, integers
 * that fit a {@code long}, {@code true}, {@code false}, {@code null}, objects and arrays nested a
 * few deep, JSON whitespace. On anything else (a fraction, an escape, a duplicate key, an error of
 * any kind) it answers null and the caller asks Jackson, whose tree and error messages stand; so
 * for what it accepts its tree must equal Jackson's, which {@code SimpleJsonTest} checks.
 */
final class SimpleJson {

    private static final int MAX_DEPTH = 16;
    /** Jackson's limits ({@code StreamReadConstraints}): longer is Jackson's error to report. */
    private static final int MAX_NAME_LENGTH = JobCodec.MAX_NAME_LENGTH;
    private static final int MAX_STRING_LENGTH = JobCodec.MAX_STRING_LENGTH;
    private static final int MAX_INTEGER_DIGITS = 18; // always fits a long
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final byte[] in;
    private int pos;

    private SimpleJson(byte[] in) {
        this.in = in;
    }

    /** The object these bytes hold, or null when they are not (only) a simple JSON object. */
    static ObjectNode parseObject(byte[] bytes) {
        try {
            SimpleJson json = new SimpleJson(bytes);
            json.skipWhitespace();
            if (json.peek() != '{') {
                return null;
            }
            ObjectNode root = json.object(1);
            json.skipWhitespace();
            return json.pos == bytes.length ? root : null;
        } catch (NotSimple e) {
            return null;
        }
    }

    private ObjectNode object(int depth) {
        if (depth > MAX_DEPTH) {
            throw NotSimple.INSTANCE;
        }
        pos++; // '{'
        ObjectNode node = NODES.objectNode();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return node;
        }
        while (true) {
            skipWhitespace();
            String key = string(MAX_NAME_LENGTH);
            skipWhitespace();
            expect(':');
            skipWhitespace();
            JsonNode value = value(depth);
            if (node.putIfAbsent(key, value) != null) {
                throw NotSimple.INSTANCE; // a duplicate: Jackson says so
            }
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else {
                expect('}');
                return node;
            }
        }
    }

    private ArrayNode array(int depth) {
        if (depth > MAX_DEPTH) {
            throw NotSimple.INSTANCE;
        }
        pos++; // '['
        ArrayNode node = NODES.arrayNode();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return node;
        }
        while (true) {
            skipWhitespace();
            node.add(value(depth));
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else {
                expect(']');
                return node;
            }
        }
    }

    private JsonNode value(int depth) {
        int c = peek();
        switch (c) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                return NODES.textNode(string(MAX_STRING_LENGTH));
            case 't':
                literal("true");
                return NODES.booleanNode(true);
            case 'f':
                literal("false");
                return NODES.booleanNode(false);
            case 'n':
                literal("null");
                return NODES.nullNode();
            default:
                return integer();
        }
    }

    /** A string of printable ASCII without escapes, at most maxLength long. */
    private String string(int maxLength) {
        expect('"');
        int start = pos;
        while (pos < in.length) {
            byte b = in[pos];
            if (b == '"') {
                if (pos - start > maxLength) {
                    throw NotSimple.INSTANCE;
                }
                String text = new String(in, start, pos - start, StandardCharsets.ISO_8859_1);
                pos++;
                return text;
            }
            if (b == '\\' || b < 0x20) {
                throw NotSimple.INSTANCE;
            }
            pos++;
        }
        throw NotSimple.INSTANCE;
    }

    /** {@code -?(0|[1-9][0-9]*)} not followed by a fraction or an exponent: an int node if it fits one, as Jackson makes. */
    private JsonNode integer() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        int digitsStart = pos;
        while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
            pos++;
        }
        int digits = pos - digitsStart;
        if (digits == 0 || digits > MAX_INTEGER_DIGITS || (digits > 1 && in[digitsStart] == '0')) {
            throw NotSimple.INSTANCE;
        }
        int next = peek();
        if (next == '.' || next == 'e' || next == 'E') {
            throw NotSimple.INSTANCE;
        }
        long value = 0;
        for (int i = digitsStart; i < pos; i++) {
            value = value * 10 + (in[i] - '0');
        }
        if (digitsStart > start) {
            value = -value;
        }
        return value == (int) value ? NODES.numberNode((int) value) : NODES.numberNode(value);
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (pos >= in.length || in[pos] != word.charAt(i)) {
                throw NotSimple.INSTANCE;
            }
            pos++;
        }
    }

    private void expect(char c) {
        if (peek() != c) {
            throw NotSimple.INSTANCE;
        }
        pos++;
    }

    private int peek() {
        return pos < in.length ? in[pos] : -1;
    }

    private void skipWhitespace() {
        while (pos < in.length && (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\t')) {
            pos++;
        }
    }

    /** Not for this parser: Jackson decides. One instance, no stack trace: it is control flow. */
    private static final class NotSimple extends RuntimeException {
        static final NotSimple INSTANCE = new NotSimple();

        private NotSimple() {
            super(null, null, false, false);
        }
    }
}
