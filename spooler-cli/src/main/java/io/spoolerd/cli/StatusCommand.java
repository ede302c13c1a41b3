package io.spoolerd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.internal.daemon.DaemonIdentity;
import io.spoolerd.internal.daemon.DaemonRegistry;
import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spoolerd status}: the live daemons and what their workers run, from their records in
 * {@code .spoolerd/daemons/}, and the jobs in each state, counted from the directory itself.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the live daemons, what their workers run, and the job counts.",
            "",
            "Lists each live daemon on the spool directory, each worker and the job it runs (with "
                + "progress), and the disjoint counts of jobs queued, scheduled, running, failed, bad, and "
                + "queued for a task no live daemon knows (unknown_task). Prints the counts but exits 3 when "
                + "no daemon is alive. docs/operations.md explains every field."})
final class StatusCommand implements Callable<Integer> {

    /** The keys of {@code counts}, in the order they are printed. */
    static final List<String> COUNT_KEYS = List.of("queued", "scheduled", "running", "failed", "bad", "unknown_task");

    @Mixin
    SpoolDirOption spoolDir;

    @Option(names = "--json", description = "Print one JSON object (stable field names, see docs/operations.md).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SpoolDirectory dir;
        try {
            dir = SpoolDirectory.existing(spoolDir.path(), FileModes.DEFAULT);
        } catch (java.nio.file.NoSuchFileException e) {
            // no directory, so certainly no daemon on it: the same answer as 'stop' gives
            throw new ExitCodes.NoDaemonException(ExitCodes.message(e) + ", so no daemon is alive on it");
        }
        Instant now = Instant.now();
        long nowMillis = now.toEpochMilli();
        DaemonIdentity me = DaemonIdentity.current(now);
        List<DaemonRegistry.Record> live = new ArrayList<>();
        for (DaemonRegistry.Record r : new DaemonRegistry(dir).records()) {
            if (r.alive(me, nowMillis)) {
                live.add(r);
            }
        }
        live.sort(java.util.Comparator.comparingLong(r -> r.json().path("started").asLong()));
        ObjectNode status = JobCodec.mapper().createObjectNode();
        status.put("spool_dir", dir.root().toString());
        ArrayNode daemons = status.putArray("daemons");
        for (DaemonRegistry.Record r : live) {
            daemons.add(daemon(r, nowMillis));
        }
        ObjectNode counts = status.putObject("counts");
        counts(dir, live, nowMillis).forEach(counts::put);
        status.put("alive", !live.isEmpty());

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JobCodec.mapper().writeValueAsString(status));
        } else {
            printHuman(out, status);
        }
        out.flush();
        if (live.isEmpty()) {
            spec.commandLine().getErr().println("spoolerd: no daemon is alive on " + dir.root());
            return ExitCodes.NO_DAEMON;
        }
        return ExitCodes.OK;
    }

    /** The disjoint counts, from the directory; unknown_task from the live daemons' records. */
    static Map<String, Long> counts(SpoolDirectory dir, List<DaemonRegistry.Record> live, long nowMillis) throws java.io.IOException {
        Map<JobState, Long> byState = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            byState.put(s, 0L);
        }
        SpoolScan.visit(dir, EnumSet.of(JobState.QUEUED, JobState.SCHEDULED, JobState.RUNNING, JobState.FAILED, JobState.BAD),
                nowMillis, e -> {
                    byState.merge(e.state(), 1L, Long::sum);
                    return true;
                });
        long unknown = 0;
        for (DaemonRegistry.Record r : live) {
            unknown = Math.max(unknown, r.json().path("index").path("unknown_task").asLong(0));
        }
        // Jobs for an unknown task sit in the drop zone, due: they are among the queued ones.
        unknown = Math.min(unknown, byState.get(JobState.QUEUED));
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        counts.put("queued", byState.get(JobState.QUEUED) - unknown);
        counts.put("scheduled", byState.get(JobState.SCHEDULED));
        counts.put("running", byState.get(JobState.RUNNING));
        counts.put("failed", byState.get(JobState.FAILED));
        counts.put("bad", byState.get(JobState.BAD));
        counts.put("unknown_task", unknown);
        return counts;
    }

    /** One daemon as {@code status --json} prints it: fixed keys, null where a value is absent. */
    static ObjectNode daemon(DaemonRegistry.Record r, long nowMillis) {
        JsonNode j = r.json();
        DaemonIdentity id = r.identity();
        long started = j.path("started").asLong();
        ObjectNode d = JobCodec.mapper().createObjectNode();
        d.put("id", id.id());
        d.put("host", id.host());
        d.put("pid", id.pid());
        d.put("started", Instant.ofEpochMilli(started).toString());
        d.put("uptime_ms", Math.max(0, nowMillis - started));
        d.put("heartbeat", Instant.ofEpochMilli(r.heartbeatMillis()).toString());
        d.put("heartbeat_age_ms", Math.max(0, nowMillis - r.heartbeatMillis()));
        d.put("lease_ms", r.leaseMillis());
        d.put("stopping", j.path("stopping").asBoolean(false));
        d.put("processes", j.path("processes").asInt(0));
        ArrayNode tasks = d.putArray("tasks");
        j.path("tasks").forEach(t -> tasks.add(t.asText()));
        ArrayNode workers = d.putArray("workers");
        for (JsonNode w : j.path("workers")) {
            ObjectNode o = workers.addObject();
            o.put("pid", w.path("pid").asLong());
            o.put("state", w.path("state").asText());
            o.put("jobs_run", w.path("jobs_run").asLong());
            boolean busy = w.hasNonNull("job_id");
            o.put("job_id", busy ? w.get("job_id").asText() : null);
            o.put("task", w.hasNonNull("task") ? w.get("task").asText() : null);
            if (w.hasNonNull("attempt")) {
                o.put("attempt", w.get("attempt").asInt());
            } else {
                o.putNull("attempt");
            }
            if (w.hasNonNull("started")) {
                long s = w.get("started").asLong();
                o.put("started", Instant.ofEpochMilli(s).toString());
                o.put("running_ms", Math.max(0, nowMillis - s));
            } else {
                o.putNull("started");
                o.putNull("running_ms");
            }
            o.put("file", w.hasNonNull("file") ? w.get("file").asText() : null);
            JsonNode p = w.get("progress");
            if (p != null && p.isObject()) {
                o.putObject("progress").put("done", p.path("done").asLong()).put("total", p.path("total").asLong())
                        .put("message", p.hasNonNull("message") ? p.get("message").asText() : null);
            } else {
                o.putNull("progress");
            }
        }
        return d;
    }

    private static void printHuman(PrintWriter out, ObjectNode status) {
        JsonNode daemons = status.get("daemons");
        out.println("spool directory  " + status.get("spool_dir").asText());
        if (daemons.isEmpty()) {
            out.println("daemons          none alive (start one with 'spoolerd start')");
        } else {
            out.println("daemons          " + daemons.size() + " alive");
            out.println();
            Text.Table t = new Text.Table("DAEMON", "HOST", "PID", "UPTIME", "HEARTBEAT", "LEASE", "WORKERS", "STATE");
            for (JsonNode d : daemons) {
                t.row(d.get("id").asText(), d.get("host").asText(), d.get("pid").asLong(),
                        Text.duration(d.get("uptime_ms").asLong()),
                        Text.duration(d.get("heartbeat_age_ms").asLong()) + " ago",
                        Text.duration(d.get("lease_ms").asLong()),
                        busy(d) + "/" + d.get("workers").size() + " busy",
                        d.get("stopping").asBoolean() ? "stopping" : "running");
            }
            t.print(out, "  ");
            out.println();
            Text.Table w = new Text.Table("WORKER", "DAEMON PID", "STATE", "JOB", "TASK", "ATTEMPT", "RUNNING", "PROGRESS");
            boolean any = false;
            for (JsonNode d : daemons) {
                for (JsonNode x : d.get("workers")) {
                    any = true;
                    JsonNode p = x.get("progress");
                    w.row(x.get("pid").asLong(), d.get("pid").asLong(), x.get("state").asText(),
                            text(x.get("job_id")), text(x.get("task")), text(x.get("attempt")),
                            x.get("running_ms").isNull() ? null : Text.duration(x.get("running_ms").asLong()),
                            p.isNull() ? null : Text.progress(p.get("done").asLong(), p.get("total").asLong(),
                                            p.get("message").isNull() ? null : p.get("message").asText()));
                }
            }
            if (any) {
                w.print(out, "  ");
            } else {
                out.println("  no worker processes (yet)");
            }
        }
        out.println();
        out.println("jobs");
        status.get("counts").fields().forEachRemaining(e ->
                out.println("  " + e.getKey() + " ".repeat(Math.max(1, 14 - e.getKey().length())) + e.getValue().asLong()));
    }

    private static long busy(JsonNode daemon) {
        long n = 0;
        for (JsonNode w : daemon.get("workers")) {
            if (!w.get("job_id").isNull()) {
                n++;
            }
        }
        return n;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
