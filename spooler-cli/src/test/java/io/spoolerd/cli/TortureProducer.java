package io.spoolerd.cli;

import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A producer process for {@link TortureTest}: spools {@link AppendTask} jobs durably into the
 * directory given as its first argument, forever, and prints {@code "<id> <then>\n"} (flushed) for
 * every job once {@code spool} returned, that is once the job was accepted. The test kills it with
 * SIGKILL at random instants, so a line cut short by the kill is not an accepted job.
 *
 * <p>Arguments: the spool directory, the file the task appends to, the pause between jobs in ms (the
 * pause is random up to that, to keep the queue short without starving the daemons).
 */
public final class TortureProducer {

    private TortureProducer() {}

    public static void main(String[] args) throws InterruptedException {
        Spooler spooler = Spooler.open(Path.of(args[0]));
        String runs = args[1];
        int maxPause = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.US_ASCII);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (true) {
            int dice = random.nextInt(100);
            if (dice < 6) {
                // a batch: several jobs made durable together, expanded by a daemon
                List<JobSpec> batch = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    batch.add(JobSpec.of(AppendTask.NAME, Map.of("file", runs, "then", "ok")));
                }
                for (String id : spooler.spoolAll(batch)) {
                    out.print(id + " ok\n");
                }
            } else {
                String then = dice < 70 ? "ok" : dice < 82 ? "retry-once" : dice < 92 ? "fail" : "error";
                JobSpec.Builder job = JobSpec.builder(AppendTask.NAME).arg("file", runs).arg("then", then);
                if (then.equals("error")) {
                    job.maxAttempts(2);
                }
                if (dice % 10 == 3) {
                    job.priority(random.nextInt(-2, 3));
                }
                out.print(spooler.spool(job.build()) + " " + then + "\n");
            }
            out.flush();
            if (maxPause > 0) {
                Thread.sleep(random.nextInt(maxPause + 1)); // pacing, not waiting for anything
            }
        }
    }
}
