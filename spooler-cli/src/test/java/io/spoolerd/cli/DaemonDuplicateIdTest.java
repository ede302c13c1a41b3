package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC 3: a dropped file whose {@code id} is that of a job still queued, scheduled or running goes
 * to bad/, whoever spooled the first one (the API, {@code submit}, a hand-dropped file).
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class DaemonDuplicateIdTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    Path spool;
    Path runs;
    Path go;

    @BeforeEach
    void dirs() throws IOException {
        spool = tmp.resolve("spool");
        Files.createDirectories(tmp.resolve("out"));
        runs = tmp.resolve("out/runs");
        go = tmp.resolve("out/go");
    }

    /** {@code record} appends the job id to {@code runs}; {@code block} does so once {@code go} exists. */
    private DaemonProcess daemon() {
        return DaemonProcess.startReady(spool, 1, "--frequency", "0.2",
                "--task", DaemonJobsTest.recordTask("record", runs),
                "--task", "block=while [ ! -e '" + go + "' ]; do sleep 0.02; done; echo \"$SPOOL_JOB_ID\" >> '" + runs + "'");
    }

    private String awaitBad(String name, DaemonProcess daemon) {
        Path reason = spool.resolve("bad").resolve(name + ".reason");
        awaitCondition(WAIT, () -> Files.exists(reason), name + " in bad/", daemon);
        try {
            return Files.readString(reason, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aDroppedJobWithTheIdOfAScheduledOneGoesToBad() {
        DaemonProcess daemon = daemon();
        Spooler spooler = Spooler.open(spool);
        Instant later = Instant.now().plus(Duration.ofHours(1));
        spooler.spool(JobSpec.builder("record").id("order-7").at(later).build());
        String arrival = spooler.spool(JobSpec.builder("record").at(later).build());

        SpoolFiles.drop(spool, "dup.json", "{\"task\":\"record\",\"id\":\"order-7\"}");
        SpoolFiles.drop(spool, "dup-arrival.json", "{\"task\":\"record\",\"id\":\"" + arrival + "\"}");
        SpoolFiles.drop(spool, "fresh.json", "{\"task\":\"record\",\"id\":\"order-8\"}");

        assertTrue(awaitBad("dup.json", daemon).contains("dup.json: a job with id \"order-7\" is already queued, scheduled or running"));
        assertTrue(awaitBad("dup-arrival.json", daemon).contains("a job with id \"" + arrival + "\" is already queued"));
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).equals(List.of("order-8")), "the job of a free id ran", daemon);
        assertEquals(2, SpoolFiles.jobs(spool).size(), "the two scheduled jobs stay");
    }

    @Test
    void aDroppedJobWithTheIdOfARunningOneGoesToBad() throws IOException {
        DaemonProcess daemon = daemon();
        Spooler spooler = Spooler.open(spool);
        spooler.spool(JobSpec.builder("block").id("api-1").build());
        awaitCondition(WAIT, () -> SpoolFiles.claims(spool).size() == 1, "the API's job running", daemon);
        SpoolFiles.drop(spool, "dup-api.json", "{\"task\":\"record\",\"id\":\"api-1\"}");
        assertTrue(awaitBad("dup-api.json", daemon).contains("a job with id \"api-1\" is already queued, scheduled or running"));

        Files.writeString(go, "");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).equals(List.of("api-1")), "the first job done", daemon);
        awaitCondition(WAIT, () -> daemon.log().stream().anyMatch(l -> l.contains("job api-1 ok")), "api-1 done", daemon);
        Files.delete(go);

        SpoolFiles.drop(spool, "first.json", "{\"task\":\"block\",\"id\":\"hand-1\"}");
        awaitCondition(WAIT, () -> SpoolFiles.claims(spool).size() == 1, "the hand-dropped job running", daemon);
        SpoolFiles.drop(spool, "second.json", "{\"task\":\"record\",\"id\":\"hand-1\"}");
        assertTrue(awaitBad("second.json", daemon).contains("(first.json)"));

        Files.writeString(go, "");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).equals(List.of("api-1", "hand-1")), "each id ran once", daemon);
        // once done (the daemon has its result: the command's line comes before its exit), the id is free again
        awaitCondition(WAIT, () -> daemon.log().stream().anyMatch(l -> l.contains("job hand-1 ok")), "hand-1 done", daemon);
        SpoolFiles.drop(spool, "third.json", "{\"task\":\"record\",\"id\":\"hand-1\"}");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).equals(List.of("api-1", "hand-1", "hand-1")), "the id used again", daemon);
        assertEquals(List.of("dup-api.json", "dup-api.json.reason", "second.json", "second.json.reason"),
                SpoolFiles.files(spool.resolve("bad")));
    }

    @Test
    void aDroppedJobWithTheIdOfOneRunningOnAnotherDaemonGoesToBad() throws IOException {
        DaemonProcess daemon = daemon();
        SpoolFiles.drop(spool, "first.json", "{\"task\":\"record\",\"id\":\"here-1\"}");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).equals(List.of("here-1")), "a hand-dropped job checked and run", daemon);
        // a daemon that came since, running a job (without its record: an orphan claims directory has a lease before recovery)
        Path elsewhere = Files.createDirectories(spool.resolve(".spoolerd/claims/otherhost-1-abc"));
        Files.writeString(elsewhere.resolve("its.json"), "{\"task\":\"record\",\"id\":\"there-1\"}");
        SpoolFiles.drop(spool, "dup.json", "{\"task\":\"record\",\"id\":\"there-1\"}");
        assertTrue(awaitBad("dup.json", daemon).contains("(its.json, running on another daemon)"));
        assertEquals(List.of("here-1"), SpoolFiles.lines(runs));
    }

    @Test
    void aNameReusedByAnotherJobFreesTheIdItHadBefore() throws IOException {
        DaemonProcess daemon = daemon();
        SpoolFiles.drop(spool, "a.json", "{\"task\":\"record\",\"id\":\"x-1\"}");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).equals(List.of("x-1")), "x-1 done", daemon);
        SpoolFiles.drop(spool, "a.json", "{\"task\":\"block\",\"id\":\"y-1\"}");
        awaitCondition(WAIT, () -> SpoolFiles.claims(spool).size() == 1, "y-1 running under the name x-1 had", daemon);
        SpoolFiles.drop(spool, "b.json", "{\"task\":\"block\",\"id\":\"x-1\"}");
        Files.writeString(go, "");
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).size() == 3, "x-1 free again, run a second time", daemon);
        assertEquals(List.of("x-1", "x-1", "y-1"), SpoolFiles.lines(runs).stream().sorted().toList());
        assertEquals(List.of(), SpoolFiles.files(spool.resolve("bad")));
    }
}
