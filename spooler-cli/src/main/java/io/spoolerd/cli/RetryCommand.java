package io.spoolerd.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.internal.store.DurableWrite;
import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobNames;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spoolerd retry}: failed jobs back to the queue with {@code attempts} reset to 0 and
 * {@code retry_at} removed; their history stays. Each job is first rewritten in place in
 * {@code failed/} (temp file, fsync, rename), then renamed into the drop zone, so a crash leaves
 * it either still failed or queued, never both and never half-written.
 */
@Command(name = "retry", mixinStandardHelpOptions = true,
        description = {"Move failed jobs back to the queue.",
            "",
            "Each job gets attempts 0 and no retry_at; its history is kept. A running daemon picks them "
                + "up at once. Give job ids, or --all-failed."})
final class RetryCommand implements Callable<Integer> {

    @Mixin
    SpoolDirOption spoolDir;

    @Parameters(index = "0..*", paramLabel = "ID", description = "Ids of failed jobs.")
    List<String> ids = new ArrayList<>();

    @Option(names = "--all-failed", description = "Retry every job in failed/.")
    boolean allFailed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (allFailed == !ids.isEmpty()) {
            throw new ExitCodes.UsageException(allFailed ? "give job ids or --all-failed, not both"
                    : "give the ids of failed jobs, or --all-failed");
        }
        SpoolDirectory dir = SpoolDirectory.existing(spoolDir.path(), FileModes.DEFAULT);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long now = System.currentTimeMillis();
        int[] retried = {0};
        int[] failures = {0};
        if (allFailed) {
            SpoolScan.visit(dir, EnumSet.of(JobState.FAILED), now, e -> {
                retryOne(dir, e, out, err, retried, failures);
                return true;
            });
        } else {
            for (String id : ids) {
                Optional<JobEntry> failed = SpoolScan.find(dir, id, EnumSet.of(JobState.FAILED), now);
                if (failed.isPresent()) {
                    retryOne(dir, failed.get(), out, err, retried, failures);
                    continue;
                }
                Optional<JobEntry> elsewhere = SpoolScan.find(dir, id, SpoolScan.all(), now);
                err.println("spoolerd: " + (elsewhere.isEmpty() ? "no job with id " + id + " in " + dir.root()
                        : "job " + id + " is " + elsewhere.get().state().label() + " ("
                                + dir.root().relativize(elsewhere.get().file()) + "), not failed"));
                failures[0]++;
            }
        }
        if (retried[0] > 0) {
            DurableWrite.fsyncDirectory(dir.root());
            DurableWrite.fsyncDirectory(dir.failed());
        }
        out.println(retried[0] + " job(s) moved back to the queue");
        out.flush();
        err.flush();
        return failures[0] == 0 ? ExitCodes.OK : ExitCodes.RUNTIME_ERROR;
    }

    private static void retryOne(SpoolDirectory dir, JobEntry entry, PrintWriter out, PrintWriter err, int[] retried,
                                 int[] failures) {
        if (!Files.exists(entry.file(), LinkOption.NOFOLLOW_LINKS)) {
            return; // already moved on (seen twice while failed/ was being changed)
        }
        try {
            String name = retry(dir, entry);
            out.println("retried " + entry.withContent().id() + " (" + name + ")");
            retried[0]++;
        } catch (IOException | RuntimeException e) {
            err.println("spoolerd: " + entry.name() + ": " + ExitCodes.message(e));
            failures[0]++;
        }
        out.flush();
    }

    /** Moves one failed job back to the drop zone; returns its name there. */
    static String retry(SpoolDirectory dir, JobEntry entry) throws IOException {
        JobEntry read = entry.withContent();
        JobFile job = read.job();
        if (job == null) {
            throw new IllegalStateException("not a job, cannot retry it: " + read.error());
        }
        String id = read.id();
        // Under the producers' id lock: a producer spooling the same id now waits, then sees this job.
        try (java.io.Closeable ids = dir.lockIds()) {
            if (JobNames.isValidId(id) && dir.findLive(id).isPresent()) {
                throw new IllegalStateException("a job with id " + id + " is already queued, scheduled or running");
            }
            String target = queueName(entry.name(), job);
            if (Files.exists(dir.root().resolve(target), LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target, null, "already in the drop zone");
            }
            ObjectNode node = job.node().deepCopy();
            node.put("attempts", 0);
            node.remove("retry_at");
            // Rewritten under its own name in failed/ first: durable, and still failed until the move below.
            DurableWrite.write(entry.file().getParent(), entry.name(), JobCodec.encode(node), true, dir.modes());
            if (!SpoolDirectory.moveNoReplace(entry.file(), dir.root().resolve(target))) {
                throw new FileAlreadyExistsException(target, null, "already in the drop zone");
            }
            return target;
        }
    }

    /**
     * The name a retried job gets in the drop zone: its canonical name again (without the last
     * retry's due time, so it runs at once unless its {@code at} is still ahead), and without the
     * {@code .N} that a taken name got in failed/ when the name without it is the job's own.
     */
    static String queueName(String failedName, JobFile job) {
        String name = failedName;
        Matcher m = JobEntry.SUFFIXED.matcher(name);
        if (m.matches()) {
            String stripped = m.group(1) + m.group(2);
            JobNames.Canonical s = JobNames.parse(stripped);
            boolean own = s != null && (job.id() != null ? job.id().equals(s.id()) : JobNames.parse(name) == null);
            if (own) {
                name = stripped;
            }
        }
        JobNames.Canonical c = JobNames.parse(name);
        if (c == null || (job.id() != null && !job.id().equals(c.id()))) {
            return name;
        }
        return JobNames.format(c.arrivalId(), c.priority(), job.at() == null ? null : job.at().toEpochMilli(), c.userId());
    }
}
