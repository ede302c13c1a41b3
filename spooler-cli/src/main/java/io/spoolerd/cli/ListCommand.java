package io.spoolerd.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spoolerd list}: one job a line, streamed as the directories are read (never all names in
 * memory), in directory order. Each job file is read for its task, attempts and last error; with
 * {@code --names-only} the names alone answer, so it is quick on millions of jobs (a file is then
 * opened only when its name is not canonical and it is in the drop zone, to tell queued from scheduled).
 */
@Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List jobs, one a line.",
            "",
            "Each line: id, task, state, attempts, next run, last error. Jobs come in directory order "
                + "(running, queued and scheduled, failed, bad, done, cancelled), not sorted, so the first "
                + "lines come at once however many jobs there are. Task, attempts and the last error are read "
                + "from each job file; --names-only skips that (shown as '-', null in JSON) for very large queues."})
final class ListCommand implements Callable<Integer> {

    @Mixin
    SpoolDirOption spoolDir;

    @Option(names = "--state", paramLabel = "STATE", converter = JobState.Converter.class,
            description = "Only jobs in this state: queued, scheduled, running, failed, bad, done or cancelled.")
    JobState state;

    @Option(names = "--task", paramLabel = "TASK", description = "Only jobs of this task (reads every job file).")
    String task;

    @Option(names = "--limit", paramLabel = "N", description = "Print at most N jobs.")
    Long limit;

    @Option(names = "--names-only", description = "Do not read job files: ids, states and due times from the names alone "
            + "(fast on millions of jobs; task, attempts and last error show as '-').")
    boolean namesOnly;

    @Option(names = "--json", description = "Print JSON Lines: one object a job (see docs/operations.md).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (limit != null && limit < 1) {
            throw new ExitCodes.UsageException("--limit must be 1 or more, got " + limit);
        }
        SpoolDirectory dir = SpoolDirectory.existing(spoolDir.path(), FileModes.DEFAULT);
        Set<JobState> states = state == null ? EnumSet.allOf(JobState.class) : EnumSet.of(state);
        boolean read = !namesOnly || task != null;
        long nowMillis = System.currentTimeMillis();
        PrintWriter terminal = spec.commandLine().getOut();
        PrintWriter out = new PrintWriter(new BufferedWriter(terminal, 1 << 16), false);
        JsonGenerator gen = null;
        if (json) {
            gen = JobCodec.mapper().getFactory().createGenerator(out);
            gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            gen.setPrettyPrinter(new MinimalPrettyPrinter("\n"));
        } else {
            out.println(row(new StringBuilder(), "ID", "TASK", "STATE", "ATTEMPTS", "NEXT RUN", "LAST ERROR"));
        }
        JsonGenerator lines = gen;
        StringBuilder line = new StringBuilder(256);
        long[] printed = {0};
        SpoolScan.visit(dir, states, nowMillis, entry -> {
            JobEntry e = read ? entry.withContent() : entry;
            if (task != null && (e.job() == null || !task.equals(e.job().task()))) {
                return true;
            }
            String lastError = null;
            if (read) {
                lastError = e.state() == JobState.BAD ? JobEntry.reason(e.file()) : e.lastError();
                if (lastError == null && e.error() != null) {
                    lastError = e.error();
                }
            }
            if (lines != null) {
                writeJson(lines, dir, e, lastError);
            } else {
                line.setLength(0);
                out.println(row(line, e.id(), e.job() == null ? Text.NONE : e.job().task(), e.state().label(),
                        e.job() == null ? Text.NONE : Integer.toString(e.job().attempts()),
                        nextRun(e), lastError == null ? Text.NONE : Text.oneLine(lastError)));
            }
            printed[0]++;
            if (printed[0] % 1024 == 0) {
                if (lines != null) {
                    lines.flush();
                }
                out.flush();
                // the reader went away (list | head): stop walking
                if (terminal.checkError() || (System.out.checkError())) {
                    return false;
                }
            }
            return limit == null || printed[0] < limit;
        });
        if (lines != null) {
            lines.writeRaw('\n');
            lines.close();
        }
        out.flush();
        terminal.flush();
        return ExitCodes.OK;
    }

    /** One line of the human listing: fixed columns, wider values push the rest right. */
    private static CharSequence row(StringBuilder b, String id, String task, String state, String attempts, String next,
                                    String error) {
        pad(b.append(id), 26 + 2 - id.length());
        pad(b.append(task), 12 + 2 - task.length());
        pad(b.append(state), 9 + 2 - state.length());
        pad(b, 8 - attempts.length()).append(attempts).append("  ");
        pad(b.append(next), 20 + 2 - next.length());
        b.append(error);
        return b;
    }

    private static StringBuilder pad(StringBuilder b, int spaces) {
        for (int i = 0; i < spaces; i++) {
            b.append(' ');
        }
        if (spaces <= 0 && b.length() > 0 && b.charAt(b.length() - 1) != ' ') {
            b.append(' ');
        }
        return b;
    }

    private static String nextRun(JobEntry e) {
        return switch (e.state()) {
            case QUEUED -> "now";
            case SCHEDULED -> Text.instant(e.due());
            default -> Text.NONE;
        };
    }

    /** One JSON line: fixed keys, null where a value is not known (not read, or not applicable). */
    static void writeJson(JsonGenerator g, SpoolDirectory dir, JobEntry e, String lastError) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", e.id());
        g.writeStringField("task", e.job() == null ? null : e.job().task());
        g.writeStringField("state", e.state().label());
        g.writeFieldName("attempts");
        if (e.job() == null) {
            g.writeNull();
        } else {
            g.writeNumber(e.job().attempts());
        }
        boolean waiting = e.state() == JobState.QUEUED || e.state() == JobState.SCHEDULED;
        g.writeStringField("next_run", waiting && e.due() != null ? e.due().toString() : null);
        g.writeStringField("last_error", lastError);
        Integer priority = e.priority();
        g.writeFieldName("priority");
        if (priority == null) {
            g.writeNull();
        } else {
            g.writeNumber(priority);
        }
        g.writeStringField("file", dir.root().relativize(e.file()).toString());
        g.writeEndObject();
    }
}
