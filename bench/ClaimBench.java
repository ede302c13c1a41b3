import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * How much a claim costs, the two ways a daemon could claim a job file:
 *   rename: rename(2) the job into .spoolerd/claims/<daemon>/ (what spoolerd does), and back out;
 *   lock:   open the job file and take an exclusive lock on it (fcntl, what FileChannel.tryLock does),
 *           hold it while the job "runs" (one descriptor per held job), release and close.
 * Run: java bench/ClaimBench.java DIR [JOBS]   (DIR on the file system to measure: local disk, NFS...)
 */
public final class ClaimBench {
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]).resolve("claim-bench-" + ProcessHandle.current().pid()));
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        Path claims = Files.createDirectories(dir.resolve("claims"));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            files.add(Files.writeString(dir.resolve("job-" + i + ".json"), "{\"task\":\"noop\"}"));
        }
        for (int round = 0; round < 3; round++) { // the first rounds warm up the JIT and the caches
            long t0 = System.nanoTime();
            for (Path f : files) {
                Path c = claims.resolve(f.getFileName());
                Files.move(f, c, StandardCopyOption.ATOMIC_MOVE); // claim
                Files.move(c, f, StandardCopyOption.ATOMIC_MOVE); // give back (a finished job would be deleted instead)
            }
            long t1 = System.nanoTime();
            for (Path f : files) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
                     FileLock lock = ch.tryLock()) {
                    if (lock == null) {
                        throw new IllegalStateException("held");
                    }
                }
            }
            long t2 = System.nanoTime();
            System.out.printf("round %d: rename claim + return %.1f us/job, open + lock + unlock + close %.1f us/job (%d jobs)%n",
                    round, (t1 - t0) / 1e3 / jobs, (t2 - t1) / 1e3 / jobs, jobs);
        }
        for (Path f : files) {
            Files.delete(f);
        }
        Files.delete(claims);
        Files.delete(dir);
    }
}
