package io.spoolerd.internal.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Puts a whole file under its final name or nothing: write to a hidden temporary name in the
 * same directory, fsync it, rename it into place, fsync the directory. Readers ignore hidden
 * names, so they see either no file or the whole file; a crash leaves at most a hidden temp file.
 * With {@code durable == false} the fsyncs are skipped (faster, and a power loss may lose the
 * file), but the temp-and-rename keeps the all-or-nothing rule.
 */
public final class DurableWrite {

    private DurableWrite() {}

    public static void write(Path dir, String name, byte[] content, boolean durable, FileModes modes) throws IOException {
        Path target = dir.resolve(name);
        Path temp = tempFor(dir, name);
        try {
            writeFile(temp, content, durable, modes);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp, e);
            throw e;
        }
        if (durable) {
            fsyncDirectory(dir);
        }
    }

    /** A hidden, unique temporary name beside {@code name}: readers of the directory ignore it. */
    private static Path tempFor(Path dir, String name) {
        return dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    }

    /**
     * As {@link #write(Path, String, byte[], boolean, FileModes)}, but never over an existing file:
     * false, and nothing written, when {@code name} exists. Who creates a name this way owns it.
     */
    public static boolean writeNew(Path dir, String name, byte[] content, boolean durable, FileModes modes) throws IOException {
        Path temp = tempFor(dir, name);
        boolean created;
        try {
            writeFile(temp, content, durable, modes);
            created = SpoolDirectory.moveNoReplace(temp, dir.resolve(name));
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp, e);
            throw e;
        }
        if (!created) {
            Files.deleteIfExists(temp);
        } else if (durable) {
            fsyncDirectory(dir);
        }
        return created;
    }

    /**
     * {@link #write(Path, String, byte[], boolean, FileModes)} without fsync, with the spare as the
     * temporary file when there is one: written, then renamed from the spares directory into
     * {@code dir}, and the next spare made once the file is in place, so the file's creation comes
     * after the job's rename instead of before it. Without a spare, as {@code write}.
     */
    public static void writeNotDurable(Path dir, String name, byte[] content, FileModes modes, SpareFile spare) throws IOException {
        SpareFile.Spare taken = spare.take();
        if (taken == null || !writeSpare(taken, dir.resolve(name), content)) {
            write(dir, name, content, false, modes);
        }
        spare.refill();
    }

    /**
     * Writes into the spare and renames it to {@code target}; false when the spare's file was not
     * there any more (nothing is in {@code target} then, and the caller writes a new file). The
     * rename comes before the close: the job is whole once the write returns, and the daemon
     * waiting for it should not also wait for the close.
     */
    private static boolean writeSpare(SpareFile.Spare spare, Path target, byte[] content) throws IOException {
        try (FileChannel ch = spare.channel()) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            Files.move(spare.path(), target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (NoSuchFileException e) {
            // removed by someone else (a sweep of old spares): not a reason to fail the job
            // (when the drop zone itself is gone, the caller's own write fails and says so)
            deleteQuietly(spare.path(), e);
            return false;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(spare.path(), e);
            throw e;
        }
    }

    /** Writes {@code content} to a new file (failing if it exists), fsynced when durable. */
    public static void writeFile(Path file, byte[] content, boolean durable, FileModes modes) throws IOException {
        EnumSet<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try (FileChannel ch = FileChannel.open(file, options, modes.fileAttributes(file.getFileSystem()))) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (durable) {
                ch.force(true);
            }
        }
        modes.applyWidened(file, modes.filePermissions());
    }

    /** Makes renames and creations in {@code dir} survive a power loss. A no-op off the default file system. */
    public static void fsyncDirectory(Path dir) throws IOException {
        fsync(dir);
    }

    /** fsync of a file or directory that is already written. A no-op off the default file system. */
    public static void fsync(Path path) throws IOException {
        if (path.getFileSystem() != FileSystems.getDefault()) {
            return; // Jimfs and friends have no durability to ask for
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Whether an I/O error means the disk (or the quota) is full. */
    public static boolean isNoSpace(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null) {
                String lower = m.toLowerCase(java.util.Locale.ROOT);
                if (lower.contains("no space left") || lower.contains("out of disk space")
                        || lower.contains("disk quota exceeded")) {
                    return true;
                }
            }
        }
        return false;
    }

    static void deleteQuietly(Path path, Throwable into) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException suppressed) {
            into.addSuppressed(suppressed);
        }
    }

    static boolean isRegularFile(Path p) {
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
    }
}
