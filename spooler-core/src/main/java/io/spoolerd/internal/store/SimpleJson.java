package io.spoolerd.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the JSON most job files are made of into the tree Jackson would build, without an
 * {@code ObjectMapper}: a fresh worker JVM otherwise spends its first 100 ms building one and
 * then runs Jackson's parser interpreted for its first thousand jobs (docs/performance.md,
 * optimisation 16). It takes JSON objects nested a few deep, with strings in UTF-8 (escapes
 * included), numbers of up to 18 digits or with a fraction or an exponent, {@code true},
 * {@code false}, {@code null} and JSON whitespace (optimisation 19). On anything else (an
 * integer of 19 digits or more, a number of more than 100 characters, a byte-order mark, deeper
 * nesting, a duplicate key, an error of any kind) it answers null and the caller
 * asks Jackson, whose tree and error messages stand; so for what it accepts its tree must equal
 * Jackson's, which {@code SimpleJsonTest} checks on random input.
 */
final class SimpleJson {

    private static final int MAX_DEPTH = 16;
    /** Jackson's limits ({@code StreamReadConstraints}): longer is Jackson's error to report. */
    private static final int MAX_NAME_LENGTH = JobCodec.MAX_NAME_LENGTH;
    private static final int MAX_STRING_LENGTH = JobCodec.MAX_STRING_LENGTH;
    private static final int MAX_INTEGER_DIGITS = 18; // always fits a long
    /** Any length up to Jackson's maxNumberLength (1000) would be right; real jobs' numbers are short, so a long one may go the slow way. */
    private static final int MAX_DECIMAL_LENGTH = 100;
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
        } catch (LeftToJackson e) {
            return null;
        }
    }

    private ObjectNode object(int depth) {
        if (depth > MAX_DEPTH) {
            throw LeftToJackson.INSTANCE;
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
                throw LeftToJackson.INSTANCE; // a duplicate: Jackson says so
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
            throw LeftToJackson.INSTANCE;
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
                return number();
        }
    }

    /** A string: its escapes resolved, its other bytes strict UTF-8; at most maxLength chars. */
    private String string(int maxLength) {
        expect('"');
        int start = pos;
        while (pos < in.length) { // printable ASCII without escapes (most strings): the bytes are the chars
            byte b = in[pos];
            if (b == '"') {
                return closeString(new String(in, start, pos - start, StandardCharsets.ISO_8859_1), maxLength);
            }
            if (b == '\\' || b < 0x20) { // an escape, a control character or a byte of UTF-8
                return escapedOrUtf8(start, maxLength);
            }
            pos++;
        }
        throw LeftToJackson.INSTANCE;
    }

    /** The rest of a string that {@link #string} found not to be plain ASCII: scanned here, decoded by {@link #decode}. */
    private String escapedOrUtf8(int start, int maxLength) {
        while (pos < in.length) {
            byte b = in[pos];
            if (b == '"') {
                return closeString(decode(start, pos), maxLength);
            }
            if (b >= 0 && b < 0x20) {
                throw LeftToJackson.INSTANCE; // a raw control character: Jackson's error
            }
            pos += b == '\\' ? 2 : 1; // the escaped character cannot end the string
        }
        throw LeftToJackson.INSTANCE;
    }

    private String closeString(String text, int maxLength) {
        if (text.length() > maxLength) {
            throw LeftToJackson.INSTANCE;
        }
        pos++; // the closing quote
        return text;
    }

    /** The chars of a string's bytes: UTF-8 (JSON's escapes are ASCII, so they decode as themselves), then the escapes. */
    private String decode(int start, int end) {
        String raw;
        try {
            // a new decoder reports malformed input (what JobCodec.decodeUtf8 rejects), where new String would replace it
            raw = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(in, start, end - start)).toString();
        } catch (CharacterCodingException e) {
            throw LeftToJackson.INSTANCE;
        }
        StringBuilder text = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\') {
                text.append(c);
                continue;
            }
            char escaped = raw.charAt(++i); // there is one: the scan skipped it
            switch (escaped) {
                case '"', '\\', '/' -> text.append(escaped);
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> {
                    if (i + 4 >= raw.length()) {
                        throw LeftToJackson.INSTANCE;
                    }
                    int code = 0;
                    for (int k = 1; k <= 4; k++) {
                        code = code << 4 | hexDigit(raw.charAt(i + k));
                    }
                    text.append((char) code); // a lone surrogate too, as Jackson does
                    i += 4;
                }
                default -> throw LeftToJackson.INSTANCE;
            }
        }
        return text.toString();
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        throw LeftToJackson.INSTANCE;
    }

    /**
     * {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}: an integer as an int node if it fits one
     * (a long node otherwise, longer ones left to Jackson), anything with a fraction or an exponent as
     * the decimal node of its exact value as written (the mapper's {@code USE_BIG_DECIMAL_FOR_FLOATS},
     * trailing zeros kept).
     */
    private JsonNode number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        int digitsStart = pos;
        skipDigits();
        int digits = pos - digitsStart;
        if (digits == 0 || (digits > 1 && in[digitsStart] == '0')) {
            throw LeftToJackson.INSTANCE;
        }
        boolean integer = true;
        if (peek() == '.') {
            pos++;
            requireDigits();
            integer = false;
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            requireDigits();
            integer = false;
        }
        if (!integer) {
            if (pos - start > MAX_DECIMAL_LENGTH) {
                throw LeftToJackson.INSTANCE;
            }
            try {
                return DecimalNode.valueOf(new BigDecimal(new String(in, start, pos - start, StandardCharsets.ISO_8859_1)));
            } catch (NumberFormatException e) { // an exponent beyond an int
                throw LeftToJackson.INSTANCE;
            }
        }
        if (digits > MAX_INTEGER_DIGITS) {
            throw LeftToJackson.INSTANCE;
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

    private void skipDigits() {
        while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
            pos++;
        }
    }

    private void requireDigits() {
        int from = pos;
        skipDigits();
        if (pos == from) {
            throw LeftToJackson.INSTANCE;
        }
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (pos >= in.length || in[pos] != word.charAt(i)) {
                throw LeftToJackson.INSTANCE;
            }
            pos++;
        }
    }

    private void expect(char c) {
        if (peek() != c) {
            throw LeftToJackson.INSTANCE;
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
}
