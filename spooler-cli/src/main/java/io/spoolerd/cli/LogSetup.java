package io.spoolerd.cli;

import io.spoolerd.internal.Threads;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sends the core's {@code System.Logger} output (java.util.logging underneath) to stdout or a
 * file, one line a record: {@code 2026-11-24T22:31:59.123Z INFO message}, or one JSON object a
 * line with {@code --log-format json}. A warning or error is flushed at once; other lines within
 * {@link #FLUSH_DELAY_MILLIS}, so that a drain's line per job costs a write per many jobs, and
 * journald and {@code tail -f} still see each line at once to the eye. The JVM's exit flushes.
 */
final class LogSetup {

    enum Format { TEXT, JSON }

    static final long FLUSH_DELAY_MILLIS = 10;

    private LogSetup() {}

    static void install(Format format, Path logFile) throws IOException {
        // Our own buffer: System.out's is 128 bytes, a write(2) per line or two.
        OutputStream print = new BufferedOutputStream(logFile == null ? System.out
                : Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE), 1 << 16);
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.setLevel(Level.INFO);
        ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("log-flush", r));
        AtomicBoolean flushScheduled = new AtomicBoolean();
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) {
                    return;
                }
                byte[] line = ((format == Format.JSON ? json(r) : text(r)) + "\n").getBytes(StandardCharsets.UTF_8);
                synchronized (print) {
                    try {
                        print.write(line);
                        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                            print.flush();
                            return;
                        }
                    } catch (IOException ignored) {
                        return; // as PrintStream did: a log that cannot be written (a full disk) does not stop the daemon
                    }
                }
                if (flushScheduled.compareAndSet(false, true)) {
                    flusher.schedule(() -> {
                        flushScheduled.set(false);
                        flush();
                    }, FLUSH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
                }
            }

            @Override
            public void flush() {
                synchronized (print) {
                    try {
                        print.flush();
                    } catch (IOException ignored) {
                        // as above
                    }
                }
            }

            @Override
            public void close() {
                flush();
            }
        });
    }

    private static String text(LogRecord r) {
        return Timestamps.format(r.getMillis()) + " " + level(r) + " " + oneLine(String.valueOf(r.getMessage()));
    }

    /**
     * {@code 2026-11-24T22:31:59.123Z}, always with milliseconds. The part up to the second is made
     * once a second: {@link Instant#toString} was a sixth of the cost of a log line in a drain.
     */
    static final class Timestamps {
        private static long cachedSecond = Long.MIN_VALUE;
        private static String cachedPrefix;

        private Timestamps() {}

        static synchronized String format(long epochMillis) {
            long second = Math.floorDiv(epochMillis, 1000);
            if (second != cachedSecond) {
                LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
                cachedPrefix = String.format("%04d-%02d-%02dT%02d:%02d:%02d.", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
                        t.getHour(), t.getMinute(), t.getSecond());
                cachedSecond = second;
            }
            int millis = (int) Math.floorMod(epochMillis, 1000);
            return cachedPrefix + (char) ('0' + millis / 100) + (char) ('0' + millis / 10 % 10) + (char) ('0' + millis % 10) + 'Z';
        }
    }

    /**
     * One record, one line: control characters (a newline in a file name, a terminal escape) are
     * written as escapes, so nothing a producer names can forge or split a log line.
     */
    static String oneLine(String message) {
        StringBuilder b = null;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029';
            if (!control) {
                if (b != null) {
                    b.append(c);
                }
                continue;
            }
            if (b == null) {
                b = new StringBuilder(message.length() + 16).append(message, 0, i);
            }
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            }
        }
        return b == null ? message : b.toString();
    }

    private static String json(LogRecord r) {
        return "{\"time\":\"" + Timestamps.format(r.getMillis()) + "\",\"level\":\"" + level(r).trim()
                + "\",\"message\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(String.valueOf(r.getMessage())) + "}";
    }

    private static String level(LogRecord r) {
        int v = r.getLevel().intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARN ";
        }
        return v >= Level.INFO.intValue() ? "INFO " : "DEBUG";
    }
}
