package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Daemons on other machines (another boot id or PID namespace): their pid cannot be checked, so
 * their claims are returned only once their heartbeat is older than their lease, never while it is
 * fresh. Simulated twice: a hand-written record of a daemon on another host, and a real daemon in
 * its own PID namespace ({@code unshare -p}), killed with SIGKILL.
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class LeaseTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final long LEASE_MS = 2000;
    private static final Pattern DAEMON_ID = Pattern.compile("INFO\\s+spoolerd (\\S+) on ");

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
    void claimsOfADaemonOnAnotherHostReturnOnlyAfterItsLeaseExpired() throws Exception {
        Spooler spooler = Spooler.open(spool);
        String id = spooler.spool(JobSpec.builder(AppendTask.NAME).arg("file", runs.toString()).build());
        // a daemon elsewhere claimed it: its claims directory and its record, with a fresh heartbeat
        String other = "otherhost-4242-abc123";
        Path claims = Files.createDirectories(spool.resolve(".spoolerd/claims").resolve(other));
        Path job = SpoolFiles.onlyJob(spool);
        Files.move(job, claims.resolve(job.getFileName()));
        // The other daemon beats every 100 ms from before this one starts (a slow start must not outlast its lease)
        // until more than two of its leases (and many of the observer's checks) have passed: its claim must stay.
        java.util.concurrent.atomic.AtomicLong beat = new java.util.concurrent.atomic.AtomicLong(heartbeat(other, System.currentTimeMillis()));
        java.util.concurrent.ScheduledExecutorService beating = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        long lastBeat;
        DaemonProcess daemon;
        try {
            beating.scheduleWithFixedDelay(() -> beat.set(heartbeat(other, System.currentTimeMillis())), 100, 100,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--lease", "1", "--keep-done");
            DaemonProcess.during(Duration.ofMillis(2 * LEASE_MS + 500), () -> {
                assertTrue(Files.exists(claims.resolve(job.getFileName())), "the claim of a daemon with a fresh heartbeat was taken"
                        + daemon.describe());
                assertEquals(List.of(), SpoolFiles.lines(runs), "the job ran while its owner's lease was fresh");
            });
        } finally {
            beating.shutdownNow();
            beating.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            lastBeat = beat.get();
        }

        // It goes silent: after its lease (its own lease_ms) the job is returned, runs, and counts an attempt.
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(id), "the job to run after the lease expired", daemon);
        long ranAt = System.currentTimeMillis();
        assertTrue(ranAt >= lastBeat + LEASE_MS, "returned " + (lastBeat + LEASE_MS - ranAt) + " ms before the lease expired");
        String returned = daemon.awaitLog("daemon " + other + " is gone: returned 1 claimed job", WAIT);
        assertTrue(logMillis(returned) >= lastBeat + LEASE_MS, "returned at " + returned + ", lease until " + (lastBeat + LEASE_MS));
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("done")).size() == 1, "the job in done/", daemon);
        JsonNode done = SpoolFiles.readJson(SpoolFiles.onlyJob(spool.resolve("done")));
        assertEquals(2, done.path("attempts").asInt(), done.toString());
        assertTrue(done.path("history").get(0).path("error").asText().contains("daemon " + other + " died"), done.toString());
        // the dead daemon's directory and record are gone
        awaitCondition(WAIT, () -> !Files.exists(claims) && !Files.exists(record(other)), "the dead daemon's leftovers removed", daemon);
    }

    @Test
    void aDaemonInAnotherPidNamespaceKilledHasItsClaimReturnedOnlyAfterItsLease() throws Exception {
        assumeTrue(Shell.succeeds("unshare", "-p", "-f", "--mount-proc", "--kill-child", "true"),
                "needs unshare -p (root, util-linux) to put a daemon in its own PID namespace");
        String hold = "hold=echo \"$SPOOL_JOB_ID $SPOOL_ATTEMPT\" >> '" + runs + "'; [ \"$SPOOL_ATTEMPT\" = 1 ] && sleep 60; exit 0";
        DaemonProcess elsewhere = DaemonProcess.start(spool, List.of("unshare", "-p", "-f", "--mount-proc", "--kill-child"), Map.of(),
                List.of("--processes", "1", "--frequency", "0.2", "--lease", "2", "--task", hold));
        elsewhere.awaitReady(1);
        String elsewhereId = matchGroup(elsewhere.awaitLog(DAEMON_ID, WAIT), DAEMON_ID);
        assertTrue(elsewhereId.contains("-1-"), "pid 1 in its own namespace: " + elsewhereId);
        String id = Spooler.open(spool).spool("hold", Map.of());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(id + " 1"), "the job to start in the namespaced daemon", elsewhere);

        DaemonProcess here = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--lease", "2", "--task", hold);
        // Both live: here must not touch the other's claim while it beats (a few of its own checks).
        DaemonProcess.during(Duration.ofMillis(2 * LEASE_MS), () -> assertEquals(List.of(id + " 1"), SpoolFiles.lines(runs),
                "the claim of a live daemon elsewhere was taken" + here.describe()));
        assertEquals(List.of(), here.logLines(0, Pattern.compile("is gone")));

        elsewhere.kill9();
        // Read at once: one lease later the daemon here may have returned the claim and removed the record.
        // A heartbeat written after this read (while the kill lands) only makes the checks below weaker, never wrong.
        long lastBeat = SpoolFiles.readJson(record(elsewhereId)).path("heartbeat").asLong();
        elsewhere.awaitExit(WAIT);
        awaitCondition(WAIT, () -> elsewhere.survivors().isEmpty(), "the namespace's processes to die with it", elsewhere);

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(id + " 2"), "the job to run again here", here);
        long ranAt = System.currentTimeMillis();
        assertTrue(ranAt >= lastBeat + LEASE_MS, "returned " + (lastBeat + LEASE_MS - ranAt) + " ms before the lease expired");
        String returned = here.awaitLog("daemon " + Pattern.quote(elsewhereId) + " is gone: returned 1 claimed job", WAIT);
        assertTrue(logMillis(returned) >= lastBeat + LEASE_MS, returned + " before " + (lastBeat + LEASE_MS));
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool).isEmpty() && SpoolFiles.claims(spool).isEmpty(), "the job done", here);
        System.out.printf("LeaseTest: a daemon in another PID namespace: last heartbeat %d, claim returned %d ms after it (lease %d ms)%n",
                lastBeat, logMillis(returned) - lastBeat, LEASE_MS);
    }

    // --- helpers -------------------------------------------------------------------------------------

    private Path record(String daemonId) {
        return spool.resolve(".spoolerd/daemons").resolve(daemonId + ".json");
    }

    /** Writes (atomically) the record of a daemon on another machine with this heartbeat; returns it. */
    private long heartbeat(String daemonId, long heartbeat) {
        ObjectNode r = SpoolFiles.JSON.createObjectNode();
        r.put("version", 1).put("heartbeat", heartbeat).put("lease_ms", LEASE_MS).put("started", heartbeat - 60_000)
                .put("spool_dir", "/mnt/shared/spool").put("processes", 1).put("stopping", false);
        r.putObject("identity").put("id", daemonId).put("host", "otherhost")
                .put("boot_id", "00000000-0000-4000-8000-000000000001").put("pid_namespace", "pid:[4026531836]")
                .put("pid", 4242).put("process_start", heartbeat - 60_000);
        try {
            Path temp = record(daemonId).resolveSibling("." + daemonId + ".tmp");
            Files.write(temp, SpoolFiles.JSON.writeValueAsBytes(r));
            Files.move(temp, record(daemonId), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return heartbeat;
    }

    /** The time stamp at the start of a daemon log line, in epoch milliseconds. */
    private static long logMillis(String line) {
        return java.time.Instant.parse(line.substring(0, line.indexOf(' '))).toEpochMilli();
    }

    private static String matchGroup(String line, Pattern p) {
        Matcher m = p.matcher(line);
        assertTrue(m.find(), line);
        return m.group(1);
    }

}
