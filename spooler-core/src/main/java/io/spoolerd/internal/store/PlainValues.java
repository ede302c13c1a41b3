package io.spoolerd.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's arguments as the plain Java values a task gets (Map, List, String, Integer, Long,
 * BigInteger, BigDecimal, Boolean, null): what {@code JobCodec.mapper().convertValue(args, Map.class)}
 * gives, made by hand, because that call makes a fresh worker build an {@code ObjectMapper}
 * (about 200 ms for its first job with arguments; docs/performance.md, optimisation 19). It takes
 * the node kinds parsing makes; a tree with any other kind is left to Jackson ({@link #of} answers
 * null). {@code PlainValuesTest} checks that both give the same on random trees.
 */
final class PlainValues {

    private PlainValues() {}

    /** The object's fields as a map in their order, or null when the tree holds a node kind parsing does not make. */
    static Map<String, Object> of(JsonNode object) {
        try {
            return map(object);
        } catch (LeftToJackson e) {
            return null;
        }
    }

    private static Map<String, Object> map(JsonNode object) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            map.put(field.getKey(), value(field.getValue()));
        }
        return map;
    }

    private static Object value(JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT:
                return map(node);
            case ARRAY:
                List<Object> list = new ArrayList<>(node.size());
                for (JsonNode element : node) {
                    list.add(value(element));
                }
                return list;
            case STRING:
                return node.textValue();
            case BOOLEAN:
                return node.booleanValue();
            case NULL:
                return null;
            case NUMBER:
                // integers as their node holds them (Integer, Long, BigInteger); fractions are BigDecimal
                // (USE_BIG_DECIMAL_FOR_FLOATS), and parsing makes no double or float nodes
                if (node.isIntegralNumber() || node.isBigDecimal()) {
                    return node.numberValue();
                }
                throw LeftToJackson.INSTANCE;
            default:
                throw LeftToJackson.INSTANCE;
        }
    }
}
