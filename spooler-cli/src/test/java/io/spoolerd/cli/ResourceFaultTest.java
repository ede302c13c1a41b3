package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resources running out under a running daemon: a full disk (claims, retry rewrites, moves to
 * failed/, batch expansion), no file descriptors, workers that cannot start. Each gives a clear
 * error, loses nothing, never spins, and recovers once the resource is back.
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class ResourceFaultTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    @TempDir
    Path tmp;
    Path out;
    Path runs;
    private Path mounted;

    @BeforeEach
    void dirs() throws IOException {
        out = Files.createDirectories(tmp.resolve("out"));
        runs = out.resolve("runs");
    }

    @AfterEach
    void unmount() throws Exception {
        DaemonProcess.closeAll(); // before the unmount: the daemon has files open there
        if (mounted != null) {
            Shell.succeeds("umount", "-l", mounted.toString());
        }
    }

    @Test
    void aFullDiskLosesNothingSaysSoAndRecovers() throws Exception {
        assumeTrue(ROOT, "needs root to mount a small tmpfs");
        Path disk = Files.createDirectory(tmp.resolve("small"));
        assumeTrue(Shell.succeeds("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "spoolerd-test", disk.toString()), "mount -t tmpfs not allowed");
        mounted = disk;
        Path spool = disk.resolve("spool");
        Spooler spooler = Spooler.open(spool);
        Set<String> ok = new HashSet<>();
        Set<String> fail = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            ok.add(spooler.spool(job("ok")));
            ok.add(spooler.spool(job("retry-once")));
            fail.add(spooler.spool(job("fail")));
        }
        List<String> batch = spooler.spoolAll(List.of(job("ok"), job("ok"), job("ok")));
        ok.addAll(batch);
        fill(disk.resolve("filler"));

        // The daemon starts on the full disk: it can claim (a rename), run, delete and move (links), but not write.
        // --keep-done: completed jobs move to done/ instead of being deleted, so nothing frees space while it is full
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--retry-delay", "0.2", "--keep-done");
        daemon.awaitLog("WARN\\s+could not write the daemon record \\(heartbeat\\): .*No space left on device", WAIT);
        daemon.awaitLog("ERROR\\s+could not record history in \\S+: .*No space left on device", WAIT);
        daemon.awaitLog("WARN\\s+job \\S+ retry: task=append attempt=1 .*its history cannot be written: it stays claimed", WAIT);
        daemon.awaitLog("ERROR\\s+cannot expand batch \\S+\\.jsonl: .*No space left on device.*expanded again in", WAIT);
        for (String id : fail) {
            daemon.awaitLog("WARN\\s+job " + id + " fail: task=append attempt=1 .*moved to failed/", WAIT);
        }
        // the plain jobs ran (nothing to write for them)
        Set<String> plain = new HashSet<>(ok);
        plain.removeAll(batch);
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() >= 6, "the plain jobs' first runs", daemon);
        // No spin while full: the retried jobs stay claimed instead of coming back at the first delay.
        int runsWhileFull = SpoolFiles.lines(runs).size();
        DaemonProcess.during(Duration.ofSeconds(1), () -> assertEquals(runsWhileFull, SpoolFiles.lines(runs).size(),
                "jobs ran again while their history could not be written"));
        assertEquals(3, SpoolFiles.claims(spool).size(), "the three retried jobs wait in claims/: " + SpoolFiles.claims(spool));
        assertEquals(1, SpoolFiles.jobs(spool).size(), "the batch waits in the drop zone: " + SpoolFiles.jobs(spool));
        assertEquals(3, SpoolFiles.jobs(spool.resolve("failed")).size());

        int mark = daemon.mark();
        Files.delete(disk.resolve("filler"));
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).containsAll(ok) && SpoolFiles.jobs(spool).isEmpty()
                && SpoolFiles.claims(spool).isEmpty(), "every job to run once there is room", daemon);
        daemon.awaitLog(mark, l -> l.contains("history written at last, queued again"), WAIT, "the retries queued again");
        daemon.awaitLog(mark, l -> l.contains("daemon record written again"), WAIT, "the heartbeat back");
        daemon.awaitLog(mark, l -> l.matches(".*INFO\\s+batch \\S+\\.jsonl: 3 job\\(s\\) queued"), WAIT, "the batch expanded");
        assertEquals(3, SpoolFiles.jobs(spool.resolve("failed")).size());
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("done")).size() == ok.size(), "every ok job in done/", daemon);
        assertTrue(daemon.logLines(0, Pattern.compile("could not write the daemon record")).size() <= 2,
                "the heartbeat failure is not logged every second");
    }

    @Test
    void aDeadDaemonsJobKeepsItsCountedAttemptWhileTheDiskIsFull() throws Exception {
        assumeTrue(ROOT, "needs root to mount a small tmpfs");
        Path disk = Files.createDirectory(tmp.resolve("small"));
        assumeTrue(Shell.succeeds("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "spoolerd-test", disk.toString()), "mount -t tmpfs not allowed");
        mounted = disk;
        Path spool = disk.resolve("spool");
        Spooler.open(spool);
        // a daemon that died (no record left, its claims directory older than a lease) with a job claimed
        Path owner = Files.createDirectory(spool.resolve(".spoolerd/claims/host-9-gone"));
        String id = "01J0000000000000000000000D";
        SpoolFiles.write(owner.resolve(id + ".json"),
                ("{\"task\":\"append\",\"args\":{\"file\":\"" + runs + "\"}}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Files.setLastModifiedTime(owner, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Duration.ofHours(1))));
        fill(disk.resolve("filler"));

        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--retry-delay", "0.2");
        daemon.awaitLog("WARN\\s+job " + id + " error: task=append attempt=1 .*daemon host-9-gone died while the job was claimed\""
                + ", but its history cannot be written: it stays claimed", WAIT);
        DaemonProcess.during(Duration.ofSeconds(1), () -> assertEquals(List.of(), SpoolFiles.lines(runs),
                "the job ran again while its counted attempt could not be written"));
        assertEquals(1, SpoolFiles.claims(spool).size(), "the job waits in this daemon's claims: " + SpoolFiles.claims(spool));

        Files.delete(disk.resolve("filler"));
        daemon.awaitLog("INFO\\s+job " + id + ": history written at last, queued again", WAIT);
        daemon.awaitLog("INFO\\s+job " + id + " ok: task=append attempt=2 ", WAIT);
        assertEquals(List.of(id), SpoolFiles.lines(runs));
    }

    @Test
    void aWorkerThatCannotStartIsRetriedWithGrowingDelaysNotInASpin() throws Exception {
        // A jar whose service file names a class that is not there: every worker dies loading its tasks.
        Path jar = tmp.resolve("broken-tasks.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new JarEntry("META-INF/services/io.spoolerd.Task"));
            j.write("com.example.NoSuchTask\n".getBytes(StandardCharsets.US_ASCII));
            j.closeEntry();
        }
        Path spool = tmp.resolve("spool");
        String id = Spooler.open(spool).spool(job("ok"));
        DaemonProcess daemon = DaemonProcess.start(spool, "--processes", "1", "--frequency", "0.2", "--classpath", jar.toString());
        Pattern failure = Pattern.compile("ERROR\\s+worker \\d+ exited with code (\\d+) before it was ready \\(check --classpath"
                + " and --worker-jvm-opts\\); next start in (\\d+) ms");
        daemon.awaitLog(failure, WAIT);
        Duration cpuBefore = DaemonJobsTest.cpu(daemon);
        long wallBefore = System.nanoTime();
        awaitCondition(Duration.ofSeconds(60), () -> daemon.logLines(0, failure).size() >= 3, "three failed starts", daemon);
        long wall = (System.nanoTime() - wallBefore) / 1_000_000;
        long cpu = DaemonJobsTest.cpu(daemon).minus(cpuBefore).toMillis();
        assertTrue(cpu < wall / 4, "the daemon used " + cpu + " ms of CPU in " + wall + " ms of failed worker starts");
        daemon.awaitLog("com.example.NoSuchTask", WAIT); // the worker's own error, in the daemon's log

        List<Long> delays = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        for (String line : daemon.logLines(0, failure)) {
            Matcher m = failure.matcher(line);
            assertTrue(m.find());
            delays.add(Long.parseLong(m.group(2)));
            times.add(Instant.parse(line.substring(0, line.indexOf(' '))).toEpochMilli());
        }
        assertEquals(List.of(500L, 1000L, 2000L), delays.subList(0, 3), "the delay doubles");
        for (int i = 1; i < 3; i++) {
            long gap = times.get(i) - times.get(i - 1);
            assertTrue(gap >= delays.get(i - 1), "attempt " + (i + 1) + " came " + gap + " ms after the one before, not after "
                    + delays.get(i - 1) + " ms: " + times);
        }
        assertEquals(List.of(id + ".json"), SpoolFiles.jobs(spool), "the queued job waits, whole");
    }

    @Test
    void aWorkerJvmOptionTheJvmRefusesGivesAClearErrorAndABackoff() {
        Path spool = tmp.resolve("spool");
        DaemonProcess daemon = DaemonProcess.start(spool, "--processes", "1", "--frequency", "0.2", "--worker-jvm-opts", "-Xbogus");
        daemon.awaitLog("Unrecognized option: -Xbogus", WAIT);
        daemon.awaitLog("ERROR\\s+worker \\d+ exited with code 1 before it was ready \\(check --classpath and --worker-jvm-opts\\);"
                + " next start in 1000 ms", WAIT);
    }

    @Test
    void aClassPathEntryThatIsNotAJarIsRefusedAtStart() throws Exception {
        Path corrupt = Files.write(tmp.resolve("corrupt.jar"), "this is not a zip file".getBytes(StandardCharsets.US_ASCII));
        CliProcess.Result r = CliProcess.run(WAIT, "start", "--spool-dir", tmp.resolve("spool").toString(), "--classpath", corrupt.toString());
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("--classpath " + corrupt + ": not a readable jar"), r.toString());
        CliProcess.Result missing = CliProcess.run(WAIT, "start", "--spool-dir", tmp.resolve("spool").toString(),
                "--classpath", tmp.resolve("no-such.jar").toString());
        assertEquals(2, missing.exitCode(), missing.toString());
        assertTrue(missing.stderr().contains("no-such.jar: no such file or directory"), missing.toString());
    }

    @Test
    void runningOutOfFileDescriptorsLosesNothingAndRecovers() throws Exception {
        assumeTrue(Shell.succeeds("prlimit", "--version"), "needs prlimit (util-linux)");
        Path spool = tmp.resolve("spool");
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, "--frequency", "0.2");
        // Warm up: on the test class path every class is its own file, which a JVM without descriptors cannot load
        // (from the packaged jar, which stays open, it can); run the paths of a job first.
        String warm = Spooler.open(spool).spool(job("retry-once"));
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == 2 && SpoolFiles.jobs(spool).isEmpty(), "the warm-up job", daemon);
        assertEquals(List.of(warm, warm), SpoolFiles.lines(runs));
        long pid = daemon.pid();
        // From now on the daemon cannot open one more file: its limit is what it has open.
        long open;
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            open = fds.count();
        }
        String softBefore = softNofile(pid);
        // the soft limit only: lowering the hard one could not be undone without CAP_SYS_RESOURCE
        assertTrue(Shell.succeeds("prlimit", "--pid", Long.toString(pid), "--nofile=" + open + ":"), "prlimit --pid");
        int mark = daemon.mark();
        Spooler spooler = Spooler.open(spool);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(spooler.spool(job("ok")));
        }
        daemon.workers().get(0).destroyForcibly(); // its replacement needs pipes
        daemon.awaitLog(mark, l -> l.contains("Too many open files"), WAIT, "an error that says so");
        Duration cpuBefore = DaemonJobsTest.cpu(daemon);
        long wallBefore = System.nanoTime();
        DaemonProcess.during(Duration.ofSeconds(2), () -> { });
        long wall = (System.nanoTime() - wallBefore) / 1_000_000;
        long cpu = DaemonJobsTest.cpu(daemon).minus(cpuBefore).toMillis();
        int errors = daemon.logLines(mark, Pattern.compile("Too many open files")).size();
        for (String id : ids) {
            assertTrue(SpoolFiles.lines(runs).contains(id) || SpoolFiles.jobs(spool).contains(id + ".json")
                    || SpoolFiles.claims(spool).stream().anyMatch(p -> p.getFileName().toString().equals(id + ".json")), id + " is somewhere");
        }

        assertTrue(Shell.succeeds("prlimit", "--pid", Long.toString(pid), "--nofile=" + softBefore + ":"), "prlimit --pid");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).containsAll(ids) && SpoolFiles.jobs(spool).isEmpty()
                && SpoolFiles.claims(spool).isEmpty(), "every job to run once descriptors are back", daemon);
        daemon.awaitWorkers(2, WAIT);
        assertTrue(cpu < wall / 4, "the daemon used " + cpu + " ms of CPU in " + wall + " ms without descriptors");
        System.out.printf("ResourceFaultTest: without file descriptors: %d error lines in the log, %d ms CPU in %d ms%n", errors, cpu, wall);
    }

    // --- helpers -------------------------------------------------------------------------------------

    /** The soft open-files limit of a process, from /proc. */
    private static String softNofile(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits"))) {
            if (line.startsWith("Max open files")) {
                return line.substring("Max open files".length()).trim().split("\\s+")[0];
            }
        }
        throw new AssertionError("no open-files limit for " + pid);
    }

    private JobSpec job(String then) {
        return JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).arg("then", then).build();
    }

    /** Writes to {@code file} until the disk says it is full. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream o = Files.newOutputStream(file)) {
            for (int i = 0; i < 100_000; i++) {
                o.write(block);
                o.flush();
            }
        } catch (IOException e) {
            assertTrue(e.getMessage() != null && e.getMessage().contains("No space left"), e.toString());
            return;
        }
        throw new AssertionError("the small disk took 400 MB");
    }

}
