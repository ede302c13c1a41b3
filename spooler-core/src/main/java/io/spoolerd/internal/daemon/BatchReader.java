package io.spoolerd.internal.daemon;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a batch file ({@code .jsonl}) one line at a time, as bytes (so strict UTF-8 checking sees
 * them as written), holding at most {@code maxLineBytes} of one line: a longer line is skipped over
 * and reported by its position only. Never follows a link.
 */
final class BatchReader implements Closeable {

    /** One line: its number (from 1), where it starts and how long it is, and its bytes unless too long. */
    record Line(int number, long offset, long length, byte[] bytes) {
        boolean blank() {
            if (bytes == null) {
                return false;
            }
            for (byte b : bytes) {
                if (b != ' ' && b != '\t' && b != '\r') {
                    return false;
                }
            }
            return true;
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[64 * 1024];
    private int bufferPos;
    private int bufferEnd;
    private long position;
    private int number;

    BatchReader(Path file, int maxLineBytes) throws IOException {
        this.in = Channels.newInputStream(Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line without its end ({@code \n} or {@code \r\n}), or null at the end of the file. */
    Line next() throws IOException {
        long start = position;
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        long length = 0;
        boolean ended = false;
        while (!ended) {
            if (bufferPos == bufferEnd) {
                bufferEnd = in.read(buffer);
                bufferPos = 0;
                if (bufferEnd <= 0) {
                    bufferEnd = 0;
                    break;
                }
            }
            int from = bufferPos;
            int to = from;
            while (to < bufferEnd && buffer[to] != '\n') {
                to++;
            }
            ended = to < bufferEnd;
            int n = to - from;
            length += n;
            if (line != null && length <= maxLineBytes + 1L) { // +1: a line may end in \r
                line.write(buffer, from, n);
            } else {
                line = null; // too long: only count it
            }
            bufferPos = ended ? to + 1 : to;
            position += n + (ended ? 1 : 0);
        }
        if (!ended && position == start) {
            return null;
        }
        number++;
        if (line == null) {
            return new Line(number, start, length, null);
        }
        byte[] bytes = line.toByteArray();
        if (bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
            bytes = java.util.Arrays.copyOf(bytes, bytes.length - 1);
        }
        if (bytes.length > maxLineBytes) {
            return new Line(number, start, length, null);
        }
        return new Line(number, start, length, bytes);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
