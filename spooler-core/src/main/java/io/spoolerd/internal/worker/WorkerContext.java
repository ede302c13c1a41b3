package io.spoolerd.internal.worker;

import io.spoolerd.TaskContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/** The {@link TaskContext} of one job in a worker; command tasks also read the job's file and bytes. */
final class WorkerContext implements TaskContext {

    private final WorkerProtocol.Writer daemon;
    private final BooleanSupplier shuttingDown;
    final Path file;
    final byte[] json;
    final String jobId;
    final int attempt;
    final JobOutput output;

    WorkerContext(WorkerProtocol.Writer daemon, BooleanSupplier shuttingDown, Path file, byte[] json, String jobId,
                  int attempt, JobOutput output) {
        this.daemon = daemon;
        this.shuttingDown = shuttingDown;
        this.file = file;
        this.json = json;
        this.jobId = jobId;
        this.attempt = attempt;
        this.output = output;
    }

    @Override
    public void progress(long done, long total, String message) {
        WireMessage m = WorkerProtocol.message(WorkerProtocol.PROGRESS).put("done", done).put("total", total);
        if (message != null) {
            m.put("message", message);
        }
        send(m);
    }

    @Override
    public boolean isShuttingDown() {
        return shuttingDown.getAsBoolean();
    }

    void childStarted(long pid) {
        send(WorkerProtocol.message(WorkerProtocol.CHILD).put("pid", pid));
    }

    private void send(WireMessage message) {
        try {
            daemon.send(message);
        } catch (IOException e) {
            throw new UncheckedIOException("the daemon is gone", e);
        }
    }
}
