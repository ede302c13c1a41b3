package io.spoolerd.internal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The hand-written encoding of worker messages: valid JSON out, the same values back in. */
class WireMessageTest {

    private static final ObjectMapper JACKSON = new ObjectMapper();

    private static final String AWKWARD = "a \"quoted\" \\ back\nslash\ttab\r\u0001\u001f\u2028\u2029 é 日本 \uD83D\uDE00 </script>";

    @Test
    void everyKindOfValueSurvivesTheRoundTrip() {
        WireMessage sent = WireMessage.of("result").put("name", AWKWARD).put("delay_ms", -5).put("big", Long.MAX_VALUE)
                .put("deleted", true).put("names", List.of("a.json", AWKWARD)).put("commands", Map.of("k", AWKWARD))
                .put("error", (String) null);
        String line = sent.toJson();
        assertFalse(line.contains("\n") || line.contains("\r") || line.contains("\u2028"), line);

        WireMessage back = WireMessage.parse(line);
        assertEquals("result", back.op());
        assertEquals(AWKWARD, back.text("name"));
        assertEquals(-5L, back.number("delay_ms"));
        assertEquals(Long.MAX_VALUE, back.number("big", 0));
        assertTrue(back.bool("deleted", false));
        assertEquals(List.of("a.json", AWKWARD), back.texts("names"));
        assertEquals(Map.of("k", AWKWARD), back.textMap("commands"));
        assertNull(back.text("error"));
        assertNull(back.number("missing"));
        assertEquals(7, back.number("missing", 7));
    }

    @Test
    void whatItWritesIsJsonThatJacksonReadsTheSame() throws Exception {
        String line = WireMessage.of("init").put("chdir", AWKWARD).put("max_job_bytes", 1 << 20).put("keep_done", false)
                .put("commands", Map.of("mail", "sendmail -t")).toJson();
        JsonNode read = JACKSON.readTree(line);
        assertEquals(AWKWARD, read.get("chdir").asText());
        assertEquals(1 << 20, read.get("max_job_bytes").asInt());
        assertEquals("sendmail -t", read.get("commands").get("mail").asText());
    }

    @Test
    void itReadsWhatJacksonWrites() throws Exception {
        String line = JACKSON.writeValueAsString(Map.of("op", "run", "now", 123, "names", List.of(AWKWARD), "x", Map.of("y", List.of())));
        WireMessage m = WireMessage.parse(" " + line + " ");
        assertEquals("run", m.op());
        assertEquals(123, m.number("now", 0));
        assertEquals(List.of(AWKWARD), m.texts("names"));
        assertEquals("\u00e9/\b\f", WireMessage.parse("{\"op\":\"\\u00E9\\/\\b\\f\"}").op());
    }

    @Test
    void aValueOfAnotherTypeReadsAsMissing() {
        WireMessage m = WireMessage.parse("{\"op\":1,\"name\":true,\"n\":\"5\",\"names\":[\"a\",1,null],\"b\":\"true\"}");
        assertEquals("", m.op());
        assertNull(m.text("name"));
        assertNull(m.number("n"));
        assertEquals(List.of("a"), m.texts("names"));
        assertFalse(m.bool("b", false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[]", "\"op\"", "{", "{\"op\"}", "{\"op\":}", "{\"op\":\"a\"} x", "{\"op\":\"a\",}",
        "{\"op\":\"a\\q\"}", "{\"op\":\"\\u12\"}", "{\"op\":\"a", "{\"n\":1.5}", "{\"n\":99999999999999999999}", "{\"t\":tru}",
        "{\"op\":\"a\tb\"}", "{op:1}"})
    void anythingElseIsMalformed(String line) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WireMessage.parse(line));
        assertTrue(e.getMessage().startsWith("malformed message"), e.getMessage());
    }
}
