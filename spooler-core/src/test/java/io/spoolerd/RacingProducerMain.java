package io.spoolerd;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * A test-only producer for {@link ProducerCrashTest}: opens the directory, prints {@code ready},
 * waits for a line on stdin, then spools one job for each id {@code race-0} .. {@code race-<n-1>}
 * and prints {@code ok <id>} or {@code dup <id>} for each.
 */
public final class RacingProducerMain {

    private RacingProducerMain() {}

    public static void main(String[] args) throws Exception {
        Spooler spooler = Spooler.open(Path.of(args[0]));
        int count = Integer.parseInt(args[1]);
        System.out.println("ready");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String id = "race-" + i;
            try {
                spooler.spool(JobSpec.builder("echo").arg("pid", ProcessHandle.current().pid()).id(id).build());
                out.append("ok ").append(id).append('\n');
            } catch (DuplicateJobException e) {
                out.append("dup ").append(id).append('\n');
            }
        }
        System.out.print(out);
        System.out.flush();
    }
}
