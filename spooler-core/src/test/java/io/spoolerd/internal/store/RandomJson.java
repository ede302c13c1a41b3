package io.spoolerd.internal.store;

import java.util.Random;

/** Random job-like JSON objects for the differential tests of the hand-made fast paths against Jackson. */
final class RandomJson {

    private static final String[] NUMBERS = {
        "1.25", "-0", "-0.0", "1.10", "100.0", "0.000", "1e3", "1E-7", "-2.5e+10", "3.14159265358979323846264338327950288",
        "123456789012345678901234567890", "-9223372036854775808", "9223372036854775807", "1e400", "0e0",
    };
    private static final String[] STRINGS = {
        "line\\nbreak", "say \\\"hi\\\"", "back\\\\slash", "a\\/b", "caf\\u00e9", "\\uD83D\\uDE00", "tab\\t\\r\\b\\f",
        "\\u0000", "\\uDE00 alone", "\\u00E9\\u00e9", "café", "中文", "😀", "ÿ",
    };

    private RandomJson() {}

    static String object(Random r) {
        return object(r, 0);
    }

    /** The JSON with one character somewhere replaced by one of JSON's own (a typo), now and then. */
    static String maybeWithTypo(Random r, String json) {
        if (r.nextInt(4) != 0 || json.isEmpty()) {
            return json;
        }
        int at = r.nextInt(json.length());
        String typos = "{}[],:\"\\ 0-.eEtn1xu+é";
        return json.substring(0, at) + typos.charAt(r.nextInt(typos.length())) + json.substring(at + 1);
    }

    private static String object(Random r, int depth) {
        StringBuilder b = new StringBuilder("{");
        int n = r.nextInt(depth == 0 ? 6 : 3);
        for (int i = 0; i < n; i++) {
            b.append(i > 0 ? "," : "").append(space(r)).append('"').append(string(r)).append('"').append(space(r))
                    .append(':').append(space(r)).append(value(r, depth)).append(space(r));
        }
        return b.append('}').toString();
    }

    private static String value(Random r, int depth) {
        switch (r.nextInt(depth < 3 ? 10 : 8)) {
            case 0: return '"' + string(r) + '"';
            case 1: return Long.toString(r.nextInt());
            case 2: return Long.toString(r.nextLong() / (1L << r.nextInt(63)));
            case 3: return r.nextBoolean() ? "true" : "false";
            case 4: return "null";
            case 5: return NUMBERS[r.nextInt(NUMBERS.length)];
            case 6: return Long.toString(r.nextInt(1000));
            case 7: return (r.nextBoolean() ? "-" : "") + r.nextInt(1000) + "." + r.nextInt(1000) + (r.nextBoolean() ? "" : "e" + (r.nextInt(40) - 20));
            case 8: return object(r, depth + 1);
            default:
                StringBuilder b = new StringBuilder("[");
                for (int i = 0, n = r.nextInt(3); i < n; i++) {
                    b.append(i > 0 ? "," : "").append(value(r, depth + 1));
                }
                return b.append(']').toString();
        }
    }

    /** JSON string content: mostly printable ASCII, sometimes escapes or other scripts. */
    private static String string(Random r) {
        if (r.nextInt(4) == 0) {
            return STRINGS[r.nextInt(STRINGS.length)] + word(r);
        }
        return word(r);
    }

    private static String word(Random r) {
        StringBuilder b = new StringBuilder();
        for (int i = 0, n = r.nextInt(6); i < n; i++) {
            b.append((char) (0x20 + r.nextInt(0x60)));
        }
        return b.toString().replace("\"", "").replace("\\", "");
    }

    private static String space(Random r) {
        return r.nextInt(5) == 0 ? " \n" : "";
    }
}
