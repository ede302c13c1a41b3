package io.spoolerd.cli;

import io.spoolerd.Job;
import io.spoolerd.Outcome;
import io.spoolerd.Task;
import io.spoolerd.TaskContext;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Test-only Java task {@code append}: appends {@code "<job id>\n"} to the file named by the arg
 * {@code file} (or the environment variable {@value #FILE_ENV}) with one {@code write(2)} on a file
 * opened with {@code O_APPEND}, so concurrent workers of several daemons never interleave a line.
 * Much faster than a command task; registered for the worker JVMs (which run on the test class
 * path) in {@code src/test/resources/META-INF/services/io.spoolerd.Task}.
 *
 * <p>The arg {@code then} picks the outcome after recording the run: {@code ok} (default),
 * {@code fail} (FAIL: to failed/ at once), {@code error} (throws: an attempt, a retry, failed/ when
 * attempts run out) or {@code retry-once} (RETRY after 50 ms on the first attempt, then OK). With
 * {@code pid: true} the line is {@code "<job id> <worker pid>\n"}; {@code sleep_ms} sleeps first;
 * {@code spin_ms} keeps a core busy that long first (a CPU-bound job); {@code until} waits (up to a
 * minute) for that file to exist first.
 */
public final class AppendTask implements Task {

    static final String NAME = "append";
    static final String FILE_ENV = "SPOOLERD_TEST_APPEND_FILE";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Outcome run(Job job, TaskContext context) throws Exception {
        Object file = job.args().get("file");
        String path = file != null ? file.toString() : System.getenv(FILE_ENV);
        if (path == null) {
            return Outcome.fail("append: no 'file' arg and no " + FILE_ENV);
        }
        Object until = job.args().get("until");
        for (long deadline = System.nanoTime() + 60_000_000_000L; until != null && !Files.exists(Path.of(until.toString()))
                && System.nanoTime() < deadline; ) {
            Thread.sleep(10);
        }
        Object sleep = job.args().get("sleep_ms");
        if (sleep instanceof Number n) {
            Thread.sleep(n.longValue());
        }
        Object spin = job.args().get("spin_ms");
        if (spin instanceof Number n) {
            for (long end = System.nanoTime() + (long) (n.doubleValue() * 1_000_000); System.nanoTime() < end; ) {
                Thread.onSpinWait();
            }
        }
        String record = Boolean.TRUE.equals(job.args().get("pid")) ? job.id() + " " + ProcessHandle.current().pid() : job.id();
        try (FileChannel out = FileChannel.open(Path.of(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer line = ByteBuffer.wrap((record + "\n").getBytes(StandardCharsets.UTF_8));
            out.write(line);
            if (line.hasRemaining()) {
                throw new IllegalStateException("short append to " + path);
            }
        }
        Object then = job.args().getOrDefault("then", "ok");
        return switch (then.toString()) {
            case "fail" -> Outcome.fail("told to fail");
            case "error" -> throw new IllegalStateException("told to throw");
            case "retry-once" -> job.attempt() == 1 ? Outcome.retry(Duration.ofMillis(50)) : Outcome.ok();
            default -> Outcome.ok();
        };
    }
}
