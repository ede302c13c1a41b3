package io.spoolerd.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand parser either gives exactly Jackson's tree or leaves the input to Jackson. */
class SimpleJsonTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"v\":1,\"id\":\"01M94J7KPX6X5JVG4QV3SMXZ7J\",\"task\":\"noop\",\"args\":{}}\n",
        "{\"task\":\"mail\",\"args\":{\"to\":\"a@b.c\",\"n\":3,\"ok\":true,\"x\":null,\"list\":[1,\"two\",[],{}]}}",
        " \t\r\n{ \"task\" : \"t\" , \"priority\" : -5 , \"max_attempts\" : 0 }\n\n",
        "{\"big\":9223372036854775,\"int\":2147483647,\"over\":2147483648,\"min\":-2147483648,\"under\":-2147483649}",
        "{\"zero\":0,\"negzero\":-0,\"empty\":\"\",\"\":\"empty key\",\"del\":\"\u007f\"}",
        "{}",
    })
    void readsCommonJobsAsJacksonDoes(String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.US_ASCII);
        JsonNode simple = SimpleJson.parseObject(bytes);
        assertNotNull(simple, "the fast path should take: " + json);
        assertSameTree(JobCodec.mapper().readTree(bytes), simple);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "  ", "[]", "\"task\"", "1", "null",
        "{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":1E3}", "{\"a\":01}", "{\"a\":-}", "{\"a\":1234567890123456789}",
        "{\"a\":\"x\\ny\"}", "{\"a\":\"\\u0041\"}", "{\"a\":\"tab\there\"}",
        "{\"a\":1,\"a\":2}", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":1}{}", "{\"a\":1} x", "{\"a\":tru}",
        "{\"a\":truex}", "{'a':1}", "{a:1}", "{\"a\":1", "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":NaN}",
        "{\"a\":+1}", "{\"a\":\"unterminated}", "{\"a\":1}\u000b", "{\"a\":/*c*/1}",
        "{\"d\":[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
    })
    void leavesEverythingElseToJackson(String json) {
        assertNull(SimpleJson.parseObject(json.getBytes(StandardCharsets.US_ASCII)), json);
    }

    @Test
    void leavesNamesAndStringsBeyondJacksonsLimitsToJackson() throws Exception {
        byte[] longName = ("{\"task\":\"noop\",\"args\":{\"" + "k".repeat(JobCodec.MAX_NAME_LENGTH + 1) + "\":1}}")
                .getBytes(StandardCharsets.US_ASCII);
        assertNull(SimpleJson.parseObject(longName));
        org.junit.jupiter.api.Assertions.assertThrows(com.fasterxml.jackson.core.JsonProcessingException.class,
                () -> JobCodec.mapper().readTree(longName), "Jackson's verdict");
        byte[] longestName = ("{\"" + "k".repeat(JobCodec.MAX_NAME_LENGTH) + "\":1}").getBytes(StandardCharsets.US_ASCII);
        assertSameTree(JobCodec.mapper().readTree(longestName), SimpleJson.parseObject(longestName));
    }

    /** Random near-JSON: wherever the hand parser answers, Jackson must accept it and build the same tree. */
    @Test
    void agreesWithJacksonOnRandomInput() throws Exception {
        Random random = new Random(6);
        int taken = 0;
        for (int i = 0; i < 20_000; i++) {
            String json = randomObject(random, 0);
            if (random.nextInt(4) == 0) { // a typo somewhere
                int at = random.nextInt(json.length());
                json = json.substring(0, at) + "{}[],:\"\\ 0-.eEtn1x".charAt(random.nextInt(18)) + json.substring(at + 1);
            }
            byte[] bytes = json.getBytes(StandardCharsets.US_ASCII);
            JsonNode simple = SimpleJson.parseObject(bytes);
            if (simple != null) {
                taken++;
                JsonNode jackson;
                try {
                    jackson = JobCodec.mapper().readTree(bytes);
                } catch (Exception e) {
                    throw new AssertionError("Jackson rejects what the fast path took: " + json + ": " + e.getMessage());
                }
                assertSameTree(jackson, simple);
            }
        }
        assertEquals(true, taken > 5_000, "the fast path took only " + taken);
    }

    private static String randomObject(Random r, int depth) {
        StringBuilder b = new StringBuilder("{");
        int n = r.nextInt(depth == 0 ? 6 : 3);
        for (int i = 0; i < n; i++) {
            b.append(i > 0 ? "," : "").append(space(r)).append('"').append(word(r)).append('"').append(space(r))
                    .append(':').append(space(r)).append(randomValue(r, depth)).append(space(r));
        }
        return b.append('}').toString();
    }

    private static String randomValue(Random r, int depth) {
        switch (r.nextInt(depth < 3 ? 9 : 7)) {
            case 0: return '"' + word(r) + '"';
            case 1: return Long.toString(r.nextInt());
            case 2: return Long.toString(r.nextLong() / (1L << r.nextInt(63)));
            case 3: return r.nextBoolean() ? "true" : "false";
            case 4: return "null";
            case 5: return r.nextBoolean() ? "1.25" : "-0";
            case 6: return Long.toString(r.nextInt(1000));
            case 7: return randomObject(r, depth + 1);
            default:
                StringBuilder b = new StringBuilder("[");
                for (int i = 0, n = r.nextInt(3); i < n; i++) {
                    b.append(i > 0 ? "," : "").append(randomValue(r, depth + 1));
                }
                return b.append(']').toString();
        }
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

    /** Equal, down to the node classes (an IntNode is not a LongNode). */
    private static void assertSameTree(JsonNode expected, JsonNode actual) {
        assertEquals(expected, actual);
        assertEquals(expected.toString(), actual.toString());
        assertEquals(expected.getClass(), actual.getClass(), expected.toString());
        var names = expected.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            assertSameTree(expected.get(name), actual.get(name));
        }
        for (int i = 0; expected.isArray() && i < expected.size(); i++) {
            assertSameTree(expected.get(i), actual.get(i));
        }
    }
}
