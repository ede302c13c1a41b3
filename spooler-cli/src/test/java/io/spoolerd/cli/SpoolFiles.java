package io.spoolerd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Small file helpers for tests that look at a spool directory from the outside. */
final class SpoolFiles {

    static final ObjectMapper JSON = new ObjectMapper();

    private SpoolFiles() {}

    /** Drops a job by hand the atomic way: a hidden temp file, then a rename to {@code name}. */
    static Path drop(Path spoolDir, String name, String content) {
        Path temp = spoolDir.resolve("." + name + ".tmp");
        Path target = spoolDir.resolve(name);
        try {
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a file in place, not atomically (as {@code cp} or a careless producer would). */
    static Path write(Path file, byte[] content) {
        try {
            return Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines of a file, none when it does not exist (yet). */
    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names of the regular files in {@code dir} (hidden ones too), none when it does not exist. */
    static List<String> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Job files ({@code *.json}, {@code *.jsonl}, not hidden) in {@code dir}. */
    static List<String> jobs(Path dir) {
        return files(dir).stream().filter(n -> !n.startsWith(".") && (n.endsWith(".json") || n.endsWith(".jsonl")))
                .collect(Collectors.toList());
    }

    /** Every regular file in the daemons' claims directories ({@code .spoolerd/claims/<daemon>/}). */
    static List<Path> claims(Path spoolDir) {
        Path claims = spoolDir.resolve(".spoolerd").resolve("claims");
        List<Path> out = new java.util.ArrayList<>();
        for (String owner : entries(claims)) {
            Path dir = claims.resolve(owner);
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                files(dir).forEach(name -> out.add(dir.resolve(name)));
            }
        }
        return out;
    }

    /** The names in {@code dir}, none when it does not exist; a daemon may be changing it meanwhile. */
    private static List<String> entries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The single job file in {@code dir}; fails when there is not exactly one. */
    static Path onlyJob(Path dir) {
        List<String> jobs = jobs(dir);
        if (jobs.size() != 1) {
            throw new AssertionError("expected one job file in " + dir + ", found " + jobs);
        }
        return dir.resolve(jobs.get(0));
    }
}
