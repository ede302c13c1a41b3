package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a worker or of the daemon loses no job and leaves no process behind. */
@ExtendWith(DaemonProcess.Cleanup.class)
class DaemonCrashTest {

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

    /** Records "id attempt" and hangs on the first attempt; later attempts finish at once. */
    String slowOnFirstAttempt() {
        return "slow=echo \"$SPOOL_JOB_ID $SPOOL_ATTEMPT\" >> '" + runs + "'; if [ \"$SPOOL_ATTEMPT\" = 1 ]; then sleep 60; fi";
    }

    /** The worker whose command is running (it has a child process). */
    static ProcessHandle busyWorker(DaemonProcess daemon) {
        List<ProcessHandle> busy = daemon.workers().stream().filter(w -> w.children().findAny().isPresent())
                .collect(Collectors.toList());
        assertEquals(1, busy.size(), "one busy worker among " + daemon.workers());
        return busy.get(0);
    }

    @Test
    void killedWorkerJobRunsAgainAndThePoolIsWholeAgain() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, "--frequency", "0.2", "--retry-delay", "0.2",
                "--task", slowOnFirstAttempt());
        String id = Spooler.open(spool).spool("slow", Map.of());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(id + " 1"), "the first attempt to start", daemon);
        awaitCondition(WAIT, () -> daemon.workers().stream().anyMatch(w -> w.children().findAny().isPresent()),
                "the worker's command", daemon);
        ProcessHandle victim = busyWorker(daemon);
        Set<Long> before = daemon.workers().stream().map(ProcessHandle::pid).collect(Collectors.toSet());

        victim.destroyForcibly();

        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(id + " 2"), "the job to run again", daemon);
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool).isEmpty() && SpoolFiles.claims(spool).isEmpty(),
                "the job to complete", daemon);
        daemon.awaitLog("job " + id + " ok: task=slow attempt=2", WAIT);
        List<ProcessHandle> after = daemon.awaitWorkers(2, WAIT);
        assertFalse(after.stream().anyMatch(w -> w.pid() == victim.pid()), "the killed worker is not counted");
        assertEquals(1, after.stream().filter(w -> !before.contains(w.pid())).count(), "one new worker");
        awaitCondition(WAIT, () -> daemon.survivors().stream().noneMatch(p -> p.info().commandLine().orElse("").contains("sleep 60")),
                "the killed worker's command to be killed too", daemon);
        assertEquals(List.of(), SpoolFiles.jobs(spool.resolve("failed")));

        // an idle worker killed is replaced too
        ProcessHandle idle = after.get(0);
        idle.destroyForcibly();
        awaitCondition(WAIT, () -> daemon.workers().size() == 2 && daemon.workers().stream().noneMatch(w -> w.pid() == idle.pid()),
                "the killed idle worker to be replaced", daemon);
    }

    @Test
    void killedDaemonJobCompletesAfterARestartWithOneMoreAttempt() {
        DaemonProcess first = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--keep-done",
                "--task", slowOnFirstAttempt());
        String id = Spooler.open(spool).spool("slow", Map.of());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(id + " 1"), "the first attempt to start", first);

        first.kill9();
        first.awaitExit(WAIT);
        // its worker and command notice and go
        try {
            awaitCondition(WAIT, () -> first.survivors().isEmpty(), "the first daemon's processes to exit", first);
        } catch (AssertionError e) { // seen once in a full run, not reproduced: say which process stayed
            throw new AssertionError(e.getMessage() + "\nstill running: " + first.survivors().stream()
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList(), e);
        }

        DaemonProcess second = DaemonProcess.start(spool, "--processes", "1", "--frequency", "0.2", "--keep-done",
                "--task", slowOnFirstAttempt());
        awaitCondition(WAIT, () -> SpoolFiles.jobs(spool.resolve("done")).size() == 1, "the job in done/", second);
        assertEquals(List.of(id + " 1", id + " 2"), SpoolFiles.lines(runs));
        JsonNode job = SpoolFiles.readJson(SpoolFiles.onlyJob(spool.resolve("done")));
        assertEquals(id, job.path("id").asText());
        assertEquals(2, job.path("attempts").asInt(), "the interrupted attempt counts");
        assertEquals(2, job.path("history").size(), job.toString());
        assertEquals("error", job.path("history").get(0).path("outcome").asText());
        assertTrue(job.path("history").get(0).path("error").asText().contains("died"), job.toString());
        assertEquals("ok", job.path("history").get(1).path("outcome").asText());
        assertEquals(List.of(), SpoolFiles.jobs(spool));
        assertEquals(List.of(), SpoolFiles.claims(spool));
    }

    /**
     * A worker deleting finished claims off its job thread (a slow disk) renames each to a hidden
     * name first; killed before its deleter got to one, it leaves that file, which the daemon
     * removes when the worker's exit comes in, not only when the daemon stops.
     */
    @Test
    void aKilledWorkersFinishedClaimsAreRemoved() throws IOException {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 2, "--frequency", "0.2");
        Path claims;
        try (var owners = Files.list(spool.resolve(".spoolerd").resolve("claims"))) {
            claims = owners.findFirst().orElseThrow();
        }
        Path leftover = Files.writeString(claims.resolve(".01M94MEBWBXZE7932SWRZQMKE7.json.finished"), "{\"task\":\"noop\"}");
        Path other = Files.writeString(claims.resolve(".someone-elses.tmp"), "");

        daemon.workers().get(0).destroyForcibly();

        awaitCondition(WAIT, () -> !Files.exists(leftover), "the finished claim to be removed", daemon);
        daemon.awaitWorkers(2, WAIT);
        assertTrue(Files.exists(other), "other hidden files are left alone while the daemon runs");
    }

    /**
     * A command forking in a loop when its daemon dies: a kill of the processes listed a moment
     * before misses those forked since, which then run on (the orphaned first attempt of a job
     * that a restarted daemon runs again). The group kill reaches them all.
     */
    @Test
    void aCommandForkingWhenTheDaemonIsKilledLeavesNothingBehind() {
        String marker = "67." + ProcessHandle.current().pid() + System.nanoTime() % 1000;
        Path started = tmp.resolve("out").resolve("started");
        DaemonProcess daemon = DaemonProcess.startReady(spool, 1, "--frequency", "0.2", "--task",
                "forky=touch '" + started + "'; i=0; while [ $i -lt 400 ]; do sleep " + marker + " & i=$((i+1)); done; wait");
        Spooler.open(spool).spool("forky", Map.of());
        try {
            awaitCondition(WAIT, () -> Files.exists(started) && !sleepers(marker).isEmpty(), "the command to fork", daemon);
            daemon.kill9();
            daemon.awaitExit(WAIT);
            awaitCondition(Duration.ofSeconds(10), () -> sleepers(marker).isEmpty(),
                    "every process the command forked to be gone", daemon);
        } finally {
            sleepers(marker).forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * A supervisor that SIGKILLs the daemon's whole process group (supervisord's killasgroup,
     * {@code timeout -s KILL}) kills the running commands too: they stay in that group.
     */
    @Test
    void aKillOfTheDaemonsProcessGroupTakesTheCommandsWithIt() throws InterruptedException {
        assumeTrue(Shell.succeeds("setsid", "--version"), "needs setsid (util-linux)");
        String marker = "68." + ProcessHandle.current().pid() + System.nanoTime() % 1000;
        Path started = tmp.resolve("out").resolve("started");
        // setsid: the daemon leads a group of its own, so that the test's JVM is not in the group killed
        DaemonProcess daemon = DaemonProcess.start(spool, List.of("setsid"), Map.of(), List.of("--processes", "1",
                "--frequency", "0.2", "--task", "slow=touch '" + started + "'; sleep " + marker + "; true"));
        daemon.awaitReady(1);
        Spooler.open(spool).spool("slow", Map.of());
        try {
            awaitCondition(WAIT, () -> !sleepers(marker).isEmpty(), "the command to run", daemon);
            assertTrue(Shell.succeeds("kill", "-s", "KILL", "--", "-" + daemon.pid()), "kill the daemon's group");
            daemon.awaitExit(WAIT);
            awaitCondition(Duration.ofSeconds(10), () -> sleepers(marker).isEmpty(), "the command to be gone with its group", daemon);
        } finally {
            sleepers(marker).forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static List<ProcessHandle> sleepers(String marker) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").endsWith("sleep " + marker))
                .collect(Collectors.toList());
    }

    @Test
    void workersExitWhenTheDaemonIsKilled() {
        DaemonProcess daemon = DaemonProcess.startReady(spool, 3, "--frequency", "0.2", "--task", slowOnFirstAttempt());
        String id = Spooler.open(spool).spool("slow", Map.of());
        awaitCondition(WAIT, () -> SpoolFiles.lines(runs).contains(id + " 1"), "the job to start", daemon);
        awaitCondition(WAIT, () -> daemon.workers().stream().anyMatch(w -> w.children().findAny().isPresent()),
                "the worker's command", daemon);
        List<ProcessHandle> workers = daemon.workers();
        assertEquals(3, workers.size());
        List<ProcessHandle> everything = daemon.survivors(); // workers, and the busy one's command

        daemon.kill9();
        daemon.awaitExit(WAIT);

        awaitCondition(Duration.ofSeconds(10), () -> workers.stream().noneMatch(ProcessHandle::isAlive),
                "every worker of the killed daemon to exit", daemon);
        awaitCondition(Duration.ofSeconds(10), () -> everything.stream().noneMatch(ProcessHandle::isAlive),
                "the running command to be gone too", daemon);
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.parent().map(pp -> pp.pid() == daemon.pid()).orElse(false)
                && DaemonProcess.isWorker(p)), "no worker whose parent was the daemon");

        // its record is left behind, but stop sees that the daemon is gone
        CliProcess.Result stop = CliProcess.run(WAIT, "stop", "--spool-dir", spool.toString());
        assertEquals(3, stop.exitCode(), stop.toString());
    }
}
