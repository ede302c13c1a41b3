package io.spoolerd.internal.worker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message of the {@link WorkerProtocol}: a flat JSON object whose values are strings,
 * integers, booleans, null, a list of strings or a map of strings. Written and read by hand
 * rather than with Jackson: a drain sends two messages a job, and an idle worker that never
 * loads Jackson's classes is megabytes smaller (docs/performance.md).
 */
public final class WireMessage {

    private final Map<String, Object> fields = new LinkedHashMap<>();

    private WireMessage() {}

    public static WireMessage of(String op) {
        WireMessage m = new WireMessage();
        m.fields.put("op", op);
        return m;
    }

    public String op() {
        return text("op", "");
    }

    public WireMessage put(String key, String value) {
        fields.put(key, value);
        return this;
    }

    public WireMessage put(String key, long value) {
        fields.put(key, value);
        return this;
    }

    public WireMessage put(String key, boolean value) {
        fields.put(key, value);
        return this;
    }

    public WireMessage put(String key, List<String> values) {
        fields.put(key, List.copyOf(values));
        return this;
    }

    public WireMessage put(String key, Map<String, String> values) {
        fields.put(key, new LinkedHashMap<>(values));
        return this;
    }

    /** The string at key, or null when it is missing, null or not a string. */
    public String text(String key) {
        return fields.get(key) instanceof String s ? s : null;
    }

    public String text(String key, String otherwise) {
        String s = text(key);
        return s == null ? otherwise : s;
    }

    /** The integer at key, or null when it is missing, null or not an integer. */
    public Long number(String key) {
        return fields.get(key) instanceof Long n ? n : null;
    }

    public long number(String key, long otherwise) {
        Long n = number(key);
        return n == null ? otherwise : n;
    }

    public boolean bool(String key, boolean otherwise) {
        return fields.get(key) instanceof Boolean b ? b : otherwise;
    }

    /** The strings of the list at key (other elements left out); empty when there is none. */
    public List<String> texts(String key) {
        if (!(fields.get(key) instanceof List<?> list)) {
            return List.of();
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (o instanceof String s) {
                out.add(s);
            }
        }
        return out;
    }

    /** The string values of the object at key (others left out); empty when there is none. */
    public Map<String, String> textMap(String key) {
        if (!(fields.get(key) instanceof Map<?, ?> map)) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            if (v instanceof String s) {
                out.put((String) k, s);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    public String toJson() {
        StringBuilder b = new StringBuilder(128);
        writeValue(b, fields);
        return b.toString();
    }

    @Override
    public String toString() {
        return toJson();
    }

    private static void writeValue(StringBuilder b, Object value) {
        if (value == null) {
            b.append("null");
        } else if (value instanceof String s) {
            writeString(b, s);
        } else if (value instanceof Long || value instanceof Boolean) {
            b.append(value);
        } else if (value instanceof List<?> list) {
            b.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                writeValue(b, list.get(i));
            }
            b.append(']');
        } else {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                writeString(b, (String) e.getKey());
                b.append(':');
                writeValue(b, e.getValue());
            }
            b.append('}');
        }
    }

    private static void writeString(StringBuilder b, String s) {
        // Over a char[], not charAt: a fresh worker interprets this for its first thousand jobs, where each charAt is
        // three calls, and this class's messages took a quarter of those jobs' time (docs/performance.md, optimisation 12).
        char[] chars = s.toCharArray();
        b.append('"');
        int plain = 0;
        while (plain < chars.length && !needsEscape(chars[plain])) {
            plain++;
        }
        if (plain == chars.length) {
            b.append(s).append('"'); // one array copy
            return;
        }
        b.append(s, 0, plain);
        for (int i = plain; i < chars.length; i++) {
            char c = chars[i];
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    // Control characters, and the line separators some readers split on, as escapes: one message, one line.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || c == '"' || c == '\\' || c == '\u2028' || c == '\u2029';
    }

    /** Reads one message; throws {@link IllegalArgumentException} on anything but one JSON object. */
    public static WireMessage parse(String line) {
        Parser p = new Parser(line);
        p.skipSpace();
        if (!p.at('{')) {
            throw p.error("not an object");
        }
        Object value = p.value();
        p.skipSpace();
        if (p.pos != line.length()) {
            throw p.error("text after the object");
        }
        WireMessage m = new WireMessage();
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        m.fields.putAll(map);
        return m;
    }

    private static final class Parser {
        private final String s;
        /** The text as an array, indexed instead of charAt: see writeString. */
        private final char[] text;
        int pos;

        Parser(String s) {
            this.s = s;
            this.text = s.toCharArray();
        }

        boolean at(char c) {
            return pos < text.length && text[pos] == c;
        }

        void skipSpace() {
            while (pos < text.length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n')) {
                pos++;
            }
        }

        void expect(char c) {
            skipSpace();
            if (!at(c)) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        Object value() {
            skipSpace();
            if (pos >= text.length) {
                throw error("unexpected end");
            }
            char c = text[pos];
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> number();
            };
        }

        private Map<String, Object> object() {
            pos++;
            Map<String, Object> map = new LinkedHashMap<>();
            skipSpace();
            if (at('}')) {
                pos++;
                return map;
            }
            while (true) {
                skipSpace();
                if (!at('"')) {
                    throw error("expected a key");
                }
                String key = string();
                expect(':');
                map.put(key, value());
                skipSpace();
                if (at(',')) {
                    pos++;
                } else if (at('}')) {
                    pos++;
                    return map;
                } else {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> array() {
            pos++;
            List<Object> list = new ArrayList<>();
            skipSpace();
            if (at(']')) {
                pos++;
                return list;
            }
            while (true) {
                list.add(value());
                skipSpace();
                if (at(',')) {
                    pos++;
                } else if (at(']')) {
                    pos++;
                    return list;
                } else {
                    throw error("expected ',' or ']'");
                }
            }
        }

        private String string() {
            pos++;
            StringBuilder b = null;
            int start = pos;
            while (pos < text.length) {
                char c = text[pos];
                if (c == '"') {
                    String out = b == null ? s.substring(start, pos) : b.append(s, start, pos).toString();
                    pos++;
                    return out;
                }
                if (c == '\\') {
                    if (b == null) {
                        b = new StringBuilder();
                    }
                    b.append(s, start, pos);
                    b.append(escape());
                    start = pos;
                } else if (c < 0x20) {
                    throw error("control character in a string");
                } else {
                    pos++;
                }
            }
            throw error("unterminated string");
        }

        private char escape() {
            if (pos + 1 >= text.length) {
                throw error("unterminated escape");
            }
            char e = text[pos + 1];
            pos += 2;
            return switch (e) {
                case '"' -> '"';
                case '\\' -> '\\';
                case '/' -> '/';
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    if (pos + 4 > text.length) {
                        throw error("short \\u escape");
                    }
                    try {
                        char c = (char) Integer.parseInt(s, pos, pos + 4, 16);
                        pos += 4;
                        yield c;
                    } catch (NumberFormatException x) {
                        throw error("bad \\u escape");
                    }
                }
                default -> throw error("bad escape");
            };
        }

        private Object literal(String word, Object value) {
            if (!s.startsWith(word, pos)) {
                throw error("unexpected character");
            }
            pos += word.length();
            return value;
        }

        /** Integers only: the protocol has no fractions. */
        private Long number() {
            int start = pos;
            if (at('-')) {
                pos++;
            }
            while (pos < text.length && text[pos] >= '0' && text[pos] <= '9') {
                pos++;
            }
            try {
                return Long.parseLong(s, start, pos, 10);
            } catch (NumberFormatException e) {
                throw error("not an integer");
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("malformed message (" + what + " at " + pos + "): " + s);
        }
    }
}
