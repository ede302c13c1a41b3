package io.spoolerd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Test helpers to look at a spool directory the way a reader (the daemon) does. */
final class SpoolFiles {

    private SpoolFiles() {}

    /** Where the storage tests run: an in-memory Jimfs (with POSIX attributes) and the real disk. */
    enum Storage {
        JIMFS, DISK
    }

    /** A Unix Jimfs that also knows POSIX permissions, so file modes can be checked there too. */
    static Configuration jimfsConfig() {
        return Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build();
    }

    static FileSystem newJimfs() {
        return Jimfs.newFileSystem(jimfsConfig());
    }

    /** Every name in {@code dir} (hidden ones and directories too), sorted. */
    static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The regular files in {@code dir} that a reader takes as jobs or batches, sorted by name. */
    static List<Path> queued(Path dir) {
        List<Path> out = new ArrayList<>();
        for (String name : names(dir)) {
            Path p = dir.resolve(name);
            if (JobNames.kindOf(name) != JobNames.Kind.IGNORED && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                out.add(p);
            }
        }
        return out;
    }

    /** The regular files in {@code dir}, hidden or not, that are not jobs: temp files, leftovers. */
    static List<String> otherFiles(Path dir) {
        List<String> out = new ArrayList<>();
        for (String name : names(dir)) {
            if (JobNames.kindOf(name) == JobNames.Kind.IGNORED && !Files.isDirectory(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                out.add(name);
            }
        }
        return out;
    }

    static JobFile read(Path file) {
        try {
            return JobCodec.parse(Files.readAllBytes(file), file.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The jobs of a batch file, one a line; every line must be a whole job. */
    static List<JobFile> readBatch(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            assertEquals('\n', text.charAt(text.length() - 1), "a batch ends with a newline: " + file);
            List<JobFile> jobs = new ArrayList<>();
            String[] lines = text.split("\n");
            for (int i = 0; i < lines.length; i++) {
                jobs.add(JobCodec.parse(lines[i].getBytes(StandardCharsets.UTF_8),
                        "line " + (i + 1) + " of " + file.getFileName()));
            }
            return jobs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directories {@link Spooler#open} makes in a new spool directory. */
    static final List<String> LAYOUT = List.of(".spoolerd", "bad", "failed");
}
