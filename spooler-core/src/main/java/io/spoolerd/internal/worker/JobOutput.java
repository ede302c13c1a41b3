package io.spoolerd.internal.worker;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What tasks print, line by line, prefixed with the running job's id so the daemon's log says
 * whose output it is. Lines longer than {@link #MAX_LINE} are cut, so one task cannot make the
 * worker buffer without bound.
 */
final class JobOutput extends OutputStream {

    static final int MAX_LINE = 16 * 1024;

    private final PrintStream target;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private volatile String jobId;

    JobOutput(PrintStream target) {
        this.target = target;
    }

    void jobId(String jobId) {
        this.jobId = jobId;
    }

    /** Prints one whole line for the current job. */
    void println(String text) {
        String id = jobId;
        synchronized (target) {
            target.println(id == null ? text : "[" + id + "] " + text);
        }
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            flushLine();
        } else if (line.size() < MAX_LINE) {
            line.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    @Override
    public synchronized void flush() {
        // partial lines wait for their newline
    }

    private void flushLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        println(text);
    }
}
