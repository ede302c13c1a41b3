package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken things in the drop zone, all thrown at one running daemon: each is reported
 * with a clear log line, nothing is lost (a file is left alone or moved to bad/, never deleted),
 * nothing is followed or opened that is not a regular file, and the daemon keeps serving: a good
 * job dropped afterwards runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileDropZoneTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    /** A name the API could have written (a canonical id): indexed by its name, so only the claim looks at it. */
    static final String CANONICAL = "01JQ" + "Z".repeat(22);

    Path spool;
    Path outside;
    Path runs;
    DaemonProcess daemon;
    private final AtomicInteger probes = new AtomicInteger();

    @BeforeAll
    void startDaemon(@TempDir Path tmp) throws IOException {
        spool = tmp.resolve("spool");
        outside = Files.createDirectories(tmp.resolve("outside"));
        runs = outside.resolve("runs");
        daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--bad-grace", "0.5");
    }

    /** A test that failed may have left the daemon dead or stuck: the next one gets a fresh daemon, not a cascade. */
    @org.junit.jupiter.api.BeforeEach
    void daemonAlive() {
        if (!daemon.isAlive()) {
            daemon.close();
            daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--bad-grace", "0.5");
        }
    }

    @AfterAll
    void stopDaemon() {
        DaemonProcess.closeAll();
    }

    /** A good job dropped now runs: the daemon is neither blocked nor confused. */
    private void assertStillServing() {
        String id = "probe-" + probes.incrementAndGet();
        SpoolFiles.drop(spool, id + ".json", appendJob(id));
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(id), "the good job " + id + " to run", daemon);
    }

    private String appendJob(String id) {
        return "{\"task\":\"append\",\"id\":\"" + id + "\",\"args\":{\"file\":\"" + runs + "\"}}";
    }

    private String warned(String what) {
        return daemon.awaitLog("WARN\\s+" + Pattern.quote(what), WAIT);
    }

    private String badReason(String name) throws IOException {
        Path bad = spool.resolve("bad");
        awaitCondition(WAIT, () -> Files.exists(bad.resolve(name + ".reason")), name + " in bad/ with a reason", daemon);
        assertFalse(Files.exists(spool.resolve(name), LinkOption.NOFOLLOW_LINKS), name + " left the drop zone");
        return Files.readString(bad.resolve(name + ".reason"));
    }

    @Test
    void symlinksAreReportedAndNeverFollowed() throws Exception {
        // a job outside the spool directory that would run if a link to it were followed
        Path target = outside.resolve("target.json");
        Files.writeString(target, appendJob("followed-link"));
        Path fifo = mkfifo(outside.resolve("fifo")); // following a link to it would block the daemon
        Files.createSymbolicLink(spool.resolve("to-file.json"), target);
        Files.createSymbolicLink(spool.resolve("to-fifo.json"), fifo);
        Files.createSymbolicLink(spool.resolve("to-dir.json"), outside);
        Files.createSymbolicLink(spool.resolve("dangling.json"), outside.resolve("no-such-file"));
        Files.createSymbolicLink(spool.resolve("loop-a.json"), spool.resolve("loop-b.json"));
        Files.createSymbolicLink(spool.resolve("loop-b.json"), spool.resolve("loop-a.json"));
        Files.createSymbolicLink(spool.resolve("self.json"), Path.of("self.json"));
        Files.createSymbolicLink(spool.resolve("to-file.jsonl"), target);
        Files.createSymbolicLink(spool.resolve(CANONICAL + ".json"), target);

        List<String> links = List.of("to-file.json", "to-fifo.json", "to-dir.json", "dangling.json", "loop-a.json", "loop-b.json",
                "self.json", "to-file.jsonl");
        for (String link : links) {
            warned(link + " in the drop zone is a symlink: not a job, left alone");
        }
        warned(CANONICAL + ".json in the drop zone is not a regular file: not a job, left alone");
        assertStillServing();
        for (String link : links) {
            assertTrue(Files.isSymbolicLink(spool.resolve(link)), link + " is left alone");
        }
        assertTrue(Files.isSymbolicLink(spool.resolve(CANONICAL + ".json")), "the canonical-named link is put back");
        assertFalse(SpoolFiles.lines(runs).contains("followed-link"), "a link was followed");
        assertEquals(appendJob("followed-link"), Files.readString(target), "the target is untouched");
        assertEquals(List.of(), SpoolFiles.files(spool.resolve("bad")).stream().filter(n -> !n.startsWith("probe")).toList());

        // The operator replaces a reported link by a real job of the same name: it runs.
        Path temp = Files.writeString(spool.resolve(".to-file.tmp"), appendJob("replaced-link"));
        Files.move(temp, spool.resolve("to-file.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("replaced-link"), "the job that replaced a link to run", daemon);
    }

    @Test
    void directoriesAndFifosNamedLikeJobsAreNeverOpened() throws Exception {
        Path dir = Files.createDirectory(spool.resolve("dir.json"));
        Files.writeString(dir.resolve("inner.json"), appendJob("inside-a-directory"));
        Files.createDirectory(spool.resolve("dir.jsonl"));
        Files.createDirectory(spool.resolve(CANONICAL + "-p1.json"));
        mkfifo(spool.resolve("fifo.json"));
        mkfifo(spool.resolve("fifo.jsonl"));
        mkfifo(spool.resolve(CANONICAL + "-p2.json"));

        warned("dir.json in the drop zone is a directory: not a job, left alone");
        warned("dir.jsonl in the drop zone is a directory: not a job, left alone");
        warned("fifo.json in the drop zone is not a regular file: not a job, left alone");
        warned("fifo.jsonl in the drop zone is not a regular file: not a job, left alone");
        warned(CANONICAL + "-p1.json in the drop zone is not a regular file");
        warned(CANONICAL + "-p2.json in the drop zone is not a regular file");
        assertStillServing(); // a FIFO opened for reading would have blocked the daemon's only thread
        for (String name : List.of("dir.json", "dir.jsonl", CANONICAL + "-p1.json")) {
            assertTrue(Files.isDirectory(spool.resolve(name), LinkOption.NOFOLLOW_LINKS), name + " is left alone");
        }
        for (String name : List.of("fifo.json", "fifo.jsonl", CANONICAL + "-p2.json")) {
            assertTrue(Files.exists(spool.resolve(name), LinkOption.NOFOLLOW_LINKS), name + " is left alone");
        }
        assertTrue(Files.exists(dir.resolve("inner.json")));
        assertFalse(SpoolFiles.lines(runs).contains("inside-a-directory"));
    }

    @Test
    void anEmptyFileGoesToBad() throws Exception {
        SpoolFiles.write(spool.resolve("empty.json"), new byte[0]);
        daemon.awaitLog("WARN\\s+bad job file empty.json moved to bad/empty.json: .*empty", WAIT);
        assertTrue(badReason("empty.json").contains("empty"));
        assertEquals(0, Files.size(spool.resolve("bad/empty.json")));
        assertStillServing();
    }

    @Test
    void anEmptyBatchGoesToBadInsteadOfBeingDeleted() throws Exception {
        SpoolFiles.write(spool.resolve("empty.jsonl"), new byte[0]);
        SpoolFiles.write(spool.resolve("blank.jsonl"), "\n  \n\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(badReason("empty.jsonl").contains("no job in it"));
        assertTrue(badReason("blank.jsonl").contains("no job in it"));
        daemon.awaitLog("WARN\\s+bad job file empty.jsonl moved to bad/empty.jsonl", WAIT);
        assertStillServing();
    }

    @Test
    void aBatchLineThatIsNotValidUtf8GoesToBadAlone() throws Exception {
        byte[] good = (appendJob("utf8-batch-ok") + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bad = "{\"task\":\"append\",\"args\":{\"s\":\"\u00ff\"}}\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] both = new byte[good.length + bad.length];
        System.arraycopy(good, 0, both, 0, good.length);
        System.arraycopy(bad, 0, both, good.length, bad.length);
        Path temp = SpoolFiles.write(spool.resolve(".mixed.tmp"), both);
        Files.move(temp, spool.resolve("mixed.jsonl"), StandardCopyOption.ATOMIC_MOVE);
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("utf8-batch-ok"), "the good line to run", daemon);
        assertTrue(badReason("mixed.line2.json").contains("not valid UTF-8"));
        assertEquals(bad.length, Files.size(spool.resolve("bad/mixed.line2.json")), "the line as it was");
        daemon.awaitLog("INFO\\s+batch mixed.jsonl: 1 job\\(s\\) queued, 1 bad line\\(s\\) moved to bad/", WAIT);
        assertStillServing();
    }

    @Test
    void aHundredMegabyteFileGoesToBadWithoutBeingRead() throws Exception {
        long rssBefore = rssKb(daemon.pid());
        for (String name : List.of("huge.json", "huge.jsonl")) {
            Path temp = spool.resolve("." + name + ".tmp");
            try (RandomAccessFile f = new RandomAccessFile(temp.toFile(), "rw")) {
                f.setLength(100L << 20); // sparse: 100 MB of zero bytes without writing them
            }
            Files.move(temp, spool.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        }
        daemon.awaitLog("WARN\\s+bad job file huge.json moved to bad/huge.json: huge.json: 104857600 bytes, larger than --max-job-bytes 1048576",
                WAIT);
        assertTrue(badReason("huge.json").contains("larger than --max-job-bytes"));
        daemon.awaitLog("WARN\\s+bad job file huge.jsonl moved to bad/huge.jsonl: ", WAIT);
        assertEquals(100L << 20, Files.size(spool.resolve("bad/huge.json")), "moved whole");
        assertEquals(100L << 20, Files.size(spool.resolve("bad/huge.jsonl")), "moved whole");
        // a batch with one good line, then a 100 MB line: the job runs, the line is copied to bad/ on its own
        Path temp = spool.resolve(".huge-tail.tmp");
        Files.writeString(temp, appendJob("before-the-huge-line") + "\n");
        try (RandomAccessFile f = new RandomAccessFile(temp.toFile(), "rw")) {
            f.setLength(f.length() + (100L << 20));
        }
        long tail = Files.size(temp) - (100L << 20);
        Files.move(temp, spool.resolve("huge-tail.jsonl"), StandardCopyOption.ATOMIC_MOVE);
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("before-the-huge-line"), "the good line to run", daemon);
        assertTrue(badReason("huge-tail.line2.json").contains("104857600 bytes, larger than --max-job-bytes"));
        assertEquals(100L << 20, Files.size(spool.resolve("bad/huge-tail.line2.json")), "the whole line, copied");
        assertTrue(tail > 0);
        long grew = rssKb(daemon.pid()) - rssBefore;
        assertTrue(grew < 48 * 1024, "the daemon's RSS grew by " + grew + " kB: it read a file whole");
        assertStillServing();
    }

    @Test
    void deeplyNestedJsonGoesToBad() throws Exception {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        SpoolFiles.drop(spool, "deep.json", "{\"task\":\"append\",\"args\":{\"x\":" + deep + "}}");
        SpoolFiles.drop(spool, "deep-batch.jsonl", appendJob("batch-line-ok") + "\n{\"task\":\"append\",\"args\":{\"x\":" + deep + "}}\n");
        String reason = badReason("deep.json");
        assertTrue(reason.contains("nest") || reason.contains("depth"), reason);
        daemon.awaitLog("WARN\\s+bad job file deep.json moved to bad/deep.json", WAIT);
        // a batch with one deep line: the good line runs, the deep one goes to bad/ on its own
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("batch-line-ok"), "the good line of the batch to run", daemon);
        String lineReason = badReason("deep-batch.line2.json");
        assertTrue(lineReason.contains("nest") || lineReason.contains("depth"), lineReason);
        assertStillServing();
    }

    @Test
    void invalidUtf8GoesToBad() throws Exception {
        byte[] head = "{\"task\":\"append\",\"args\":{\"s\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\"}}".getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xC3; // a lead byte followed by no continuation byte
        bytes[head.length + 1] = (byte) 0x28;
        System.arraycopy(tail, 0, bytes, head.length + 2, tail.length);
        Path temp = SpoolFiles.write(spool.resolve(".latin.tmp"), bytes);
        Files.move(temp, spool.resolve("latin.json"), StandardCopyOption.ATOMIC_MOVE);
        daemon.awaitLog("WARN\\s+bad job file latin.json moved to bad/latin.json: latin.json: not valid UTF-8 at byte " + head.length,
                WAIT);
        assertEquals(bytes.length, Files.size(spool.resolve("bad/latin.json")), "moved as it was");
        assertStillServing();
    }

    @Test
    void oddNamesAreJobsLikeAnyOther() throws Exception {
        List<String> names = List.of("with space.json", "new\nline.json", "tab\there.json", "ünïcødé 日本語 ✓.json",
                "quote\"and\\backslash.json", "-leading-dash.json");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            ids.add("odd-" + i);
            SpoolFiles.drop(spool, names.get(i), appendJob("odd-" + i));
        }
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).containsAll(ids), "the jobs with odd names to run", daemon);
        for (String id : ids) {
            daemon.awaitLog("INFO\\s+job " + id + " ok: task=append", WAIT);
        }
        assertEquals(List.of(), SpoolFiles.jobs(spool));
        assertStillServing();
    }

    @Test
    void aNameCannotForgeLogLines() throws Exception {
        String forged = "2000-01-01T00:00:00Z ERROR forged by a file name";
        Files.createSymbolicLink(spool.resolve("evil\n" + forged + ".json"), Path.of("nowhere"));
        SpoolFiles.write(spool.resolve("evil\r\u001b[2J" + ".json"), "not json".getBytes(StandardCharsets.US_ASCII));
        warned("evil\\n" + forged + ".json in the drop zone is a symlink");
        daemon.awaitLog("WARN\\s+bad job file evil\\\\r\\\\x1b\\[2J\\.json moved to bad/", WAIT);
        assertEquals(List.of(), daemon.logLines(0, Pattern.compile("^" + Pattern.quote(forged))), "a forged log line");
        assertEquals(List.of(), daemon.logLines(0, Pattern.compile("\u001b")), "a raw escape character in the log");
        assertStillServing();
    }

    @Test
    void aNameThatIsNotValidUtf8IsReported() throws Exception {
        // bytes Java cannot name: the daemon cannot open or move it, but says so (once) and carries on
        assertTrue(Shell.succeeds("sh", "-c", "printf '{}' > \"$1/$(printf 'bad\\377name.json')\"", "sh", spool.toString()));
        daemon.awaitLog("WARN\\s+bad.name\\.json in the drop zone has a name that is not valid in the file-name charset", WAIT);
        assertStillServing();
        assertEquals(1, daemon.logLines(0, Pattern.compile("name that is not valid in the file-name charset")).size(), "reported once");
    }

    // --- helpers -------------------------------------------------------------------------------------

    static Path mkfifo(Path path) throws Exception {
        assertTrue(Shell.succeeds("mkfifo", path.toString()), "mkfifo " + path);
        return path;
    }


    /** The resident set size of a process, from /proc. */
    static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmRSS for " + pid);
    }
}
