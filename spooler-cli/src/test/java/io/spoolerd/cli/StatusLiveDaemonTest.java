package io.spoolerd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.spoolerd.Spooler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code status} against a real daemon process running a real {@code sleep} job. */
class StatusLiveDaemonTest {

    @TempDir
    Path tmp;

    private Process daemon;
    private List<ProcessHandle> children = List.of();

    @AfterEach
    void killDaemon() throws InterruptedException {
        if (daemon == null) {
            return;
        }
        List<ProcessHandle> all = new java.util.ArrayList<>(children);
        daemon.descendants().forEach(all::add);
        daemon.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
        daemon.waitFor(20, TimeUnit.SECONDS);
        for (ProcessHandle h : all) {
            h.onExit().completeOnTimeout(h, 20, TimeUnit.SECONDS).join();
        }
    }

    @Test
    @Timeout(90)
    void statusShowsTheWorkerRunningASleepJobWithItsProgress() throws Exception {
        Path spool = tmp.resolve("spool");
        Path log = tmp.resolve("daemon.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        daemon = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.spoolerd.cli.Main",
                "start", "--spool-dir", spool.toString(), "--processes", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String id = Spooler.open(spool).spool("sleep", Map.of("duration", 60));

        JsonNode worker = null;
        JsonNode status = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (worker == null) {
            OpsCli.Result r = OpsCli.run(spool, "status", "--json");
            if (r.code() == 0) {
                status = r.json();
                for (JsonNode w : status.get("daemons").get(0).get("workers")) {
                    if (id.equals(w.get("job_id").asText(null)) && !w.get("progress").isNull()) {
                        worker = w;
                    }
                }
            }
            if (worker != null) {
                break;
            }
            if (daemon.waitFor(100, TimeUnit.MILLISECONDS)) { // paces the polling, and notices a daemon that died
                fail("the daemon exited with " + daemon.exitValue() + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            if (System.nanoTime() > deadline) {
                fail("no worker reported progress on " + id + " in time; last status: " + r + "\nlog:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
        }
        children = daemon.descendants().toList();

        assertTrue(status.get("alive").asBoolean());
        JsonNode d = status.get("daemons").get(0);
        assertEquals(daemon.pid(), d.get("pid").asLong());
        assertTrue(d.get("heartbeat_age_ms").asLong() < d.get("lease_ms").asLong(), d.toString());
        assertEquals("busy", worker.get("state").asText());
        assertEquals("sleep", worker.get("task").asText());
        assertEquals(1, worker.get("attempt").asInt());
        assertEquals(60, worker.get("progress").get("total").asLong());
        assertTrue(worker.get("progress").get("done").asLong() >= 1);
        assertEquals("Working...", worker.get("progress").get("message").asText());
        long workerPid = worker.get("pid").asLong();
        assertTrue(children.stream().anyMatch(h -> h.pid() == workerPid), "the worker is the daemon's child");
        JsonNode counts = status.get("counts");
        assertEquals(1, counts.get("running").asLong(), counts.toString());
        assertEquals(0, counts.get("queued").asLong(), counts.toString());

        OpsCli.Result human = OpsCli.run(spool, "status");
        assertEquals(0, human.code(), human.toString());
        assertTrue(human.out().lines().anyMatch(l -> l.contains(id) && l.contains("sleep") && l.contains("/60 Working...")),
                human.out());
        OpsCli.Result running = OpsCli.run(spool, "list", "--state", "running", "--json");
        assertEquals(id, running.jsonLines().get(0).get("id").asText());
        OpsCli.Result cancel = OpsCli.run(spool, "cancel", id);
        assertEquals(1, cancel.code());
        assertTrue(cancel.err().contains("is running and cannot be cancelled"), cancel.err());
    }
}
