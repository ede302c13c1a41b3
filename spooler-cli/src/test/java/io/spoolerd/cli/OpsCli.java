package io.spoolerd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.internal.daemon.DaemonIdentity;
import io.spoolerd.internal.store.JobCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import picocli.CommandLine;

/** Test support for the operator commands: runs the CLI in-process and lays out spool directories by hand. */
final class OpsCli {

    private OpsCli() {}

    record Result(int code, String out, String err) {
        JsonNode json() {
            try {
                return JobCodec.mapper().readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + out, e);
            }
        }

        List<JsonNode> jsonLines() {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    try {
                        lines.add(JobCodec.mapper().readTree(line));
                    } catch (IOException e) {
                        throw new UncheckedIOException("not a JSON line: " + line, e);
                    }
                }
            }
            return lines;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(String... args) {
        CommandLine cmd = SpoolerdCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** {@code spoolerd COMMAND --spool-dir DIR ARGS...} */
    static Result run(Path spoolDir, String command, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = command;
        all[1] = "--spool-dir";
        all[2] = spoolDir.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return run(all);
    }

    static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    static void age(Path file, Duration age) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(age)));
    }

    /** A failed job as the daemon leaves it: attempts, history with errors, and a stale retry_at. */
    static String failedJob(String id, String task, int attempts, String lastError) {
        ObjectNode job = JobCodec.mapper().createObjectNode();
        job.put("v", 1).put("id", id).put("task", task);
        job.putObject("args").put("n", 1);
        job.put("attempts", attempts);
        job.put("retry_at", 1_700_000_000);
        ArrayNode history = job.putArray("history");
        for (int i = 1; i <= attempts; i++) {
            history.addObject().put("time", "2026-01-01T00:00:0" + i + "Z").put("outcome", "error")
                    .put("error", i == attempts ? lastError : "error " + i).put("duration_ms", 10 * i);
        }
        return job.toString();
    }

    /**
     * A daemon record in {@code .spoolerd/daemons/} that status sees as alive: the identity of this
     * very test JVM (same boot id, PID namespace, pid and start time). {@code alive == false} gives
     * the same record with a process start time that does not match, i.e. a dead daemon.
     */
    static Path daemonRecord(Path spoolDir, boolean alive, boolean stopping, int unknownTask, ArrayNode workers)
            throws IOException {
        long now = System.currentTimeMillis();
        DaemonIdentity me = DaemonIdentity.current(Instant.ofEpochMilli(now));
        String id = alive ? me.id() : me.id() + "-dead";
        ObjectNode r = JobCodec.mapper().createObjectNode();
        r.put("version", 1).put("heartbeat", now - 400).put("lease_ms", 30_000).put("started", now - 3_723_000)
                .put("spool_dir", spoolDir.toString()).put("processes", workers.size()).put("stopping", stopping);
        r.putArray("tasks").add("echo").add("sleep");
        r.set("workers", workers);
        r.putObject("index").put("ready", 0).put("waiting", 0).put("unknown_task", unknownTask)
                .put("pending_bad", 0).put("not_a_file", 0);
        r.putObject("identity").put("id", id).put("host", me.host()).put("boot_id", me.bootId())
                .put("pid_namespace", me.pidNamespace()).put("pid", me.pid())
                .put("process_start", alive ? me.processStart() : me.processStart() - 3_600_000);
        return write(spoolDir.resolve(".spoolerd/daemons/" + id + ".json"), r.toString());
    }

    static ArrayNode workers() {
        return JobCodec.mapper().createArrayNode();
    }

    static ObjectNode busyWorker(ArrayNode workers, long pid, String jobId, String task, long runningMillis) {
        return workers.addObject().put("pid", pid).put("state", "busy").put("jobs_run", 3).put("job_id", jobId)
                .put("task", task).put("attempt", 2).put("started", System.currentTimeMillis() - runningMillis)
                .put("file", jobId + ".json");
    }

    static ObjectNode idleWorker(ArrayNode workers, long pid) {
        return workers.addObject().put("pid", pid).put("state", "idle").put("jobs_run", 0);
    }

    /** The regular, non-hidden files in {@code dir} whose name passes {@code filter}; 0 when there is no such directory. */
    static long countFiles(Path dir, Predicate<String> filter) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.startsWith(".") && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && filter.test(name)) {
                    n++;
                }
            }
        }
        return n;
    }
}
