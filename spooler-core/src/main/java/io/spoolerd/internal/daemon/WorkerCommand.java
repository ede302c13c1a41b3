package io.spoolerd.internal.daemon;

import io.spoolerd.internal.worker.WorkerMain;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a worker process is started: {@code java}, the worker JVM options ({@code --worker-jvm-opts},
 * default {@link DaemonConfig#DEFAULT_WORKER_JVM_OPTS}), the worker class-data archive when there is
 * one ({@link WorkerArchive}), the daemon's class path plus {@code --classpath}, and {@link WorkerMain}.
 */
final class WorkerCommand {

    private static volatile Optional<Path> cacheDir;

    private WorkerCommand() {}

    /**
     * The process builder of a new worker. When workers can have a class-data archive but it is not
     * made yet, this starts making it in the background; the workers started meanwhile go without.
     */
    static ProcessBuilder of(DaemonConfig config, Path spoolRoot) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = classPath(config);
        List<String> command = new ArrayList<>();
        command.add(java);
        if (WorkerArchive.eligible(config.workerJvmOpts, classPath)) { // before any look at the cache directory
            long uid = CacheDirectory.currentUid();
            // first, so that the operator's options come after them (a -Xlog:cds there is not silenced)
            WorkerArchive.of(java, config.workerJvmOpts, classPath, cacheDir(uid), uid).ifPresent(archive ->
                    archive.usable().ifPresentOrElse(
                            file -> command.addAll(WorkerArchive.options(file)),
                            () -> archive.createInBackground(opts -> train(config.withWorkerJvmOpts(opts), spoolRoot))));
        }
        command.addAll(config.workerJvmOpts);
        command.add("-cp");
        command.add(classPath);
        command.add(WorkerMain.class.getName());
        return new ProcessBuilder(command);
    }

    static String classPath(DaemonConfig config) {
        StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
        for (Path extra : config.classpath) {
            cp.append(File.pathSeparator).append(extra.toAbsolutePath());
        }
        return cp.toString();
    }

    private static Optional<Path> cacheDir(long uid) {
        Optional<Path> dir = cacheDir;
        if (dir == null) {
            dir = CacheDirectory.find(CacheDirectory.candidates(System.getenv(), System.getProperty("user.home"),
                    System.getProperty("java.io.tmpdir"), uid), uid);
            cacheDir = dir;
        }
        return dir;
    }

    /**
     * Runs a training worker, one that is no slot of the daemon's: until it said hello, then closes
     * its stdin and waits for its exit. True when it went so within {@link WorkerArchive#TRAIN_TIMEOUT}.
     */
    private static boolean train(DaemonConfig config, Path spoolRoot) throws IOException, InterruptedException {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        CompletableFuture<Void> exited = new CompletableFuture<>();
        // it is never named a job, so it never claims one: any claims directory will do
        Worker worker = Worker.start(-1, config, spoolRoot, spoolRoot, event -> {
            if (event instanceof Worker.Ready) {
                ready.complete(null);
            } else if (event instanceof Worker.Exited) {
                ready.completeExceptionally(new IOException("exited before it was ready"));
                exited.complete(null);
            }
        });
        long deadline = System.nanoTime() + WorkerArchive.TRAIN_TIMEOUT.toNanos();
        try {
            ready.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            worker.retire();
            exited.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            worker.kill("training for the class-data archive failed: " + e);
            return false;
        }
    }
}
