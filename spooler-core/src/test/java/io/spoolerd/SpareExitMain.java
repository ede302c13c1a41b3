package io.spoolerd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/** For {@link SpareFileTest}: spools three jobs without fsync, says how many spares there are, and exits. */
public final class SpareExitMain {

    private SpareExitMain() {}

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Spooler spooler = Spooler.builder(root).durable(false).open();
        for (int i = 0; i < 3; i++) {
            spooler.spool("echo", Map.of("n", i));
        }
        Path spares = root.resolve(".spoolerd/spares");
        long deadline = System.nanoTime() + 10_000_000_000L;
        long count = 0;
        while (System.nanoTime() < deadline) { // made a few milliseconds after the last job
            if (Files.isDirectory(spares)) {
                try (Stream<Path> s = Files.list(spares)) {
                    count = s.count();
                }
            }
            if (count > 0) {
                break;
            }
            Thread.sleep(5);
        }
        System.out.println("spares before exit: " + count);
    }
}
