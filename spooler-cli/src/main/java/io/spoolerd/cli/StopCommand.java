package io.spoolerd.cli;

import io.spoolerd.internal.daemon.DaemonIdentity;
import io.spoolerd.internal.daemon.DaemonRegistry;
import io.spoolerd.internal.store.FileModes;
import io.spoolerd.internal.store.SpoolDirectory;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spoolerd stop}: a graceful stop (SIGTERM) of every daemon on the spool directory on this machine. */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop every daemon on the spool directory on this host gracefully (as SIGTERM does) "
            + "and wait for them to exit. Exits 3 when none is running.")
final class StopCommand implements Callable<Integer> {

    @Mixin
    SpoolDirOption spoolDir;

    @Option(names = "--no-wait", description = "Return at once instead of waiting for the daemons to exit.")
    boolean noWait;

    @Option(names = "--wait", paramLabel = "SECONDS", converter = Durations.class,
            description = "Wait at most this long (default: until they exit).")
    Duration wait;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(spoolDir.path())) {
            // No directory, no daemon: the same answer (exit 3) as an empty one, not a runtime error.
            throw new ExitCodes.NoDaemonException("no daemon is running on " + spoolDir.path().toAbsolutePath().normalize()
                    + ": there is no spool directory there");
        }
        SpoolDirectory dir = SpoolDirectory.existing(spoolDir.path(), FileModes.DEFAULT);
        DaemonIdentity me = DaemonIdentity.current(java.time.Instant.now());
        List<ProcessHandle> stopping = new ArrayList<>();
        for (DaemonRegistry.Record r : new DaemonRegistry(dir).records()) {
            DaemonIdentity d = r.identity();
            if (me.sameMachine(d) && DaemonIdentity.processAlive(d.pid(), d.processStart())) {
                ProcessHandle.of(d.pid()).ifPresent(h -> {
                    h.destroy();
                    stopping.add(h);
                    System.out.println("stopping daemon " + d.id() + " (pid " + d.pid() + ")");
                });
            }
        }
        if (stopping.isEmpty()) {
            throw new ExitCodes.NoDaemonException("no daemon is running on " + dir.root() + " on this host");
        }
        if (noWait) {
            return ExitCodes.OK;
        }
        long deadline = wait == null ? Long.MAX_VALUE : System.nanoTime() + wait.toNanos();
        for (ProcessHandle h : stopping) {
            while (h.isAlive()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("daemon pid " + h.pid() + " still running after " + wait.toSeconds() + " s");
                }
                try {
                    h.onExit().get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    // keep waiting
                }
            }
        }
        System.out.println("stopped");
        return ExitCodes.OK;
    }
}
