package io.spoolerd.cli;

import io.spoolerd.internal.Threads;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
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
        OutputStream out = logFile == null ? System.out
                : Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        PrintStream print = new PrintStream(out, false, StandardCharsets.UTF_8);
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
                String line = format == Format.JSON ? json(r) : text(r);
                synchronized (print) {
                    print.println(line);
                    if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                        print.flush();
                        return;
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
                    print.flush();
                }
            }

            @Override
            public void close() {
                flush();
            }
        });
    }

    private static String text(LogRecord r) {
        return Instant.ofEpochMilli(r.getMillis()) + " " + level(r) + " " + oneLine(String.valueOf(r.getMessage()));
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
        return "{\"time\":\"" + Instant.ofEpochMilli(r.getMillis()) + "\",\"level\":\"" + level(r).trim()
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
