package io.spoolerd.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sends the core's {@code System.Logger} output (java.util.logging underneath) to stdout or a
 * file, one line a record: {@code 2026-11-24T22:31:59.123Z INFO message}, or one JSON object a
 * line with {@code --log-format json}. Flushed per line, so journald and {@code tail -f} see it at once.
 */
final class LogSetup {

    enum Format { TEXT, JSON }

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
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) {
                    return;
                }
                String line = format == Format.JSON ? json(r) : text(r);
                synchronized (print) {
                    print.println(line);
                    print.flush();
                }
            }

            @Override
            public void flush() {
                print.flush();
            }

            @Override
            public void close() {
                print.flush();
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
