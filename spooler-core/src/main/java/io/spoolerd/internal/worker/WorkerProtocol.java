package io.spoolerd.internal.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.internal.store.JobCodec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The messages between the daemon and a worker: one JSON object a line, on the worker's stdin
 * (daemon to worker) and stdout (worker to daemon). Task output never reaches stdout: the worker
 * sends {@code System.out} to its stderr, which the daemon logs.
 *
 * <pre>
 * daemon → worker  {"op":"init","commands":{name:cmd},"chdir":dir}    once, first
 *                  {"op":"run","file":path,"name":file-name,"attempt":n}
 *                  {"op":"shutdown"}                                  the daemon is stopping
 * worker → daemon  {"op":"hello","pid":n,"tasks":[names]}             once, after init
 *                  {"op":"child","pid":n}                             a command task's process
 *                  {"op":"progress","done":n,"total":n,"message":s}
 *                  {"op":"result","outcome":"ok|retry|error|fail|ignore","delay_ms":n,"error":s}
 * </pre>
 * End of stdin tells the worker the daemon is gone: it kills its children and exits.
 */
public final class WorkerProtocol {

    public static final String INIT = "init";
    public static final String RUN = "run";
    public static final String SHUTDOWN = "shutdown";
    public static final String HELLO = "hello";
    public static final String CHILD = "child";
    public static final String PROGRESS = "progress";
    public static final String RESULT = "result";

    private WorkerProtocol() {}

    public static ObjectNode message(String op) {
        return JobCodec.MAPPER.createObjectNode().put("op", op);
    }

    public static JsonNode parse(String line) {
        try {
            return JobCodec.MAPPER.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("malformed worker message: " + line, e);
        }
    }

    /** Writes messages one a line; thread-safe, flushed each time. */
    public static final class Writer {
        private final BufferedWriter out;

        public Writer(OutputStream stream) {
            this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
        }

        public synchronized void send(JsonNode message) throws IOException {
            out.write(JobCodec.MAPPER.writeValueAsString(message));
            out.write('\n');
            out.flush();
        }

        public synchronized void close() {
            try {
                out.close();
            } catch (IOException ignored) {
                // the other side is gone already
            }
        }
    }
}
