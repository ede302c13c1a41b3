package io.spoolerd.internal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spoolerd.internal.store.JobCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandTaskTest {

    /** The text of a number or boolean argument in SPOOL_ARG_*: as Jackson writes it, made without a mapper. */
    @Test
    void scalarArgumentsReadAsJacksonWritesThem() {
        Map<String, Object> args = JobCodec.argsOf(JobCodec.parse(("{\"task\":\"t\",\"args\":{\"i\":-7,\"l\":4294967296,"
                + "\"big\":123456789012345678901234567890,\"f\":1.10,\"e\":1e3,\"n\":-2.5E-10,\"z\":0.000,\"t\":true,"
                + "\"s\":\"text\",\"o\":{},\"a\":[],\"null\":null}}").getBytes(StandardCharsets.UTF_8), "t.json"));
        for (String key : new String[] {"i", "l", "big", "f", "e", "n", "z", "t"}) {
            Object value = args.get(key);
            assertEquals(JobCodec.mapper().valueToTree(value).toString(), CommandTask.scalarText(value), key);
        }
        assertEquals("1E+3", CommandTask.scalarText(args.get("e")));
        assertEquals("1.10", CommandTask.scalarText(args.get("f")));
        assertEquals("text", CommandTask.scalarText(args.get("s")));
        assertNull(CommandTask.scalarText(args.get("o")));
        assertNull(CommandTask.scalarText(args.get("a")));
        assertNull(CommandTask.scalarText(args.get("null")));
        assertEquals("1.5", CommandTask.scalarText(1.5d), "a double, which only Java code makes");
    }
}
