package io.spoolerd.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Small helpers for the human output of the operator commands. */
final class Text {

    static final String NONE = "-";
    static final int BAR_WIDTH = 10;

    private Text() {}

    /** {@code 850ms}, {@code 4.2s}, {@code 42s}, {@code 5m03s}, {@code 2h03m}, {@code 3d04h}. */
    static String duration(long millis) {
        if (millis < 0) {
            millis = 0;
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        long s = millis / 1000;
        if (s < 10) {
            return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(java.util.Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format(java.util.Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(java.util.Locale.ROOT, "%dd%02dh", s / 86_400, (s % 86_400) / 3600);
    }

    /** An instant to the second, UTC: {@code 2026-11-24T22:31:59Z}. */
    static String instant(Instant instant) {
        return instant == null ? NONE : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** {@code [#####-----] 5/10 Working...}; without a total only the counts and the message. */
    static String progress(long done, long total, String message) {
        StringBuilder b = new StringBuilder();
        if (total > 0) {
            long filled = Math.max(0, Math.min(BAR_WIDTH, done * BAR_WIDTH / total));
            b.append('[').append("#".repeat((int) filled)).append("-".repeat(BAR_WIDTH - (int) filled)).append("] ")
                    .append(done).append('/').append(total);
        } else if (done > 0) {
            b.append(done);
        }
        if (message != null && !message.isBlank()) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(oneLine(message));
        }
        return b.length() == 0 ? NONE : b.toString();
    }

    static String oneLine(String text) {
        return text == null ? null : text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    static String orNone(Object value) {
        return value == null ? NONE : String.valueOf(value);
    }

    /** A table with columns as wide as their widest cell, two spaces apart; the last column is not padded. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        Table row(Object... cells) {
            String[] r = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                r[i] = orNone(cells[i]);
            }
            rows.add(r);
            return this;
        }

        void print(PrintWriter out, String indent) {
            int columns = rows.get(0).length;
            int[] width = new int[columns];
            for (String[] r : rows) {
                for (int i = 0; i < columns; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder(indent);
                for (int i = 0; i < columns; i++) {
                    line.append(r[i]);
                    if (i < columns - 1) {
                        line.append(" ".repeat(width[i] - r[i].length() + 2));
                    }
                }
                out.println(line.toString().stripTrailing());
            }
        }
    }
}
