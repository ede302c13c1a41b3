package io.spoolerd.internal.daemon;

import io.spoolerd.internal.worker.WorkerMain;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * How a worker process is started: {@code java}, the worker JVM options ({@code --worker-jvm-opts},
 * default {@link DaemonConfig#DEFAULT_WORKER_JVM_OPTS}), the worker class-data archive when there is
 * one ({@link WorkerArchive}), the daemon's class path plus {@code --classpath}, and {@link WorkerMain}.
 */
final class WorkerCommand {

    private static volatile Optional<Path> cacheDir;
    private static final String TRAINING_JOB = "archive-training.json";
    private static final String TRAINING_TASK = "spoolerd-archive-training-no-such-task";

    private WorkerCommand() {}

    /**
     * The process builder of a new worker. When workers can have a class-data archive but it is not
     * made yet, this starts making it in the background; the workers started meanwhile go without.
     */
    static ProcessBuilder of(DaemonConfig config) {
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
                            () -> archive.createInBackground(opts -> train(config.withWorkerJvmOpts(opts)))));
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
     * Runs a training worker, one that is no slot of the daemon's, in a private temporary directory:
     * it says hello, is named one job there, and is told to exit. True when it went so within
     * {@link WorkerArchive#TRAIN_TIMEOUT}.
     *
     * <p>The job is of a task no worker has, so nothing runs, but the worker claims and parses it,
     * so the classes of that path go into the archive too (an idle worker never loads them). Its
     * JSON is one that {@code SimpleJson} reads: Jackson's {@code ObjectMapper}, which a worker
     * builds only for unusual job files, then stays out of the archive (6 MB less archive, 2.4 MiB
     * less resident in each idle worker; docs/performance.md, optimisation 19).
     */
    private static boolean train(DaemonConfig config) throws IOException, InterruptedException {
        Path tmp = Files.createTempDirectory("spoolerd-archive-training");
        try {
            Path drop = Files.createDirectory(tmp.resolve("drop"));
            Path claims = Files.createDirectory(tmp.resolve("claims"));
            Files.writeString(drop.resolve(TRAINING_JOB), "{\"task\":\"" + TRAINING_TASK + "\",\"args\":{\"n\":1,\"s\":\"x\\n\u00e9\",\"a\":[true,null,1.5]}}");
            return train(config, drop, claims);
        } finally {
            try (Stream<Path> files = Files.walk(tmp)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static boolean train(DaemonConfig config, Path drop, Path claims) throws IOException, InterruptedException {
        CompletableFuture<Worker> ready = new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> exited = new CompletableFuture<>();
        Worker worker = Worker.start(-1, config, drop, claims, event -> {
            if (event instanceof Worker.Ready r) {
                ready.complete(r.worker());
            } else if (event instanceof Worker.Result) {
                done.complete(null);
            } else if (event instanceof Worker.Exited) {
                IOException gone = new IOException("exited before it was done");
                ready.completeExceptionally(gone);
                done.completeExceptionally(gone);
                exited.complete(null);
            }
        });
        long deadline = System.nanoTime() + WorkerArchive.TRAIN_TIMEOUT.toNanos();
        try {
            ready.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            worker.assign(List.of(new Worker.Assignment(TRAINING_JOB, 0)), System.currentTimeMillis());
            done.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            worker.retire();
            exited.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            worker.kill("training for the class-data archive failed: " + e);
            return false;
        }
    }
}
