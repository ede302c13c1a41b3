package io.spoolerd.internal.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.InvalidJobException;
import io.spoolerd.Job;
import io.spoolerd.Outcome;
import io.spoolerd.Task;
import io.spoolerd.internal.Threads;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobFiles;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The entry point of a worker process. It runs one job at a time for the daemon that started it,
 * and exits when the daemon goes away (end of stdin), taking its command children with it.
 */
public final class WorkerMain {

    private final WorkerProtocol.Writer daemon;
    private final JobOutput output;
    private final BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    private volatile boolean shuttingDown;

    private WorkerMain(WorkerProtocol.Writer daemon, JobOutput output) {
        this.daemon = daemon;
        this.output = output;
    }

    public static void main(String[] args) throws Exception {
        ignoreInterrupt();
        // The protocol owns the real stdout; whatever tasks print goes to stderr, line by line, with the job id.
        WorkerProtocol.Writer daemon = new WorkerProtocol.Writer(new FileOutputStream(FileDescriptor.out));
        PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        JobOutput output = new JobOutput(stderr);
        PrintStream tasksPrint = new PrintStream(output, true, StandardCharsets.UTF_8);
        System.setOut(tasksPrint);
        System.setErr(tasksPrint);
        new WorkerMain(daemon, output).serve();
    }

    /** Ctrl-C in a terminal signals the whole process group; only the daemon should decide what stops. */
    @SuppressWarnings("removal")
    private static void ignoreInterrupt() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException | UnsupportedOperationException ignored) {
            // not on this platform: the daemon still stops us through the protocol
        }
    }

    private void serve() throws Exception {
        Threads.start("worker-stdin", this::readDaemon);
        JsonNode init = inbox.take();
        Map<String, String> commands = new LinkedHashMap<>();
        init.path("commands").fields().forEachRemaining(e -> commands.put(e.getKey(), e.getValue().asText()));
        Path workDir = Path.of(init.path("chdir").asText("."));
        TaskRegistry tasks = new TaskRegistry(commands, new CommandTask.Settings(workDir));
        ObjectNode hello = WorkerProtocol.message(WorkerProtocol.HELLO).put("pid", ProcessHandle.current().pid());
        tasks.names().forEach(hello.putArray("tasks")::add);
        daemon.send(hello);
        int maxJobBytes = init.path("max_job_bytes").asInt(1 << 20);
        while (true) {
            JsonNode message = inbox.take();
            if (WorkerProtocol.RUN.equals(message.path("op").asText())) {
                daemon.send(run(tasks, message, maxJobBytes));
                output.jobId(null);
            }
        }
    }

    private void readDaemon() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode message = WorkerProtocol.parse(line);
                if (WorkerProtocol.SHUTDOWN.equals(message.path("op").asText())) {
                    shuttingDown = true;
                } else {
                    inbox.add(message);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: no daemon, no work
        }
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        Runtime.getRuntime().halt(0);
    }

    private ObjectNode run(TaskRegistry tasks, JsonNode message, int maxJobBytes) {
        Path file = Path.of(message.path("file").asText());
        String name = message.path("name").asText(file.getFileName().toString());
        int attempt = message.path("attempt").asInt(1);
        ObjectNode result = WorkerProtocol.message(WorkerProtocol.RESULT);
        try {
            byte[] json = JobFiles.read(file, maxJobBytes);
            JobFile parsed = JobCodec.parse(json, name);
            String id = parsed.idOr(name);
            output.jobId(id);
            Task task = tasks.get(parsed.task());
            if (task == null) {
                return result.put("outcome", "error").put("error", "no task named \"" + parsed.task() + "\" in this worker");
            }
            Job job = new Job(id, parsed.task(), JobCodec.argsOf(parsed), attempt, parsed.at(), parsed.priority());
            WorkerContext context = new WorkerContext(daemon, () -> shuttingDown, file, json, id, attempt, output);
            Outcome outcome = task.run(job, context);
            if (outcome == null) {
                return result.put("outcome", "error").put("error", "task returned no outcome");
            }
            return describe(outcome, result);
        } catch (InvalidJobException e) {
            return result.put("outcome", "fail").put("error", e.getMessage());
        } catch (CommandTask.CommandFailedException e) {
            return result.put("outcome", "error").put("error", e.getMessage());
        } catch (Throwable e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            output.println("task threw " + e);
            return result.put("outcome", "error").put("error", oneLine(e));
        }
    }

    private static ObjectNode describe(Outcome outcome, ObjectNode result) {
        if (outcome instanceof Outcome.Ok) {
            return result.put("outcome", "ok");
        }
        if (outcome instanceof Outcome.Retry retry) {
            result.put("outcome", "retry");
            return retry.delay() == null ? result : result.put("delay_ms", retry.delay().toMillis());
        }
        if (outcome instanceof Outcome.Ignore) {
            return result.put("outcome", "ignore");
        }
        Outcome.Fail fail = (Outcome.Fail) outcome;
        return result.put("outcome", "fail").put("error", fail.reason());
    }

    private static String oneLine(Throwable e) {
        String text = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        text = text.replaceAll("\\s*\\R\\s*", " ");
        return text.length() > 1000 ? text.substring(0, 997) + "..." : text;
    }
}
