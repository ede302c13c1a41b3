package io.spoolerd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spoolerd show ID}: one job, wherever it is: its state, file, history and whole JSON. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Show one job: its state, history and JSON.",
            "",
            "Shows the job's state, file, attempts, history and whole JSON, wherever it is (for a bad "
                + "file: the reason and the content as it is). ID is the job id or its file name. Exits 1 "
                + "when no job has this id."})
final class ShowCommand implements Callable<Integer> {

    /** How much of a file that is not a job is shown. */
    static final int RAW_LIMIT = 64 * 1024;

    @Mixin
    SpoolDirOption spoolDir;

    @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
    String id;

    @Option(names = "--json", description = "Print one JSON object: id, state, file, reason, job.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SpoolDirectory dir = SpoolDirectory.existing(spoolDir.path(), FileModes.DEFAULT);
        JobEntry found = SpoolScan.find(dir, id, SpoolScan.all(), System.currentTimeMillis())
                .orElseThrow(() -> new IllegalStateException("no job with id " + id + " in " + dir.root()))
                .withContent();
        String reason = found.state() == JobState.BAD ? JobEntry.reason(found.file()) : null;
        String file = dir.root().relativize(found.file()).toString();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = JobCodec.mapper().createObjectNode();
            o.put("id", found.id());
            o.put("state", found.state().label());
            o.put("file", file);
            o.put("reason", reason != null ? reason : found.error());
            if (found.job() != null) {
                o.set("job", found.job().node());
            } else {
                o.putNull("job");
                o.put("content", raw(found));
            }
            out.println(JobCodec.mapper().writeValueAsString(o));
            out.flush();
            return ExitCodes.OK;
        }
        out.println("id        " + found.id());
        out.println("state     " + found.state().label());
        out.println("file      " + file);
        if (reason != null || found.error() != null) {
            out.println("reason    " + Text.oneLine(reason != null ? reason : found.error()));
        }
        if (found.job() != null) {
            out.println("task      " + found.job().task());
            out.println("attempts  " + found.job().attempts()
                    + (found.job().maxAttempts() == null ? "" : " of at most " + found.job().maxAttempts()));
            if (found.job().at() != null) {
                out.println("at        " + found.job().at());
            }
            if (found.job().retryAt() != null) {
                out.println("retry at  " + found.job().retryAt());
            }
            if (found.job().priority() != 0) {
                out.println("priority  " + found.job().priority());
            }
            JsonNode history = found.job().node().get("history");
            if (history != null && !history.isEmpty()) {
                out.println("history");
                Text.Table t = new Text.Table("TIME", "OUTCOME", "DURATION", "ERROR");
                for (JsonNode h : history) {
                    t.row(h.path("time").asText(Text.NONE), h.path("outcome").asText(Text.NONE),
                            h.hasNonNull("duration_ms") ? Text.duration(h.get("duration_ms").asLong()) : null,
                            h.hasNonNull("error") ? Text.oneLine(h.get("error").asText()) : null);
                }
                t.print(out, "  ");
            }
            out.println("job");
            out.println(JobCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(found.job().node()));
        } else {
            out.println("content");
            out.println(raw(found));
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The start of a file that is not a job, as text; never follows a link or opens anything but a regular file. */
    private static String raw(JobEntry e) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(e.file(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile()) {
                return "(not a regular file)";
            }
            byte[] bytes;
            try (InputStream in = Channels.newInputStream(
                    Files.newByteChannel(e.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                bytes = in.readNBytes(RAW_LIMIT);
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            return attrs.size() > RAW_LIMIT ? text + "\n... (" + attrs.size() + " bytes, the first " + RAW_LIMIT + " shown)" : text;
        } catch (IOException ex) {
            return "(cannot read: " + ExitCodes.message(ex) + ")";
        }
    }
}
