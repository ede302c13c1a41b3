package io.spoolerd.cli;

import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.JobNames;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spoolerd purge}: the only command that deletes jobs, and only finished ones (failed,
 * bad, done, cancelled), judged by file modification time: the time the job failed, finished or
 * was cancelled; for a bad file the later of its own and its {@code .reason}'s (when it was
 * found bad). Queued, scheduled and running jobs are never touched.
 */
@Command(name = "purge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Delete finished jobs; the only command that deletes jobs.",
            "",
            "Deletes the failed, bad (with their .reason files), done or cancelled jobs, all of them or "
                + "those older than --older-than, by file modification time: when they failed, finished, were "
                + "cancelled or were found bad. Prints how many it deleted."})
final class PurgeCommand implements Callable<Integer> {

    @Mixin
    SpoolDirOption spoolDir;

    @ArgGroup(exclusive = false, multiplicity = "1", heading = "What to delete (one or more):%n")
    Which which;

    static final class Which {
        @Option(names = "--failed", description = "Jobs in failed/.")
        boolean failed;

        @Option(names = "--bad", description = "Files in bad/ and their .reason files.")
        boolean bad;

        @Option(names = "--done", description = "Jobs in done/ (kept by --keep-done).")
        boolean done;

        @Option(names = "--cancelled", description = "Jobs in cancelled/.")
        boolean cancelled;
    }

    @Option(names = "--older-than", paramLabel = "DURATION", converter = Durations.class,
            description = "Only those older than this: 90 (seconds), 30m, 12h, 7d.")
    Duration olderThan;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SpoolDirectory dir = SpoolDirectory.existing(spoolDir.path(), FileModes.DEFAULT);
        long cutoff = olderThan == null ? Long.MAX_VALUE : System.currentTimeMillis() - olderThan.toMillis();
        List<JobState> states = new ArrayList<>();
        if (which.failed) {
            states.add(JobState.FAILED);
        }
        if (which.bad) {
            states.add(JobState.BAD);
        }
        if (which.done) {
            states.add(JobState.DONE);
        }
        if (which.cancelled) {
            states.add(JobState.CANCELLED);
        }
        PrintWriter out = spec.commandLine().getOut();
        for (JobState state : states) {
            Path from = SpoolScan.dirOf(dir, state);
            long deleted = purge(from, cutoff);
            out.println("purged " + deleted + " " + state.label() + " job(s) from " + dir.root().relativize(from) + "/");
            out.flush();
        }
        return ExitCodes.OK;
    }

    /** Deletes the job files in {@code dir} last modified before {@code cutoff}, with their sidecars. */
    static long purge(Path dir, long cutoff) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(".")) {
                    continue; // a temporary file of a rewrite in progress
                }
                Path sidecar = SpoolDirectory.sidecar(file);
                boolean isSidecar = name.endsWith(".reason");
                if (isSidecar) {
                    Path job = file.resolveSibling(name.substring(0, name.length() - ".reason".length()));
                    if (!Files.exists(job, LinkOption.NOFOLLOW_LINKS) && modified(file) < cutoff) {
                        Files.deleteIfExists(file); // its job is gone already: not counted as a job
                    }
                    continue;
                }
                if (JobNames.kindOf(name) == JobNames.Kind.IGNORED) {
                    continue;
                }
                long mtime = modified(file);
                if (Files.exists(sidecar, LinkOption.NOFOLLOW_LINKS)) {
                    mtime = Math.max(mtime, modified(sidecar));
                }
                if (mtime < cutoff && !isDirectory(file)) {
                    if (Files.deleteIfExists(file)) {
                        deleted++;
                    }
                    Files.deleteIfExists(sidecar);
                }
            }
        }
        return deleted;
    }

    private static long modified(Path file) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).lastModifiedTime().toMillis();
        } catch (NoSuchFileException e) {
            return Long.MAX_VALUE; // gone meanwhile: nothing to delete
        }
    }

    private static boolean isDirectory(Path file) {
        return Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS);
    }
}
