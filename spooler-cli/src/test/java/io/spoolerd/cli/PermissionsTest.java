package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the daemon creates is private by default (files 0600, directories 0700), {@code --umask}
 * widens it for a group, and {@code start} warns loudly about a spool directory anyone can write to
 * (whoever can write there can queue work for the operator's tasks).
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class PermissionsTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    Path spool;
    Path runs;

    @BeforeEach
    void dirs() throws IOException {
        spool = tmp.resolve("spool");
        runs = Files.createDirectories(tmp.resolve("out")).resolve("runs");
    }

    @Test
    void everythingTheDaemonCreatesIsPrivateByDefault() throws Exception {
        Map<String, Integer> modes = exercise(List.of());
        Map<String, Integer> expected = new TreeMap<>();
        for (String dir : List.of(".", ".spoolerd", ".spoolerd/claims", ".spoolerd/claims/<daemon>", ".spoolerd/daemons", "failed",
                "bad", "done")) {
            expected.put(dir, 0700);
        }
        for (String file : List.of(".spoolerd/daemons/<daemon>.json", "bad/garbage.json.reason", "failed/<failed job>",
                "failed/hand-fail.json", "done/<done job>", "<retried job>")) {
            expected.put(file, 0600);
        }
        expected.put("bad/garbage.json", 0644); // the producer's file, moved as it was
        assertEquals(expected, modes);
    }

    @Test
    void umask027SharesWithTheGroup() throws Exception {
        Map<String, Integer> modes = exercise(List.of("--umask", "027"));
        Map<String, Integer> expected = new TreeMap<>();
        for (String dir : List.of(".", ".spoolerd", ".spoolerd/claims", ".spoolerd/claims/<daemon>", ".spoolerd/daemons", "failed",
                "bad", "done")) {
            expected.put(dir, 0750);
        }
        for (String file : List.of(".spoolerd/daemons/<daemon>.json", "bad/garbage.json.reason", "failed/<failed job>",
                "failed/hand-fail.json", "done/<done job>", "<retried job>")) {
            expected.put(file, 0640);
        }
        expected.put("bad/garbage.json", 0644);
        assertEquals(expected, modes);
    }

    /**
     * Starts a daemon on a new spool directory and has it create what it creates: its layout and
     * record, a bad file and its reason, jobs moved to failed/ and done/, a rewritten retry. Returns
     * the mode of each.
     */
    private Map<String, Integer> exercise(List<String> options) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("--processes", "1", "--frequency", "0.2", "--bad-grace", "0.2",
                "--keep-done", "--retry-delay", "30"));
        all.addAll(options);
        DaemonProcess daemon = DaemonProcess.start(spool, all).awaitReady(1);
        String daemonId = SpoolFiles.files(spool.resolve(".spoolerd/daemons")).stream().filter(n -> n.endsWith(".json"))
                .findFirst().orElseThrow().replace(".json", "");

        // garbage written by a producer with its own umask (0644 here)
        Path garbage = Files.writeString(tmp.resolve(".garbage.tmp"), "not json");
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(garbage, spool.resolve("garbage.json"));
        Path handFail = Files.writeString(tmp.resolve(".hand-fail.tmp"), "{\"task\":\"append\",\"args\":{\"file\":\"" + runs
                + "\",\"then\":\"fail\"}}");
        Files.setPosixFilePermissions(handFail, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(handFail, spool.resolve("hand-fail.json"));
        Spooler spooler = Spooler.open(spool);
        String failed = spooler.spool(job("fail"));
        String done = spooler.spool(job("ok"));
        String retried = spooler.spool(job("retry-once")); // retried in 50 ms: its rewrite is what we look at...
        awaitCondition(WAIT, () -> SpoolFiles.files(spool.resolve("bad")).size() == 2 && SpoolFiles.jobs(spool.resolve("failed")).size() == 2
                && SpoolFiles.jobs(spool.resolve("done")).size() >= 1, "a bad file, two failed jobs and a done one", daemon);
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(retried), "the retried job's first run", daemon);
        // ...so catch it rewritten: a job retried after 30 s (--retry-delay) waits in the drop zone, rewritten
        String waiting = spooler.spool(JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).arg("then", "error").build());
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool).stream().anyMatch(n -> n.startsWith(waiting + "-t")), "the rewritten retry", daemon);
        String rewritten = SpoolFiles.jobs(spool).stream().filter(n -> n.startsWith(waiting + "-t")).findFirst().orElseThrow();

        Map<String, Integer> modes = new TreeMap<>();
        for (String dir : List.of(".", ".spoolerd", ".spoolerd/claims", ".spoolerd/daemons", "failed", "bad", "done")) {
            modes.put(dir, HostileSetupTest.mode(spool.resolve(dir)));
        }
        modes.put(".spoolerd/claims/<daemon>", HostileSetupTest.mode(spool.resolve(".spoolerd/claims").resolve(daemonId)));
        modes.put(".spoolerd/daemons/<daemon>.json", HostileSetupTest.mode(spool.resolve(".spoolerd/daemons").resolve(daemonId + ".json")));
        modes.put("bad/garbage.json", HostileSetupTest.mode(spool.resolve("bad/garbage.json")));
        modes.put("bad/garbage.json.reason", HostileSetupTest.mode(spool.resolve("bad/garbage.json.reason")));
        modes.put("failed/<failed job>", HostileSetupTest.mode(spool.resolve("failed").resolve(failed + ".json")));
        modes.put("failed/hand-fail.json", HostileSetupTest.mode(spool.resolve("failed/hand-fail.json")));
        modes.put("done/<done job>", HostileSetupTest.mode(spool.resolve("done").resolve(done + ".json")));
        modes.put("<retried job>", HostileSetupTest.mode(spool.resolve(rewritten)));
        return modes;
    }

    private JobSpec job(String then) {
        return JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).arg("then", then).build();
    }

    @Test
    void startWarnsLoudlyWhenOthersCanWriteTheSpoolDirectory() throws Exception {
        Files.createDirectories(spool);
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxrwxrwx"));
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2");
        daemon.awaitLog("WARN\\s+\\*\\*\\* .*spool is writable by other users: anyone who can write there can queue work for your tasks \\*\\*\\*",
                WAIT);

        DaemonProcess.closeAll();
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwx------"));
        DaemonProcess quiet = DaemonProcess.startReady(spool, 1, "--frequency", "0.2");
        assertEquals(List.of(), quiet.logLines(0, java.util.regex.Pattern.compile("writable by other users")));
    }
}
