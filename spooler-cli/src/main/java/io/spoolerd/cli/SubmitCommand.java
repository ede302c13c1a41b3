package io.spoolerd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import io.spoolerd.internal.store.JobCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spoolerd submit}: the producer API from the shell. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Spool a job durably and print its id.",
            "Arguments are KEY=VALUE (a string) or KEY:=JSON (a typed value, e.g. n:=5 or flag:=true)."})
final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SpoolDirOption spoolDir;

    @Parameters(index = "0", paramLabel = "TASK", description = "The task to run.")
    String task;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE|KEY:=JSON", description = "Job arguments.")
    List<String> assignments = new ArrayList<>();

    @Option(names = "--json", paramLabel = "ARGS", description = "All arguments as one JSON object (KEY=VALUE pairs are added to it).")
    String json;

    @Option(names = "--at", paramLabel = "TIME",
            description = "Do not start before TIME: unix seconds, ISO-8601 (UTC without offset), or +30s, +5m, +2h, +1d.")
    String at;

    @Option(names = "--priority", paramLabel = "P", description = "Lower runs first (default 0).")
    int priority;

    @Option(names = "--id", paramLabel = "ID", description = "An idempotency key: refused while a job with this id is queued, scheduled or running.")
    String id;

    @Option(names = "--max-attempts", paramLabel = "N", description = "Overrides the daemon's --max-attempts for this job (0 = unlimited).")
    Integer maxAttempts;

    @Option(names = "--max-queued", paramLabel = "N", description = "Refuse (exit 75) while N or more jobs are queued.")
    Long maxQueued;

    @Option(names = "--no-fsync", description = "Skip the fsyncs: faster, but a power loss may lose the job.")
    boolean noFsync;

    @Override
    public Integer call() {
        JobSpec.Builder job = JobSpec.builder(task).args(arguments()).priority(priority);
        if (at != null) {
            job.at(parseAt(at, Clock.systemUTC()));
        }
        if (id != null) {
            job.id(id);
        }
        if (maxAttempts != null) {
            job.maxAttempts(maxAttempts);
        }
        Spooler.Builder spooler = Spooler.builder(spoolDir.path()).durable(!noFsync);
        if (maxQueued != null) {
            if (maxQueued < 1) {
                throw new ExitCodes.UsageException("--max-queued must be at least 1, got " + maxQueued);
            }
            spooler.maxQueued(maxQueued);
        }
        String jobId = spooler.open().spool(job.build());
        java.io.PrintWriter out = spec.commandLine().getOut();
        out.println(jobId);
        out.flush();
        return ExitCodes.OK;
    }

    private Map<String, Object> arguments() {
        Map<String, Object> args = new LinkedHashMap<>();
        if (json != null) {
            JsonNode node = readJson(json, "--json");
            if (!node.isObject()) {
                throw new ExitCodes.UsageException("--json must be a JSON object, got " + json);
            }
            args.putAll(JobCodec.mapper().convertValue(node, Map.class));
        }
        for (String a : assignments) {
            int typed = a.indexOf(":=");
            int plain = a.indexOf('=');
            if (plain <= 0) {
                throw new ExitCodes.UsageException("expected KEY=VALUE or KEY:=JSON, got '" + a + "'");
            }
            if (typed > 0 && typed < plain) {
                args.put(a.substring(0, typed), JobCodec.mapper().convertValue(readJson(a.substring(typed + 2), a), Object.class));
            } else {
                args.put(a.substring(0, plain), a.substring(plain + 1));
            }
        }
        return args;
    }

    private static JsonNode readJson(String text, String what) {
        try {
            JsonNode node = JobCodec.mapper().readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new ExitCodes.UsageException(what + ": not valid JSON: no value");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ExitCodes.UsageException(what + ": not valid JSON: " + JobCodec.describe(e));
        }
    }

    /** {@code +30s}-style offsets from now, or what the job format accepts for {@code at}. */
    static Instant parseAt(String text, Clock clock) {
        if (text.startsWith("+")) {
            Duration offset = Durations.parse(text.substring(1));
            if (offset != null) {
                return clock.instant().plus(offset);
            }
        } else {
            Instant instant = JobCodec.parseInstant(text);
            if (instant != null) {
                return instant;
            }
        }
        throw new ExitCodes.UsageException("--at must be unix seconds, an ISO-8601 instant or +30s/+5m/+2h, got \"" + text + "\"");
    }
}
