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
        try (Stream<Path> s = Files.list(root.resolve(".spoolerd/spares"))) {
            System.out.println("spares before exit: " + s.count());
        }
    }
}
