package io.spoolerd.bench;

import io.spoolerd.Job;
import io.spoolerd.Outcome;
import io.spoolerd.Task;
import io.spoolerd.TaskContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code bench-stamp}: the first thing it does is read the wall clock (microseconds since the
 * epoch), then appends {@code "<n> <micros>\n"} to the file named by the {@code out} argument.
 * The benchmark loads it into the daemon's workers with {@code --classpath} to measure start latency.
 */
public final class StampTask implements Task {

    @Override
    public String name() {
        return "bench-stamp";
    }

    @Override
    public Outcome run(Job job, TaskContext context) throws IOException {
        long micros = Clocks.epochMicros();
        Object n = job.args().get("n");
        Object out = job.args().get("out");
        if (out != null) {
            Files.write(Path.of(out.toString()), (n + " " + micros + "\n").getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        }
        return Outcome.ok();
    }
}
