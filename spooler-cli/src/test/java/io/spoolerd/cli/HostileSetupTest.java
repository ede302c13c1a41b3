package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile or broken spool directory around a running daemon: a symlinked spool directory, one
 * removed under it, unwritable failed/ and bad/, unreadable files (the daemon run as an
 * unprivileged user), a locale that cannot decode file names. Each with its log line, nothing
 * lost, and the daemon still serving.
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class HostileSetupTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    @TempDir
    Path tmp;
    Path spool;
    Path out;
    Path runs;
    private final List<Path> immutable = new ArrayList<>();

    @BeforeEach
    void dirs() throws IOException {
        spool = tmp.resolve("spool");
        out = Files.createDirectories(tmp.resolve("out"));
        runs = out.resolve("runs");
    }

    @org.junit.jupiter.api.AfterEach
    void mutableAgain() throws Exception {
        for (Path p : immutable) {
            Shell.succeeds("chattr", "-i", p.toString()); // or the temp dir cannot be deleted
        }
    }

    private String spoolAppend(String then) {
        return Spooler.open(spool).spool(JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).arg("then", then).build());
    }

    private void assertStillServing(DaemonProcess daemon) {
        String id = spoolAppend("ok");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(id), "a good job to run", daemon);
    }

    @Test
    void aSpoolDirectoryThatIsASymlinkIsFollowedOnceAtStart() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("real-spool"));
        Path other = Files.createDirectories(tmp.resolve("other-spool"));
        Path link = Files.createSymbolicLink(tmp.resolve("spool-link"), real);
        DaemonProcess daemon = DaemonProcess.startReady(link, 1, "--frequency", "0.2");
        daemon.awaitLog("INFO\\s+spoolerd \\S+ on " + Pattern.quote(real.toRealPath().toString()) + ":", WAIT);

        String viaLink = Spooler.open(link).spool(JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).build());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(viaLink), "a job spooled through the link to run", daemon);

        // Pointing the link elsewhere does not move the daemon: it resolved the link once, at start.
        Files.delete(link);
        Files.createSymbolicLink(link, other);
        String elsewhere = Spooler.open(other).spool(JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).build());
        String inReal = Spooler.open(real).spool(JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).build());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(inReal), "a job in the real directory to run", daemon);
        DaemonProcess.during(Duration.ofMillis(600), () -> assertFalse(SpoolFiles.lines(runs).contains(elsewhere),
                "the daemon followed the link again"));
        assertEquals(1, SpoolFiles.jobs(other).size(), "the other directory's job is untouched");
    }

    @Test
    void aSpoolDirectoryRemovedWhileRunningIsCreatedAgain() throws Exception {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2");
        assertStillServing(daemon);
        Shell.succeeds("rm", "-rf", spool.toString());

        daemon.awaitLog("ERROR\\s+the spool directory " + Pattern.quote(tmp.toRealPath().resolve("spool").toString())
                + " disappeared; creating it again", WAIT);
        awaitCondition(WAIT, () -> Files.isDirectory(spool.resolve(".spoolerd/claims")) && Files.isDirectory(spool.resolve("failed")),
                "the layout to be back", daemon);
        assertStillServing(daemon);
        assertEquals(0700, mode(spool), "created again with its mode");
    }

    @Test
    void unwritableFailedAndBadDirectoriesLoseNothingAndTheMovesHappenOnceTheyAreWritable() throws Exception {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--bad-grace", "0.3");
        Path failed = spool.resolve("failed");
        Path bad = spool.resolve("bad");
        Runnable restoreFailed = makeUnwritable(failed);
        Runnable restoreBad = makeUnwritable(bad);
        String id = spoolAppend("fail");
        SpoolFiles.drop(spool, "garbage.json", "not json at all");

        // failed/: the job stays claimed, and the move is tried again every tick
        daemon.awaitLog("job " + id + " fail: task=append .*but cannot move it to failed/ .*tried again every tick", WAIT);
        awaitCondition(WAIT, () -> SpoolFiles.claims(spool).size() == 1, "the job to stay claimed", daemon);
        // bad/: the file stays where it is
        daemon.awaitLog("ERROR\\s+could not move bad file garbage.json to bad/", WAIT);
        assertTrue(Files.exists(spool.resolve("garbage.json")), "left in place, not lost");
        assertStillServing(daemon);
        assertEquals(1, SpoolFiles.claims(spool).size(), "still claimed, not lost");

        restoreFailed.run();
        restoreBad.run();
        daemon.awaitLog("INFO\\s+job " + id + " moved to failed/\\S+ at last", WAIT);
        awaitCondition(WAIT, () -> SpoolFiles.jobs(failed).size() == 1 && SpoolFiles.claims(spool).isEmpty(), "the job in failed/", daemon);
        JsonNode job = SpoolFiles.readJson(SpoolFiles.onlyJob(failed));
        assertEquals(id, job.path("id").asText());
        assertEquals("fail", job.path("history").get(0).path("outcome").asText());
        awaitCondition(WAIT, () -> Files.exists(bad.resolve("garbage.json")) && Files.exists(bad.resolve("garbage.json.reason")),
                "garbage.json in bad/ once it is writable", daemon);
        daemon.awaitLog("WARN\\s+bad job file garbage.json moved to bad/garbage.json", WAIT);
        assertFalse(Files.exists(spool.resolve("garbage.json")));
    }

    @Test
    void anUnreadableFileIsReportedAndMovedToBad() throws Exception {
        assumeTrue(ROOT, "needs root, to run the daemon as another user (setpriv)");
        assumeTrue(Shell.succeeds("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "true"), "needs setpriv (util-linux)");
        // As root the daemon could read anything: run it as nobody, on a spool directory nobody owns.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        UserPrincipal nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.createDirectories(spool);
        Files.setOwner(spool, nobody);
        Files.setOwner(out, nobody);
        Map<String, String> env = Map.of("HOME", tmp.toString());
        DaemonProcess daemon = DaemonProcess.start(spool, List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), env,
                readableClassPath(), List.of("--processes", "1", "--frequency", "0.2", "--bad-grace", "0.3"));
        daemon.awaitReady(1);
        awaitCondition(WAIT, () -> Files.isDirectory(spool.resolve("bad")), "the layout", daemon);

        // a hand-dropped file and one with a name the API would write, both readable by root only
        Path secret = Files.writeString(tmp.resolve(".secret.tmp"), "{\"task\":\"append\",\"args\":{\"file\":\"" + runs + "\"}}");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.move(secret, spool.resolve("secret.json"));
        String canonical = "01JQ" + "Y".repeat(22) + ".json";
        Path secret2 = Files.writeString(tmp.resolve(".secret2.tmp"), "{\"task\":\"append\",\"args\":{\"file\":\"" + runs + "\"}}");
        Files.setPosixFilePermissions(secret2, PosixFilePermissions.fromString("rw-------"));
        Files.move(secret2, spool.resolve(canonical));

        daemon.awaitLog("WARN\\s+bad job file secret.json moved to bad/secret.json: secret.json: cannot read: permission denied", WAIT);
        daemon.awaitLog("WARN\\s+bad job file " + Pattern.quote(canonical) + " moved to bad/\\S+: .*permission denied", WAIT);
        assertEquals(List.of(canonical, canonical + ".reason", "secret.json", "secret.json.reason"), SpoolFiles.files(spool.resolve("bad")));
        assertEquals(List.of(), SpoolFiles.claims(spool));
        // and it goes on serving jobs it can read
        Path good = Files.writeString(tmp.resolve(".good.tmp"), "{\"task\":\"append\",\"id\":\"readable\",\"args\":{\"file\":\"" + runs + "\"}}");
        Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(good, spool.resolve("good.json"));
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains("readable"), "a readable job to run", daemon);
        assertTrue(daemon.logLines(0, Pattern.compile("cannot read claimed job")).size() <= 1,
                "no stream of errors: " + daemon.logLines(0, Pattern.compile("cannot read claimed job")));
    }

    @Test
    void aLocaleThatCannotDecodeFileNamesIsWarnedAboutAndSuchNamesReported() throws Exception {
        DaemonProcess daemon = DaemonProcess.start(spool, List.of(), Map.of("LC_ALL", "C", "LANG", "C"),
                List.of("--processes", "1", "--frequency", "0.2")).awaitReady(1);
        daemon.awaitLog("WARN\\s+file names are decoded as ANSI_X3.4-1968 .*run spoolerd in a UTF-8 locale", WAIT);
        SpoolFiles.drop(spool, "ünïcødé.json", "{\"task\":\"append\",\"id\":\"unicode\",\"args\":{\"file\":\"" + runs + "\"}}");
        daemon.awaitLog("WARN\\s+\\S+\\.json in the drop zone has a name that is not valid in the file-name charset", WAIT);
        assertTrue(Files.exists(spool.resolve("ünïcødé.json")), "left alone");
        assertStillServing(daemon);
    }

    // --- helpers -------------------------------------------------------------------------------------

    /**
     * Makes a directory unwritable even for root: {@code chattr +i} where the file system allows it,
     * else the directory is swapped for a regular file (moves into it fail as well). Returns the undo.
     */
    private Runnable makeUnwritable(Path dir) throws Exception {
        if (ROOT && Shell.succeeds("chattr", "+i", dir.toString())) {
            immutable.add(dir);
            return () -> {
                try {
                    assertTrue(Shell.succeeds("chattr", "-i", dir.toString()));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
        }
        Path aside = dir.resolveSibling(dir.getFileName() + ".aside");
        Files.move(dir, aside);
        Files.writeString(dir, "not a directory");
        return () -> {
            try {
                Files.delete(dir);
                Files.move(aside, dir);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
    }

    /** The test class path with every entry another user cannot read (the Maven repository under /root) copied. */
    private String readableClassPath() throws Exception {
        Path copies = Files.createDirectories(tmp.resolve("classpath"));
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.startsWith("/root") && Files.isRegularFile(p)) {
                Path copy = copies.resolve(entries.size() + "-" + p.getFileName());
                Files.copy(p, copy);
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                entries.add(copy.toString());
            } else if (entry.startsWith("/root") && Files.isDirectory(p)) {
                Path copy = copies.resolve(entries.size() + "-dir");
                try (Stream<Path> tree = Files.walk(p)) {
                    for (Path f : (Iterable<Path>) tree::iterator) {
                        Path target = copy.resolve(p.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(target);
                        } else {
                            Files.copy(f, target);
                        }
                    }
                }
                Shell.succeeds("chmod", "-R", "a+rX", copy.toString());
                entries.add(copy.toString());
            } else {
                entries.add(entry);
            }
        }
        Shell.succeeds("chmod", "a+rx", copies.toString());
        return String.join(File.pathSeparator, entries);
    }

    static int mode(Path p) throws IOException {
        int mode = 0;
        for (var perm : Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)) {
            mode |= 1 << (8 - perm.ordinal());
        }
        return mode;
    }

}
