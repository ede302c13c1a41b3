package io.spoolerd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.internal.store.DurableWrite;
import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobIds;
import io.spoolerd.internal.store.JobNames;
import io.spoolerd.internal.store.SpareFile;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The producer side: puts jobs into a spool directory for a daemon to run.
 *
 * <pre>{@code
 * Spooler spooler = Spooler.open(Path.of("spool-dir"));
 * String id = spooler.spool("thumbnail", Map.of("path", "/img/1.png"));
 * }</pre>
 *
 * A job is accepted (the call returns) only once it is durable: written under a temporary name,
 * fsynced, renamed into the drop zone and the directory fsynced. Thread-safe; many threads and
 * many processes may spool into one directory at once.
 */
public final class Spooler {

    /** No bound on queued jobs unless one is set. */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    private final SpoolDirectory directory;
    private final Clock clock;
    private final long maxQueued;
    private final boolean durable;
    /**
     * Without fsync, the temp file of the next job, made after the previous one went in (see {@link
     * SpareFile}); null off the default file system. Durable writes do not use it: theirs stay in the
     * drop zone, written, fsynced, renamed and the directory fsynced, as always.
     */
    private final SpareFile spare;

    private Spooler(SpoolDirectory directory, Builder b) {
        this.directory = directory;
        this.spare = SpareFile.of(directory);
        this.clock = b.clock;
        this.maxQueued = b.maxQueued;
        this.durable = b.durable;
    }

    /** Opens (creating if missing) the spool directory with the defaults: durable, unbounded. */
    public static Spooler open(Path spoolDir) {
        return builder(spoolDir).open();
    }

    public static Builder builder(Path spoolDir) {
        return new Builder(spoolDir);
    }

    public Path directory() {
        return directory.root();
    }

    /** Spools a job to run as soon as a worker is free; returns its id. */
    public String spool(String task, Map<String, ?> args) {
        return spool(JobSpec.of(task, args));
    }

    /** Spools a job with the scheduling fields of {@code job}; returns its id. */
    public String spool(JobSpec job) {
        checkRoom(1);
        return withIdsChecked(List.of(job), () -> {
            String arrival = JobIds.next(clock);
            String id = job.id() != null ? job.id() : arrival;
            ObjectNode node = JobCodec.newJob(job, id);
            Long due = job.at() == null ? null : job.at().toEpochMilli();
            String name = JobNames.format(arrival, job.priority(), due, job.id());
            write(name, JobCodec.encode(node));
            return id;
        });
    }

    /**
     * Spools many jobs made durable together: one batch file ({@code .jsonl}, one job a line) with
     * one fsync, which the daemon expands. Returns the ids in order. All or none are accepted.
     */
    public List<String> spoolAll(Collection<JobSpec> jobs) {
        Objects.requireNonNull(jobs, "jobs");
        if (jobs.isEmpty()) {
            return List.of();
        }
        checkRoom(1);
        return withIdsChecked(jobs, () -> spoolBatch(jobs));
    }

    private List<String> spoolBatch(Collection<JobSpec> jobs) {
        List<String> ids = new ArrayList<>(jobs.size());
        ByteArrayOutputStream lines = new ByteArrayOutputStream(jobs.size() * 96);
        String batchId = null;
        for (JobSpec job : jobs) {
            String arrival = JobIds.next(clock);
            if (batchId == null) {
                batchId = arrival;
            }
            String id = job.id() != null ? job.id() : arrival;
            lines.writeBytes(JobCodec.encode(JobCodec.newJob(job, id)));
            ids.add(id);
        }
        write(batchId + JobNames.BATCH_SUFFIX, lines.toByteArray());
        return List.copyOf(ids);
    }

    private void write(String name, byte[] content) {
        try {
            if (durable || spare == null) {
                DurableWrite.write(directory.root(), name, content, durable, directory.modes());
            } else {
                DurableWrite.writeNotDurable(directory.root(), name, content, directory.modes(), spare);
            }
        } catch (IOException e) {
            if (DurableWrite.isNoSpace(e)) {
                throw new SpoolFullException("spool directory " + directory.root() + " is full: no space left on device", e);
            }
            throw new UncheckedIOException("could not write job into " + directory.root() + ": " + e.getMessage(), e);
        }
    }

    private void checkRoom(int adding) {
        if (maxQueued == UNBOUNDED) {
            return;
        }
        try {
            long queued = directory.countQueued(maxQueued, clock.millis());
            if (queued + adding > maxQueued) {
                throw new SpoolFullException("spool is full: " + queued + " jobs queued, the limit is " + maxQueued);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not count queued jobs in " + directory.root(), e);
        }
    }

    /**
     * Runs {@code write} for jobs without ids at once; for jobs with producer-chosen ids, checks the
     * ids are free and writes under the directory's id lock, so a race cannot accept an id twice.
     */
    @SuppressWarnings("try") // the lock is held, not used
    private <T> T withIdsChecked(Collection<JobSpec> jobs, java.util.function.Supplier<T> write) {
        if (jobs.stream().allMatch(job -> job.id() == null)) {
            return write.get();
        }
        try (java.io.Closeable lock = directory.lockIds()) {
            checkUnique(jobs);
            return write.get();
        } catch (IOException e) {
            throw new UncheckedIOException("could not lock the job ids of " + directory.root() + ": " + e.getMessage(), e);
        }
    }

    private void checkUnique(Collection<JobSpec> jobs) {
        Set<String> seen = new HashSet<>();
        for (JobSpec job : jobs) {
            if (job.id() == null) {
                continue;
            }
            if (!seen.add(job.id())) {
                throw new DuplicateJobException(job.id());
            }
            try {
                if (directory.findLive(job.id()).isPresent()) {
                    throw new DuplicateJobException(job.id());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not check for a job with id " + job.id(), e);
            }
        }
    }

    /** How a {@link Spooler} is set up; every setting has a default. */
    public static final class Builder {
        private final Path spoolDir;
        private Clock clock = Clock.systemUTC();
        private long maxQueued = UNBOUNDED;
        private boolean durable = true;
        private FileModes modes = FileModes.DEFAULT;

        private Builder(Path spoolDir) {
            this.spoolDir = Objects.requireNonNull(spoolDir, "spoolDir");
        }

        /** Refuse new jobs with {@link SpoolFullException} while this many or more are queued. */
        public Builder maxQueued(long maxQueued) {
            if (maxQueued < 1) {
                throw new IllegalArgumentException("maxQueued must be at least 1, got " + maxQueued);
            }
            this.maxQueued = maxQueued;
            return this;
        }

        /**
         * {@code false} skips the fsyncs: much faster, and a power loss may lose recently accepted
         * jobs (as uWSGI's spooler). A crash never leaves a partial job either way.
         */
        public Builder durable(boolean durable) {
            this.durable = durable;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** An octal umask that widens the default 0600 files and 0700 directories, e.g. {@code "027"}. */
        public Builder umask(String octal) {
            this.modes = FileModes.parseUmask(octal);
            return this;
        }

        public Spooler open() {
            try {
                return new Spooler(SpoolDirectory.open(spoolDir, modes), this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open spool directory " + spoolDir + ": " + reason(e), e);
            }
        }

        private static String reason(IOException e) {
            if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
                return f.getReason();
            }
            if (e instanceof java.nio.file.NoSuchFileException) {
                return "no such file or directory";
            }
            if (e instanceof java.nio.file.AccessDeniedException) {
                return "permission denied";
            }
            if (e instanceof java.nio.file.FileAlreadyExistsException || e instanceof java.nio.file.NotDirectoryException) {
                return "not a directory";
            }
            return e.getMessage();
        }
    }
}
