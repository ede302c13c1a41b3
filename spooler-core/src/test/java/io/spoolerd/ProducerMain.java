package io.spoolerd;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A test-only producer: spools jobs into the directory given as its argument, forever, and prints
 * every id it got back on its own line, flushed, once the call returned. {@link ProducerCrashTest}
 * kills it with SIGKILL at random instants. Every 7th round is a batch of 3 ({@code spoolAll}).
 */
public final class ProducerMain {

    private ProducerMain() {}

    public static void main(String[] args) {
        Spooler spooler = Spooler.open(Path.of(args[0]));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                java.nio.charset.StandardCharsets.US_ASCII);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (long n = 0; ; n++) {
            // sizes from a few bytes to several pages, so kills land inside multi-write files too
            String pad = "p".repeat(random.nextInt(random.nextBoolean() ? 64 : 64 * 1024));
            if (n % 7 == 6) {
                List<JobSpec> batch = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    batch.add(JobSpec.of("echo", Map.of("n", n, "i", i, "pad", pad)));
                }
                for (String id : spooler.spoolAll(batch)) {
                    out.print(id + "\n");
                }
            } else {
                out.print(spooler.spool("echo", Map.of("n", n, "pad", pad)) + "\n");
            }
            out.flush();
        }
    }
}
