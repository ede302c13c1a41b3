package io.spoolerd.cli;

import static io.spoolerd.cli.DaemonProcess.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash torture: producer processes spool durably while two daemons run the jobs, and every few
 * hundred milliseconds one of them (a producer, a daemon, sometimes in the middle of a graceful
 * stop, or one worker) is killed with SIGKILL and replaced. Then one clean daemon drains the
 * directory and the invariant is checked:
 * <ul>
 *   <li>every job a producer was told was accepted ran at least once or is in failed/;</li>
 *   <li>no job file is left in the drop zone or in a claims directory, and only the final daemon's
 *       (empty) claims directory and record are left;</li>
 *   <li>every job file in failed/ parses (nothing partial); bad/ holds only the files the test
 *       dropped as deliberately bad (and their reasons);</li>
 *   <li>no process of a killed daemon is left.</li>
 * </ul>
 * CI runs a bounded number of kills within a time budget; a release check runs many more:
 * {@code bench/torture --kills 1000} ({@code -Dtorture.kills=N}, {@code -Dtorture.seconds=S} for the
 * chaos budget, {@code -Dtorture.seed=X} to replay a schedule).
 */
@ExtendWith(DaemonProcess.Cleanup.class)
class TortureTest {

    static final int KILLS = Integer.getInteger("torture.kills", 100);
    static final Duration CHAOS_BUDGET = Duration.ofSeconds(Long.getLong("torture.seconds", KILLS <= 100 ? 65 : 3L * KILLS));
    static final long SEED = Long.getLong("torture.seed", System.nanoTime());
    static final List<String> DAEMON_OPTIONS = List.of("--processes", "2", "--frequency", "0.2", "--retry-delay", "0.1",
            "--retry-max-delay", "1", "--lease", "2", "--bad-grace", "0.3", "--grace", "0.5");
    static final int PRODUCERS = 2;
    static final int DAEMONS = 2;
    private static final Pattern DAEMON_ID = Pattern.compile("INFO\\s+spoolerd (\\S+) on ");

    @TempDir
    Path tmp;
    Path spool;
    Path runs;
    Path producerErrors;

    private final Random random = new Random(SEED);
    private final Map<String, String> accepted = new ConcurrentHashMap<>();
    private final List<Producer> allProducers = new ArrayList<>();
    private final List<DaemonProcess> allDaemons = new ArrayList<>();
    private final Set<String> deliberatelyBad = new TreeSet<>();
    private int producerKills;
    private int daemonKills;
    private int daemonKillsWhileStopping;
    private int workerKills;

    @BeforeEach
    void dirs() throws IOException {
        spool = tmp.resolve("spool");
        Path out = Files.createDirectories(tmp.resolve("out"));
        runs = out.resolve("runs");
        producerErrors = out.resolve("producer-errors");
    }

    @Test
    void killNineAtRandomInstantsLosesNoJob() throws Exception {
        System.out.printf("TortureTest: up to %d kills within %d s, seed %d (-Dtorture.seed=%d replays the schedule)%n",
                KILLS, CHAOS_BUDGET.toSeconds(), SEED, SEED);
        long t0 = System.nanoTime();
        Producer[] producers = new Producer[PRODUCERS];
        DaemonProcess[] daemons = new DaemonProcess[DAEMONS];
        for (int i = 0; i < DAEMONS; i++) {
            daemons[i] = startDaemon();
        }
        for (int i = 0; i < PRODUCERS; i++) {
            producers[i] = startProducer();
        }
        daemons[0].awaitReady(2);
        awaitCondition(Duration.ofSeconds(60), () -> !accepted.isEmpty(), "the first accepted job", daemons[0]);

        long chaosEnd = System.nanoTime() + CHAOS_BUDGET.toNanos();
        int cycle = 0;
        while (kills() < KILLS && System.nanoTime() < chaosEnd) {
            cycle++;
            pause(50 + random.nextInt(350)); // a random instant: the schedule, not a wait for a condition
            if (cycle % 25 == 0) {
                dropDeliberatelyBad(cycle);
            }
            int dice = random.nextInt(100);
            int d = random.nextInt(DAEMONS);
            int p = random.nextInt(PRODUCERS);
            // Most kills wait until the victim works (a JVM takes a second or more to start on a busy machine, and
            // jobs must flow); one in four may land anywhere, startup and recovery included.
            boolean anywhere = random.nextInt(4) == 0;
            if (dice < 30 && (ready(daemons[d]) || anywhere)) {
                if (dice < 8) {
                    // SIGTERM, then SIGKILL somewhere in the graceful stop
                    daemons[d].sigterm();
                    pause(random.nextInt(400));
                    if (killDaemon(daemons[d])) {
                        daemonKillsWhileStopping++;
                    }
                } else {
                    killDaemon(daemons[d]);
                }
                daemons[d] = startDaemon();
            } else if (dice >= 30 && dice < 45 && (producers[p].printed() > 0 || anywhere)) {
                killProducer(producers[p]);
                producers[p] = startProducer();
            } else {
                List<ProcessHandle> workers = daemons[d].workers();
                if (!workers.isEmpty()) {
                    ProcessHandle victim = workers.get(random.nextInt(workers.size()));
                    if (victim.isAlive() && victim.destroyForcibly()) {
                        workerKills++;
                    }
                }
            }
        }
        int ranDuringChaos = SpoolFiles.lines(runs).size();
        long chaosMillis = (System.nanoTime() - t0) / 1_000_000;
        int chaosKills = kills();

        // The end: kill everything wherever it is, then one clean daemon drains the directory.
        for (Producer p : producers) {
            killProducer(p);
        }
        for (DaemonProcess d : daemons) {
            killDaemon(d);
        }
        for (Producer p : allProducers) {
            p.awaitEnd();
        }
        awaitCondition(Duration.ofSeconds(60), () -> allDaemons.stream().allMatch(d -> d.survivors().isEmpty()),
                "every process of the killed daemons to exit (workers notice the end of their stdin)");
        Map<String, String> jobs = Map.copyOf(accepted);
        assertTrue(ranDuringChaos > 0, "jobs ran during the chaos");

        long drainStart = System.nanoTime();
        DaemonProcess last = startDaemon();
        String lastId = matchGroup(last.awaitLog(DAEMON_ID, Duration.ofSeconds(60)), DAEMON_ID);
        Path claimsRoot = spool.resolve(".spoolerd/claims");
        Path records = spool.resolve(".spoolerd/daemons");
        Duration drainLimit = Duration.ofSeconds(Math.max(120, jobs.size() / 20));
        awaitCondition(drainLimit, () -> SpoolFiles.jobs(spool).isEmpty() && SpoolFiles.claims(spool).isEmpty()
                        && entries(claimsRoot).equals(List.of(lastId)) && entries(records).equals(List.of(lastId + ".json"))
                        && missing(jobs).isEmpty(),
                "the drain: an empty queue, no claims or records but the last daemon's, and every accepted job run or failed"
                        + " (missing now: " + describeMissing(jobs) + ")", last);
        long drainMillis = (System.nanoTime() - drainStart) / 1_000_000;

        // Invariant
        List<String> ran = SpoolFiles.lines(runs);
        Set<String> ranIds = new HashSet<>(ran);
        Map<String, Integer> failedIds = failedJobs();
        assertEquals(List.of(), missing(jobs), "accepted jobs that neither ran nor are in failed/");
        Map<String, Integer> perMode = new HashMap<>();
        jobs.values().forEach(m -> perMode.merge(m, 1, Integer::sum));
        for (Map.Entry<String, String> job : jobs.entrySet()) {
            if (job.getValue().equals("fail") || job.getValue().equals("error")) {
                assertTrue(failedIds.containsKey(job.getKey()), "a job that fails ended in failed/: " + job);
            }
        }
        long okInFailed = jobs.entrySet().stream().filter(e -> !e.getValue().equals("fail") && !e.getValue().equals("error")
                && failedIds.containsKey(e.getKey())).count();
        assertEquals(List.of(), SpoolFiles.jobs(spool), "job files left in the drop zone");
        assertEquals(List.of(), SpoolFiles.claims(spool), "claimed files left behind");
        assertEquals(List.of(lastId), entries(claimsRoot), "claims directories left behind");
        assertEquals(List.of(lastId + ".json"), entries(records), "daemon records left behind");
        Set<String> expectedBad = new TreeSet<>();
        deliberatelyBad.forEach(n -> {
            expectedBad.add(n);
            expectedBad.add(n + ".reason");
        });
        awaitCondition(Duration.ofSeconds(30), () -> new TreeSet<>(SpoolFiles.files(spool.resolve("bad"))).equals(expectedBad),
                "bad/ to hold exactly the deliberately bad files " + expectedBad + ", has " + SpoolFiles.files(spool.resolve("bad")), last);
        List<String> strays = SpoolFiles.files(spool).stream().filter(n -> !n.startsWith(".")).toList();
        assertEquals(List.of(), strays, "regular files in the root");
        long producerTemps = SpoolFiles.files(spool).stream().filter(n -> n.startsWith(".") && n.endsWith(".tmp")).count();
        // retry-once and error (max_attempts 2) jobs run twice by design; more runs are repeats after crashes
        Map<String, Integer> runsPerJob = new HashMap<>();
        ran.forEach(id -> runsPerJob.merge(id, 1, Integer::sum));
        long extraRuns = jobs.entrySet().stream().mapToLong(e -> Math.max(0, runsPerJob.getOrDefault(e.getKey(), 0)
                - (e.getValue().equals("retry-once") || e.getValue().equals("error") ? 2 : 1))).sum();
        // allowed (a claim returned from a dead daemon counts an attempt), but worth knowing
        long failedUnrun = failedIds.keySet().stream().filter(id -> !ranIds.contains(id)).count();

        last.sigterm();
        assertEquals(0, last.awaitExit(Duration.ofSeconds(30)), last.describe());
        assertEquals(List.of(), entries(claimsRoot), "the last daemon removes its claims directory when it stops");

        long totalSeconds = (System.nanoTime() - t0) / 1_000_000_000;
        System.out.printf("TortureTest: survived %d kills (%d of producers, %d of daemons of which %d during a graceful stop,"
                        + " %d of workers; %d at the end) in %d ms of chaos; %d daemons started.%n",
                kills(), producerKills, daemonKills, daemonKillsWhileStopping, workerKills, kills() - chaosKills, chaosMillis,
                allDaemons.size());
        System.out.printf("TortureTest: %d jobs accepted %s; %d runs (%d during the chaos), %d more than the outcomes ask for (repeats after crashes);"
                        + " %d files in failed/ for %d jobs (%d ok/retry jobs among them, %d that never ran: attempts used up by"
                        + " crashes);"
                        + " %d bad files as dropped;"
                        + " %d producer temp files left (ignored); drain %d ms; total %d s; seed %d%n",
                jobs.size(), new java.util.TreeMap<>(perMode), ran.size(), ranDuringChaos, extraRuns,
                failedIds.values().stream().mapToInt(Integer::intValue).sum(), failedIds.size(), okInFailed, failedUnrun,
                deliberatelyBad.size(), producerTemps, drainMillis, totalSeconds, SEED);
    }

    // --- processes ---------------------------------------------------------------------------------

    private static final Pattern READY = Pattern.compile("INFO\\s+tasks: ");

    private static boolean ready(DaemonProcess d) {
        return d.isAlive() && !d.logLines(0, READY).isEmpty();
    }

    private int kills() {
        return producerKills + daemonKills + workerKills;
    }

    private DaemonProcess startDaemon() {
        DaemonProcess d = DaemonProcess.start(spool, DAEMON_OPTIONS);
        allDaemons.add(d);
        return d;
    }

    /** SIGKILL of a daemon that still runs; true when it did. */
    private boolean killDaemon(DaemonProcess d) {
        if (!d.isAlive()) {
            return false;
        }
        d.kill9();
        daemonKills++;
        return true;
    }

    private Producer startProducer() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(DaemonProcess.JVM_OPTS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TortureProducer.class.getName(),
                spool.toString(), runs.toString(), "30"));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(producerErrors.toFile())).start();
        Producer producer = new Producer(p, accepted);
        allProducers.add(producer);
        return producer;
    }

    private void killProducer(Producer p) {
        if (p.process.isAlive()) {
            p.process.destroyForcibly();
            producerKills++;
        }
    }

    /** A producer process and the ids it printed: only whole lines count (a kill may cut the last one). */
    static final class Producer {
        final Process process;
        private final Thread reader;
        private final java.util.concurrent.atomic.AtomicInteger printed = new java.util.concurrent.atomic.AtomicInteger();

        Producer(Process process, Map<String, String> accepted) {
            this.process = process;
            this.reader = new Thread(() -> read(process.getInputStream(), accepted, printed), "producer-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        int printed() {
            return printed.get();
        }

        private static void read(InputStream raw, Map<String, String> accepted, java.util.concurrent.atomic.AtomicInteger printed) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try (InputStream in = new BufferedInputStream(raw)) {
                for (int b; (b = in.read()) >= 0; ) {
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    String[] f = line.toString(StandardCharsets.US_ASCII).split(" ");
                    line.reset();
                    if (f.length != 2) {
                        throw new AssertionError("producer printed a malformed line: " + String.join(" ", f));
                    }
                    accepted.put(f[0], f[1]);
                    printed.incrementAndGet();
                }
            } catch (IOException e) {
                // killed
            }
        }

        void awaitEnd() throws InterruptedException {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                fail("producer " + process.pid() + " did not exit after SIGKILL");
            }
            reader.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    // --- the directory -------------------------------------------------------------------------------

    private void dropDeliberatelyBad(int cycle) {
        String name = "deliberately-bad-" + cycle + ".json";
        SpoolFiles.drop(spool, name, "{\"task\": \"append\", this is not JSON");
        deliberatelyBad.add(name);
    }

    /** Accepted ids that neither ran nor are in failed/. */
    private List<String> missing(Map<String, String> jobs) {
        Set<String> ran = new HashSet<>(SpoolFiles.lines(runs));
        Set<String> failed;
        try {
            failed = failedJobs().keySet();
        } catch (RuntimeException e) {
            return List.of("(failed/ being written)");
        }
        return jobs.keySet().stream().filter(id -> !ran.contains(id) && !failed.contains(id)).sorted().limit(20)
                .collect(Collectors.toList());
    }

    /** Where the missing jobs are now, for the failure message. */
    private String describeMissing(Map<String, String> jobs) {
        List<String> missing = missing(jobs);
        if (missing.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        try (Stream<Path> all = Files.walk(spool)) {
            List<Path> files = all.toList();
            for (String id : missing) {
                b.append(id).append(" (").append(jobs.get(id)).append(") at ")
                        .append(files.stream().filter(f -> f.getFileName().toString().contains(id))
                                .map(f -> spool.relativize(f).toString()).toList()).append("; ");
            }
        } catch (IOException | UncheckedIOException e) {
            b.append(missing);
        }
        return b.toString();
    }

    /** The ids of the jobs in failed/ and how many files each has there; every file must be a whole job. */
    private Map<String, Integer> failedJobs() {
        Map<String, Integer> ids = new HashMap<>();
        Path failed = spool.resolve("failed");
        for (String name : SpoolFiles.jobs(failed)) {
            JsonNode job = SpoolFiles.readJson(failed.resolve(name));
            String id = job.path("id").asText(null);
            if (id == null) {
                throw new AssertionError("failed/" + name + " has no id: " + job);
            }
            ids.merge(id, 1, Integer::sum);
        }
        return ids;
    }

    private static List<String> entries(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            return List.of("(unreadable: " + e + ")");
        }
    }

    private static String matchGroup(String line, Pattern p) {
        Matcher m = p.matcher(line);
        assertTrue(m.find(), line);
        return m.group(1);
    }

    /** Waits a given time: the chaos schedule's random instants (conditions are polled with awaitCondition). */
    private static void pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    static String now() {
        return Instant.now().toString();
    }
}
