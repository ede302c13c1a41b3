package io.spoolerd.internal.worker;

import io.spoolerd.Job;
import io.spoolerd.Outcome;
import io.spoolerd.Task;
import io.spoolerd.TaskContext;
import io.spoolerd.internal.Threads;
import io.spoolerd.internal.store.JobCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task the operator gave as {@code --task NAME=COMMAND}: runs COMMAND with {@code /bin/sh -c},
 * the job JSON on stdin and the job in {@code SPOOL_*} environment variables. Exit 0 is OK,
 * 75 (EX_TEMPFAIL) RETRY, 65 (EX_DATAERR) FAIL, anything else an ERROR. Stdout lines of the form
 * {@code PROGRESS done/total message} report progress; all other output goes to the daemon's log.
 */
final class CommandTask implements Task {

    static final int EX_TEMPFAIL = 75;
    static final int EX_DATAERR = 65;
    static final int MAX_ENV_VALUE = 32 * 1024;
    private static final Pattern PROGRESS = Pattern.compile("PROGRESS\\s+(\\d+)\\s*/\\s*(\\d+)\\s*(.*)");

    private static final Object STARTING = new Object();
    private static boolean noMoreStarts;

    /** From now on no command starts; one being started is under way already. For a worker whose daemon is gone. */
    static void stopStarting() {
        synchronized (STARTING) {
            noMoreStarts = true;
        }
    }

    /** Where commands run. */
    record Settings(Path workDir) {}

    private final String name;
    private final String command;
    private final Settings settings;

    CommandTask(String name, String command, Settings settings) {
        this.name = name;
        this.command = command;
        this.settings = settings;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Outcome run(Job job, TaskContext context) throws Exception {
        WorkerContext worker = (WorkerContext) context;
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).directory(settings.workDir().toFile());
        Map<String, String> env = pb.environment();
        env.put("SPOOL_JOB_ID", job.id());
        env.put("SPOOL_TASK", job.task());
        env.put("SPOOL_ATTEMPT", Integer.toString(job.attempt()));
        env.put("SPOOL_FILE", worker.file.toString());
        job.args().forEach((key, value) -> {
            String text = scalarText(value);
            if (text != null && text.length() <= MAX_ENV_VALUE) {
                env.put("SPOOL_ARG_" + envName(key), text);
            }
        });
        Process process;
        synchronized (STARTING) {
            if (noMoreStarts) {
                throw new IllegalStateException("the daemon is gone");
            }
            process = pb.start();
        }
        worker.childStarted(process.pid());
        Thread stdin = Threads.start("command-io", () -> feed(process.getOutputStream(), worker.json));
        String[] lastError = {null};
        Thread stdout = Threads.start("command-io", () -> lines(process.getInputStream(), line -> {
            Matcher m = PROGRESS.matcher(line);
            if (m.matches()) {
                context.progress(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), m.group(3).isBlank() ? null : m.group(3));
            } else {
                worker.output.println(line);
            }
        }));
        Thread stderr = Threads.start("command-io", () -> lines(process.getErrorStream(), line -> {
            lastError[0] = line;
            worker.output.println(line);
        }));
        int exit = process.waitFor();
        stdout.join();
        stderr.join();
        stdin.join();
        String detail = lastError[0] == null ? "" : ": " + lastError[0];
        return switch (exit) {
            case 0 -> Outcome.ok();
            case EX_TEMPFAIL -> Outcome.retry();
            case EX_DATAERR -> Outcome.fail("exit code 65" + detail);
            default -> throw new CommandFailedException("exit code " + exit + detail);
        };
    }

    /** {@code my-arg.x} becomes {@code MY_ARG_X}. */
    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
    }

    /** A string as it is, a number or boolean as its JSON text; null for objects, arrays and null. */
    static String scalarText(Object value) {
        if (value instanceof String s) {
            return s;
        }
        // What a job's arguments hold (docs/performance.md, optimisation 19): their JSON text is their
        // toString(), as Jackson writes them (1e3 as 1E+3), without an ObjectMapper in the worker
        if (value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof BigInteger || value instanceof BigDecimal) {
            return value.toString();
        }
        if (value instanceof Number) {
            return JobCodec.mapper().valueToTree(value).toString();
        }
        return null;
    }

    private static void feed(OutputStream stdin, byte[] json) {
        try (stdin) {
            stdin.write(json);
        } catch (IOException ignored) {
            // the command did not read its stdin: that is its right
        }
    }

    private static void lines(InputStream stream, Consumer<String> each) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                each.accept(line.length() > JobOutput.MAX_LINE ? line.substring(0, JobOutput.MAX_LINE) : line);
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    /** A command that exited with an error code; its message is the log line. */
    static final class CommandFailedException extends Exception {
        CommandFailedException(String message) {
            super(message, null, false, false);
        }
    }
}
