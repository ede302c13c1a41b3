package io.spoolerd.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A job's arguments made by hand are exactly what Jackson's conversion gives. */
class PlainValuesTest {

    @Test
    void givesTheJavaTypesATaskGets() {
        Map<String, Object> args = JobCodec.argsOf(JobCodec.parse(("{\"task\":\"t\",\"args\":{\"s\":\"x\",\"i\":1,\"l\":4294967296,"
                + "\"big\":123456789012345678901234567890,\"f\":1.10,\"e\":1e3,\"b\":true,\"n\":null,\"a\":[1,{\"k\":[]}]}}")
                .getBytes(StandardCharsets.UTF_8), "t.json"));
        assertEquals(List.of("s", "i", "l", "big", "f", "e", "b", "n", "a"), List.copyOf(args.keySet()), "in the file's order");
        assertEquals("x", args.get("s"));
        assertEquals(Integer.valueOf(1), args.get("i"));
        assertEquals(Long.valueOf(4294967296L), args.get("l"));
        assertEquals(new BigInteger("123456789012345678901234567890"), args.get("big"));
        assertEquals(new BigDecimal("1.10"), args.get("f"), "the fraction as written");
        assertEquals(new BigDecimal("1e3"), args.get("e"));
        assertEquals(Boolean.TRUE, args.get("b"));
        assertTrue(args.containsKey("n"));
        assertNull(args.get("n"));
        assertEquals(List.of(1, Map.of("k", List.of())), args.get("a"));
    }

    @Test
    void leavesNodeKindsParsingDoesNotMakeToJackson() {
        ObjectNode args = JsonNodeFactory.instance.objectNode();
        args.put("d", 1.5); // a double node: only Java code makes these
        assertNull(PlainValues.of(args));
        args.removeAll().putPOJO("p", new Object());
        assertNull(PlainValues.of(args));
        args.removeAll().put("b", new byte[] {1});
        assertNull(PlainValues.of(args));
    }

    @Test
    void agreesWithJacksonOnRandomTrees() throws Exception {
        Random random = new Random(19);
        int compared = 0;
        for (int i = 0; i < 20_000; i++) {
            JsonNode tree;
            try {
                tree = JobCodec.mapper().readTree(RandomJson.maybeWithTypo(random, RandomJson.object(random)));
            } catch (Exception e) {
                continue; // the typo made it invalid
            }
            Map<String, Object> plain = PlainValues.of(tree);
            assertNotNull(plain, tree.toString());
            assertSameValues(JobCodec.mapper().convertValue(tree, Map.class), plain, tree.toString());
            compared++;
        }
        assertTrue(compared > 10_000, "compared only " + compared);
    }

    /** Equal, down to the classes of the values (an Integer is no Long, 1.10 is no 1.1). */
    private static void assertSameValues(Object expected, Object actual, String where) {
        assertEquals(expected, actual, where);
        assertEquals(expected == null ? null : expected.getClass(), actual == null ? null : actual.getClass(), where);
        if (expected instanceof Map<?, ?> map) {
            assertEquals(List.copyOf(map.keySet()), List.copyOf(((Map<?, ?>) actual).keySet()), where);
            for (Object key : map.keySet()) {
                assertSameValues(map.get(key), ((Map<?, ?>) actual).get(key), where);
            }
        } else if (expected instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                assertSameValues(list.get(i), ((List<?>) actual).get(i), where);
            }
        }
    }
}
