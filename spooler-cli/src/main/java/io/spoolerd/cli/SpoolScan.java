package io.spoolerd.cli;

import io.spoolerd.internal.store.JobNames;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Walks the job files of a spool directory one name at a time ({@link DirectoryStream}, never a
 * list of all names), so it works the same on ten jobs and on millions. A file is opened only when
 * its name cannot answer: a hand-made name in the drop zone (queued or scheduled?) and, when the
 * caller asks for content, any file.
 */
final class SpoolScan {

    /** Receives one job; returns false to stop the walk. */
    interface Visitor {
        boolean accept(JobEntry entry) throws IOException;
    }

    /** The order jobs are walked and searched in: the live states first, then the finished ones. */
    static final List<JobState> ORDER = List.of(JobState.RUNNING, JobState.QUEUED, JobState.SCHEDULED,
            JobState.FAILED, JobState.BAD, JobState.DONE, JobState.CANCELLED);

    private SpoolScan() {}

    /** One directory to walk; {@code state} is null for the drop zone, where each file is classified. */
    record Place(Path dir, JobState state) {}

    /** The directories holding jobs in {@code states}, in {@link #ORDER}. */
    static List<Place> places(SpoolDirectory dir, Set<JobState> states) throws IOException {
        List<Place> out = new ArrayList<>();
        if (states.contains(JobState.RUNNING)) {
            for (Path owner : SpoolDirectory.listDirectories(dir.claims())) {
                out.add(new Place(owner, JobState.RUNNING));
            }
        }
        if (states.contains(JobState.QUEUED) || states.contains(JobState.SCHEDULED)) {
            out.add(new Place(dir.root(), null));
        }
        for (JobState s : ORDER) {
            if (states.contains(s) && s != JobState.RUNNING && s != JobState.QUEUED && s != JobState.SCHEDULED) {
                out.add(new Place(dirOf(dir, s), s));
            }
        }
        return out;
    }

    static Path dirOf(SpoolDirectory dir, JobState state) {
        return switch (state) {
            case QUEUED, SCHEDULED -> dir.root();
            case RUNNING -> dir.claims();
            case FAILED -> dir.failed();
            case BAD -> dir.bad();
            case DONE -> dir.done();
            case CANCELLED -> dir.cancelled();
        };
    }

    /** Visits every job in {@code states}, directory by directory; returns false when the visitor stopped. */
    static boolean visit(SpoolDirectory dir, Set<JobState> states, long nowMillis, Visitor visitor) throws IOException {
        for (Place place : places(dir, states)) {
            if (!visit(place, states, nowMillis, visitor)) {
                return false;
            }
        }
        return true;
    }

    static boolean visit(Place place, Set<JobState> states, long nowMillis, Visitor visitor) throws IOException {
        if (!Files.isDirectory(place.dir(), LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        try (DirectoryStream<Path> names = Files.newDirectoryStream(place.dir())) {
            for (Path file : names) {
                JobEntry e = place.state() == null ? JobEntry.inRoot(file, nowMillis) : JobEntry.in(file, place.state());
                if (e != null && states.contains(e.state()) && !visitor.accept(e)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The job with this id in one of {@code states}: first by name alone (a canonical name's id, a
     * hand-made name's stem, or the file name itself), then by reading the files whose name may not
     * say the id (hand-made names, names with a {@code .N} suffix) and comparing their {@code id} field. Directories are searched in {@link #ORDER}.
     */
    static Optional<JobEntry> find(SpoolDirectory dir, String id, Set<JobState> states, long nowMillis) throws IOException {
        List<Place> places = places(dir, states);
        JobEntry[] found = new JobEntry[1];
        for (Place place : places) {
            visit(place, states, nowMillis, e -> {
                if (id.equals(e.nameId()) || id.equals(e.name())
                        || (e.canonical() != null && id.equals(e.canonical().arrivalId()))) {
                    found[0] = e;
                    return false;
                }
                return true;
            });
            if (found[0] != null) {
                return Optional.of(found[0]);
            }
        }
        for (Place place : places) {
            visit(place, states, nowMillis, e -> {
                if (e.nameMayMislead() && e.name().endsWith(JobNames.JOB_SUFFIX)) {
                    JobEntry read = e.withContent();
                    if (read.job() != null && id.equals(read.job().id())) {
                        found[0] = read;
                        return false;
                    }
                }
                return true;
            });
            if (found[0] != null) {
                return Optional.of(found[0]);
            }
        }
        return Optional.empty();
    }

    static Set<JobState> all() {
        return EnumSet.allOf(JobState.class);
    }
}
