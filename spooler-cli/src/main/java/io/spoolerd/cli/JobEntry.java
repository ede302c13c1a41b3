package io.spoolerd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.InvalidJobException;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobFiles;
import io.spoolerd.internal.store.JobNames;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * One job file as the operator commands see it: its state (from the directory it is in), what its
 * name says, and, only when it was read, its content. Canonical names carry the id, priority and
 * due time, so most questions are answered without opening the file.
 *
 * @param canonical what a canonical name says, or null for a hand-made name
 * @param due       when it may run: a future instant for a scheduled job; null when unknown
 * @param job       the parsed file, or null when it was not read or does not parse
 * @param error     why it does not parse, or null
 */
record JobEntry(Path file, String name, JobState state, JobNames.Canonical canonical, Instant due, JobFile job,
                String error) {

    /** A name that got {@code .N} because the name was taken where it was moved to ({@code SpoolDirectory.moveInto}). */
    static final Pattern SUFFIXED = Pattern.compile("(.*)\\.\\d+(\\.json)");

    /** Larger than any job a daemon accepts: the CLI reads what is there, the daemon judges size. */
    static final int READ_LIMIT = 64 << 20;

    /** The id: the job's {@code id} field when read, else what the name stands for. */
    String id() {
        if (job != null && job.id() != null) {
            return job.id();
        }
        return nameId();
    }

    /** What the name alone says the id is (as {@link JobNames#idOf}, without parsing the name again). */
    String nameId() {
        return canonical != null ? canonical.id() : JobNames.stem(name);
    }

    /**
     * Whether the name may not say the id: a hand-made name, or one with a {@code .N} suffix (which
     * a canonical name with a user id takes in as part of the id: {@code ...-kjob.1.json}).
     */
    boolean nameMayMislead() {
        return canonical == null || SUFFIXED.matcher(name).matches();
    }

    boolean read() {
        return job != null || error != null;
    }

    /** The priority, when the name or the content says it. */
    Integer priority() {
        if (canonical != null) {
            return canonical.priority();
        }
        return job == null ? null : job.priority();
    }

    /** The error of the latest history entry that has one, or a bad file's reason, or null. */
    String lastError() {
        if (job != null) {
            JsonNode history = job.node().get("history");
            if (history != null && history.isArray()) {
                for (int i = history.size() - 1; i >= 0; i--) {
                    JsonNode e = history.get(i).get("error");
                    if (e != null && !e.isNull()) {
                        return e.asText();
                    }
                }
            }
        }
        return null;
    }

    /** This file read and parsed; a file that does not parse keeps the error instead. */
    JobEntry withContent() {
        if (read() || JobNames.kindOf(name) == JobNames.Kind.BATCH) {
            return this; // a batch is many jobs, one a line, not one job: its lines become job files when a daemon takes it
        }
        try {
            JobFile parsed = JobCodec.parse(JobFiles.read(file, READ_LIMIT), name);
            return new JobEntry(file, name, state, canonical, due, parsed, null);
        } catch (InvalidJobException e) {
            return new JobEntry(file, name, state, canonical, due, null, e.getMessage());
        } catch (NoSuchFileException e) {
            return new JobEntry(file, name, state, canonical, due, null, name + ": gone (moved on meanwhile)");
        } catch (IOException e) {
            return new JobEntry(file, name, state, canonical, due, null, name + ": cannot read: " + ExitCodes.message(e));
        }
    }

    /**
     * A name in the drop zone: queued or scheduled. A canonical name says its due time; any other
     * job file is read for {@code at} and {@code retry_at}. Returns null for what is not a job
     * (hidden and temporary names, symlinks, directories, FIFOs).
     */
    static JobEntry inRoot(Path file, long nowMillis) {
        String name = file.getFileName().toString();
        JobNames.Kind kind = JobNames.kindOf(name);
        if (kind == JobNames.Kind.IGNORED) {
            return null;
        }
        if (kind == JobNames.Kind.BATCH) {
            if (SpoolDirectory.isExpandedBatch(file.getParent(), name)) {
                return null; // its jobs are job files now, listed as such; it goes away with the last of them
            }
            return new JobEntry(file, name, JobState.QUEUED, null, null, null, null);
        }
        JobNames.Canonical c = JobNames.parse(name);
        if (c != null) {
            Instant due = Instant.ofEpochMilli(c.dueMillis());
            JobState state = c.explicitDue() && c.dueMillis() > nowMillis ? JobState.SCHEDULED : JobState.QUEUED;
            return new JobEntry(file, name, state, c, due, null, null);
        }
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null; // gone meanwhile
        }
        if (!attrs.isRegularFile()) {
            return null;
        }
        JobEntry read = new JobEntry(file, name, JobState.QUEUED, null, null, null, null).withContent();
        if (read.job() == null) {
            return read; // not a job (yet): the daemon judges it after --bad-grace
        }
        Instant notBefore = read.job().notBefore();
        Instant due = notBefore != null ? notBefore : Instant.ofEpochMilli(attrs.lastModifiedTime().toMillis());
        JobState state = notBefore != null && notBefore.toEpochMilli() > nowMillis ? JobState.SCHEDULED : JobState.QUEUED;
        return new JobEntry(file, name, state, null, due, read.job(), null);
    }

    /**
     * A name in a directory whose state is known (claims, failed/, bad/, done/, cancelled/).
     * Returns null for what is not a job there ({@code .reason} sidecars, temporary files).
     */
    static JobEntry in(Path file, JobState state) {
        String name = file.getFileName().toString();
        if (JobNames.kindOf(name) == JobNames.Kind.IGNORED) {
            return null;
        }
        JobNames.Canonical c = name.endsWith(JobNames.JOB_SUFFIX) ? JobNames.parse(name) : null;
        Instant due = c == null ? null : Instant.ofEpochMilli(c.dueMillis());
        return new JobEntry(file, name, state, c, due, null, null);
    }

    /** The reason text next to a file in bad/ (or failed/), first line only; null when there is none. */
    static String reason(Path file) {
        Path sidecar = SpoolDirectory.sidecar(file);
        try {
            String text = new String(JobFiles.read(sidecar, 64 * 1024), StandardCharsets.UTF_8).strip();
            int eol = text.indexOf('\n');
            return eol < 0 ? text : text.substring(0, eol);
        } catch (IOException | InvalidJobException e) {
            return null;
        }
    }
}
