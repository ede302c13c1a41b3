package io.spoolerd;

import static io.spoolerd.SpoolFiles.names;
import static io.spoolerd.SpoolFiles.read;
import static io.spoolerd.SpoolFiles.readBatch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL a real producer process at random instants: the drop zone holds whole jobs only, and every
 * id the producer was given back (it printed it) has its job on disk.
 */
class ProducerCrashTest {

    private static final int CYCLES = 5;
    private static final long START_DEADLINE_MS = 30_000;

    @TempDir
    Path tempDir;

    @Test
    void killingTheProducerAtAnyInstantLeavesWholeJobsOnly() throws Exception {
        Path dir = tempDir.resolve("spool-dir");
        Set<String> printed = new HashSet<>();
        int killedWhileRunning = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            Process producer = start(dir);
            IdReader ids = new IdReader(producer.getInputStream());
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> drain(producer.getErrorStream()));
            try {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_DEADLINE_MS);
                while (ids.count() == 0) {
                    if (!producer.isAlive()) {
                        fail("the producer exited with " + producer.exitValue() + " before spooling: " + stderr.get());
                    }
                    if (System.nanoTime() > deadline) {
                        fail("the producer printed no id within " + START_DEADLINE_MS + " ms");
                    }
                    ids.awaitMore(0, 50);
                }
                // let it run a random while, then kill -9 it wherever it is
                long runFor = ThreadLocalRandom.current().nextLong(50, 301);
                assertTrue(!producer.waitFor(runFor, TimeUnit.MILLISECONDS), "the producer is still running: " + stderr.getNow(""));
                producer.destroyForcibly();
                assertTrue(producer.waitFor(30, TimeUnit.SECONDS), "the killed producer went away");
                killedWhileRunning++;
            } finally {
                producer.destroyForcibly();
            }
            ids.join();
            printed.addAll(ids.ids());
            assertTrue(ids.ids().size() > 0);
        }
        assertEquals(CYCLES, killedWhileRunning);
        assertTrue(printed.size() >= CYCLES, "ids printed: " + printed.size());

        // Now look at the drop zone as the daemon would.
        Set<String> onDisk = new HashSet<>();
        List<String> hiddenLeftovers = new ArrayList<>();
        for (String name : names(dir)) {
            Path p = dir.resolve(name);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                assertTrue(SpoolFiles.LAYOUT.contains(name), "unexpected directory " + name);
                continue;
            }
            assertTrue(Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS), name);
            switch (JobNames.kindOf(name)) {
                case JOB -> {
                    JobFile job = read(p); // throws on a partial file
                    assertEquals("echo", job.task());
                    assertEquals(JobNames.idOf(name), job.id(), name);
                    assertTrue(onDisk.add(job.id()), "one file per id: " + name);
                }
                case BATCH -> {
                    List<JobFile> jobs = readBatch(p); // every line whole
                    assertEquals(3, jobs.size(), name);
                    assertEquals(jobs.get(0).id() + ".jsonl", name);
                    for (JobFile job : jobs) {
                        assertTrue(onDisk.add(job.id()), "one job per id: " + name);
                    }
                }
                case IGNORED -> {
                    // a temp file the kill interrupted: allowed only under a hidden name, which readers skip
                    assertTrue(name.startsWith(".") && name.endsWith(".tmp"), "a non-hidden leftover: " + name);
                    hiddenLeftovers.add(name);
                }
            }
        }
        assertTrue(hiddenLeftovers.size() <= CYCLES, "at most one leftover per kill: " + hiddenLeftovers);
        Set<String> missing = new HashSet<>(printed);
        missing.removeAll(onDisk);
        assertEquals(Set.of(), missing, "every id handed back to the producer has its job");
        // jobs whose id was not printed yet (killed between rename and print) are whole too, and few
        assertTrue(onDisk.size() - printed.size() <= 3 * CYCLES, "unprinted jobs: " + (onDisk.size() - printed.size()));
    }

    @Test
    void producerProcessesRacingForTheSameIdsGetEachOneOnce() throws Exception {
        Path dir = tempDir.resolve("spool-dir");
        int producers = 3;
        int ids = 40;
        List<Process> running = new ArrayList<>();
        try {
            List<java.io.BufferedReader> outs = new ArrayList<>();
            for (int i = 0; i < producers; i++) {
                Process p = start(RacingProducerMain.class, dir.toString(), String.valueOf(ids));
                running.add(p);
                outs.add(new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)));
            }
            for (java.io.BufferedReader out : outs) {
                assertEquals("ready", out.readLine()); // blocks until that JVM is up; a dead one gives null
            }
            for (Process p : running) { // all go at once
                p.getOutputStream().write('\n');
                p.getOutputStream().flush();
            }
            java.util.Map<String, Integer> accepted = new java.util.HashMap<>();
            for (java.io.BufferedReader out : outs) {
                for (int i = 0; i < ids; i++) {
                    String line = out.readLine();
                    assertTrue(line != null && line.matches("(ok|dup) race-\\d+"), "line: " + line);
                    if (line.startsWith("ok ")) {
                        accepted.merge(line.substring(3), 1, Integer::sum);
                    }
                }
            }
            for (Process p : running) {
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), drain(p.getErrorStream()));
            }
            for (int i = 0; i < ids; i++) {
                assertEquals(1, accepted.getOrDefault("race-" + i, 0), "race-" + i + " accepted once");
            }
            List<String> jobs = names(dir).stream().filter(n -> JobNames.kindOf(n) == JobNames.Kind.JOB).toList();
            assertEquals(ids, jobs.size(), jobs.toString());
        } finally {
            running.forEach(Process::destroyForcibly);
        }
    }

    private static Process start(Path dir) throws IOException {
        return start(ProducerMain.class, dir.toString());
    }

    private static Process start(Class<?> main, String... args) throws IOException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // surefire may put a manifest-only jar on java.class.path; its own property has the real test class path
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(javaBin, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", classPath, main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).start();
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Reads the producer's stdout; only whole lines (ending in a newline) count as printed ids. */
    private static final class IdReader {
        private final List<String> ids = new ArrayList<>();
        private final Thread thread;

        IdReader(InputStream in) {
            thread = new Thread(() -> {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        for (int i = 0; i < n; i++) {
                            if (buf[i] == '\n') {
                                add(line.toString(StandardCharsets.US_ASCII));
                                line.reset();
                            } else {
                                line.write(buf[i]);
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // the pipe closes when the process dies
                }
            }, "producer-stdout");
            thread.setDaemon(true);
            thread.start();
        }

        private synchronized void add(String id) {
            if (id.length() != 26) {
                throw new IllegalStateException("not an id: " + id);
            }
            ids.add(id);
            notifyAll();
        }

        synchronized int count() {
            return ids.size();
        }

        /** Waits up to {@code millis} for more than {@code have} ids. */
        synchronized void awaitMore(int have, long millis) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            for (long left = millis; ids.size() <= have && left > 0; left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) {
                wait(left);
            }
        }

        void join() throws InterruptedException {
            thread.join(30_000);
            if (thread.isAlive()) {
                throw new AssertionError("the producer's stdout did not close");
            }
        }

        synchronized List<String> ids() {
            return List.copyOf(ids);
        }
    }
}
