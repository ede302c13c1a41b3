package io.spoolerd.cli;

import io.spoolerd.internal.store.DurableWrite;
import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spoolerd cancel ID...}: moves queued or scheduled jobs from the drop zone to
 * {@code cancelled/} (one atomic rename each; nothing is deleted or overwritten). A daemon that
 * had the job in its index finds it gone when it tries to claim it. A running job is not touched.
 */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = {"Cancel queued or scheduled jobs (moved to cancelled/).",
            "",
            "Moves each job from the drop zone to cancelled/ ('purge --cancelled' deletes them). A "
                + "running job cannot be cancelled. Exits 1 when any ID could not be cancelled; the others "
                + "are cancelled all the same."})
final class CancelCommand implements Callable<Integer> {

    @Mixin
    SpoolDirOption spoolDir;

    @Parameters(index = "0..*", arity = "1..*", paramLabel = "ID", description = "Ids of the jobs to cancel.")
    List<String> ids;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SpoolDirectory dir = SpoolDirectory.existing(spoolDir.path(), FileModes.DEFAULT);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int failures = 0;
        for (String id : ids) {
            try {
                Path target = cancel(dir, id);
                out.println("cancelled " + id + " (" + dir.root().relativize(target) + ")");
            } catch (IllegalStateException | IOException e) {
                err.println("spoolerd: " + ExitCodes.message(e));
                failures++;
            }
            out.flush();
        }
        err.flush();
        return failures == 0 ? ExitCodes.OK : ExitCodes.RUNTIME_ERROR;
    }

    static Path cancel(SpoolDirectory dir, String id) throws IOException {
        long now = System.currentTimeMillis();
        Optional<JobEntry> queued = SpoolScan.find(dir, id, EnumSet.of(JobState.QUEUED, JobState.SCHEDULED), now);
        if (queued.isPresent()) {
            JobEntry e = queued.get();
            try {
                Path target = dir.moveInto(e.file(), dir.cancelled(), e.name());
                // purge --cancelled --older-than counts from the cancellation, not from the arrival
                Files.setLastModifiedTime(target, FileTime.fromMillis(System.currentTimeMillis()));
                DurableWrite.fsyncDirectory(dir.root());
                DurableWrite.fsyncDirectory(dir.cancelled());
                return target;
            } catch (NoSuchFileException gone) {
                if (Files.exists(e.file(), LinkOption.NOFOLLOW_LINKS)) {
                    throw gone;
                }
                // a daemon claimed it (or someone moved it) a moment ago: say where it is now
            }
        }
        Optional<JobEntry> elsewhere = SpoolScan.find(dir, id, SpoolScan.all(), now);
        if (elsewhere.isEmpty()) {
            throw new IllegalStateException("no job with id " + id + " in " + dir.root());
        }
        JobEntry e = elsewhere.get();
        if (e.state() == JobState.RUNNING) {
            throw new IllegalStateException("job " + id + " is running and cannot be cancelled; "
                    + "'spoolerd stop' returns running jobs to the queue");
        }
        if (e.state() == JobState.QUEUED || e.state() == JobState.SCHEDULED) {
            throw new IllegalStateException("job " + id + " could not be cancelled (it moved meanwhile); try again");
        }
        throw new IllegalStateException("job " + id + " is " + e.state().label() + " ("
                + dir.root().relativize(e.file()) + "), not queued or scheduled");
    }
}
