package io.spoolerd.internal.store;

import io.spoolerd.InvalidJobException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/** Reads a job file without following links, opening anything but a regular file, or reading past a bound. */
public final class JobFiles {

    private JobFiles() {}

    /**
     * A short, clear text for an I/O error on a job file: the JDK's message for "permission denied"
     * and friends is only the path, which says nothing.
     */
    public static String describe(IOException e) {
        String what;
        if (e instanceof java.nio.file.AccessDeniedException) {
            what = "permission denied";
        } else if (e instanceof java.nio.file.NoSuchFileException) {
            what = "no such file";
        } else if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            what = f.getReason();
        } else {
            return e.toString();
        }
        return what + " (" + e.getClass().getSimpleName() + ")";
    }

    public static byte[] read(Path file, int maxBytes) throws IOException {
        return read(file, Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS), maxBytes);
    }

    /** As {@link #read(Path, int)}, with the file's attributes (read without following links) already at hand. */
    public static byte[] read(Path file, BasicFileAttributes attrs, int maxBytes) throws IOException {
        if (!attrs.isRegularFile()) {
            throw new InvalidJobException(file.getFileName() + ": not a regular file");
        }
        if (attrs.size() > maxBytes) {
            throw new InvalidJobException(file.getFileName() + ": " + attrs.size() + " bytes, larger than --max-job-bytes " + maxBytes);
        }
        // One read(2) in the common case: it asks for a byte more than the lstat said, and getting exactly the
        // file's size back means the end. A file that shrank or a short read reads on; one that grew, too (bounded).
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long expected = attrs.size();
            ByteBuffer buf = ByteBuffer.allocate((int) expected + 1);
            for (int n; (n = ch.read(buf)) >= 0; ) {
                if (!buf.hasRemaining()) {
                    if (buf.capacity() > maxBytes) {
                        throw new InvalidJobException(file.getFileName() + ": larger than --max-job-bytes " + maxBytes);
                    }
                    buf = ByteBuffer.allocate((int) Math.min(maxBytes + 1L, buf.capacity() * 2L)).put(buf.flip());
                } else if (n > 0 && buf.position() == expected) {
                    break;
                }
            }
            return Arrays.copyOf(buf.array(), buf.position());
        }
    }
}
