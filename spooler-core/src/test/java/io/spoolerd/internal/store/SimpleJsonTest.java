package io.spoolerd.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
        "{\"f\":1.5,\"e\":1e3,\"E\":1E3,\"z\":1.10,\"h\":100.0,\"n\":-0.0,\"x\":-2.5e+10,\"s\":1e-7,\"at\":1767225600.125}",
        "{\"body\":\"Dear Zo\u00eb,\\n\\t\\\"quoted\\\" \\\\ a\\/b \\b\\f\\r\",\"u\":\"\\u0041\\u00e9\\u00E9\\uD83D\\uDE00\\u0000\"}",
        "{\"name\":\"Zo\u00eb \u4e2d\u6587 \ud83d\ude00\",\"\u00e9\":\"key\",\"lone\":\"\\uDE00\"}",
    })
    void readsCommonJobsAsJacksonDoes(String json) {
        JsonNode simple = SimpleJson.parseObject(json.getBytes(StandardCharsets.UTF_8));
        assertNotNull(simple, "the fast path should take: " + json);
        assertSameTree(jacksonTree(json.getBytes(StandardCharsets.UTF_8)), simple);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "  ", "[]", "\"task\"", "1", "null",
        "{\"a\":01}", "{\"a\":-}", "{\"a\":1234567890123456789}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":1e+}",
        "{\"a\":1.e3}", "{\"a\":-.5}", "{\"a\":1e2147483648}", "{\"a\":\"tab\there\"}", "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u00g1\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u\uff10\uff10\uff10\uff10\"}", "{\"a\":\"\\\u00e9\"}",
        "{\"a\":\"x\\\"}", "\ufeff{\"a\":1}", "{\"\u00e9\":1}x", "{\"a\":\u00e9}",
        "{\"a\":1,\"a\":2}", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":1}{}", "{\"a\":1} x", "{\"a\":tru}",
        "{\"a\":truex}", "{'a':1}", "{a:1}", "{\"a\":1", "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":NaN}",
        "{\"a\":+1}", "{\"a\":\"unterminated}", "{\"a\":1}\u000b", "{\"a\":/*c*/1}",
        "{\"d\":[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
    })
    void leavesEverythingElseToJackson(String json) {
        assertNull(SimpleJson.parseObject(json.getBytes(StandardCharsets.UTF_8)), json);
    }

    @Test
    void leavesWhatIsNotUtf8ToTheDecoderThatSaysWhere() {
        for (byte[] bad : new byte[][] {
            {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'}, // a sequence cut short
            {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'}, // a surrogate in UTF-8
            {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'}, // overlong
            {'{', '"', 'a', '"', ':', '"', (byte) 0xFF, '"', '}'},
        }) {
            assertNull(SimpleJson.parseObject(bad), Arrays.toString(bad));
        }
    }

    @Test
    void leavesNamesAndStringsBeyondJacksonsLimitsToJackson() throws Exception {
        byte[] longName = ("{\"task\":\"noop\",\"args\":{\"" + "k".repeat(JobCodec.MAX_NAME_LENGTH + 1) + "\":1}}")
                .getBytes(StandardCharsets.US_ASCII);
        assertNull(SimpleJson.parseObject(longName));
        assertThrows(JsonProcessingException.class, () -> JobCodec.mapper().readTree(longName), "Jackson's verdict");
        byte[] longestName = ("{\"" + "k".repeat(JobCodec.MAX_NAME_LENGTH) + "\":1}").getBytes(StandardCharsets.US_ASCII);
        assertSameTree(JobCodec.mapper().readTree(longestName), SimpleJson.parseObject(longestName));
        byte[] escapedName = ("{\"" + "\\n".repeat(JobCodec.MAX_NAME_LENGTH) + "\":1}").getBytes(StandardCharsets.US_ASCII);
        assertSameTree(JobCodec.mapper().readTree(escapedName), SimpleJson.parseObject(escapedName));
    }

    /** Random near-JSON: wherever the hand parser answers, Jackson must accept it and build the same tree. */
    @Test
    void agreesWithJacksonOnRandomInput() {
        Random random = new Random(6);
        int taken = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] bytes = RandomJson.maybeWithTypo(random, RandomJson.object(random)).getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(20) == 0 && bytes.length > 0) { // a byte that may break the UTF-8
                bytes[random.nextInt(bytes.length)] = (byte) new int[] {0x80, 0xC3, 0xE2, 0xED, 0xF4, 0xFF, 0x00}[random.nextInt(7)];
            }
            JsonNode simple = SimpleJson.parseObject(bytes);
            if (simple != null) {
                taken++;
                assertSameTree(jacksonTree(bytes), simple);
            }
        }
        assertEquals(true, taken > 10_000, "the fast path took only " + taken);
    }

    /** The tree Jackson makes of these bytes as JobCodec gives them to it: decoded as strict UTF-8 first. */
    private static JsonNode jacksonTree(byte[] bytes) {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("the fast path took bytes that are not UTF-8: " + Arrays.toString(bytes));
        }
        try {
            return JobCodec.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("Jackson rejects what the fast path took: " + json + ": " + e.getMessage());
        }
    }

    /** Equal, down to the node classes (an IntNode is not a LongNode) and the decimals' scale. */
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
