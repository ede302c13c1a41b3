package io.spoolerd.bench;

import io.spoolerd.JobSpec;
import io.spoolerd.Spooler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The side-by-side benchmark behind {@code bench/run}: spoolerd, the uWSGI spooler and the disk's
 * own limit, measured in one run, printed as one table. Every wait has a deadline; every process
 * started is stopped at the end (see {@link Procs}).
 */
public final class Bench {

    // ---- settings --------------------------------------------------------------------------

    private final Path repo;
    private final Path work;
    private final boolean quick;
    private final String uwsgi;        // path of the uwsgi binary, or null
    private final String uwsgiMissing; // why there is none
    private final Set<String> only;
    private final String machine;
    private final Path benchJar;
    private final Path launcher;
    private final Path jar;

    private final int durableN;
    private final int fastN;
    private final int batchSize;
    private final int batchJobs;
    private final int cliN;
    private final int drainN;
    private final int latencyN;
    private final int latencyUwsgiN;
    private final int latencyWarmup;
    private final int millionN;
    private final int millionWindow;
    private final int futureN;
    private final int idleSeconds;

    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Double> results = new HashMap<>();
    private long dirCounter;

    private Bench(Map<String, String> opts) {
        this.repo = Path.of(opts.getOrDefault("repo", ".")).toAbsolutePath().normalize();
        this.work = Path.of(opts.getOrDefault("work", repo.resolve("bench/work").toString())).toAbsolutePath().normalize();
        this.quick = opts.containsKey("quick");
        this.uwsgi = opts.get("uwsgi");
        this.uwsgiMissing = opts.getOrDefault("no-uwsgi", "n/a (uWSGI not installable)");
        this.only = opts.containsKey("only") ? Set.of(opts.get("only").split(",")) : Set.of("a", "b", "c", "d", "m");
        this.machine = opts.get("machine");
        this.benchJar = repo.resolve("bench/target/spoolerd-bench.jar");
        this.launcher = repo.resolve("spoolerd");
        this.jar = Path.of(opts.getOrDefault("jar", repo.resolve("spooler-cli/target/spoolerd.jar").toString()));
        this.durableN = quick ? 1_000 : 3_000;
        this.fastN = quick ? 5_000 : 20_000;
        this.batchSize = 1_000;
        this.batchJobs = quick ? 20_000 : 100_000;
        this.cliN = quick ? 10 : 30;
        this.drainN = quick ? 5_000 : 20_000;
        this.latencyN = quick ? 50 : 300;
        this.latencyUwsgiN = quick ? 10 : 40;
        this.latencyWarmup = quick ? 500 : 2_000;
        this.millionN = quick ? 100_000 : 1_000_000;
        this.millionWindow = quick ? 10_000 : 50_000;
        this.futureN = quick ? 20_000 : 100_000;
        this.idleSeconds = quick ? 5 : 10;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (String a : args) {
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unknown argument " + a);
            }
            int eq = a.indexOf('=');
            opts.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "" : a.substring(eq + 1));
        }
        Bench b = new Bench(opts);
        if (opts.containsKey("fill")) {
            // a helper for profiling by hand: bench/run-like classpath, --fill=DIR --count=N [--at-days=D]
            Path dir = Path.of(opts.get("fill"));
            Instant at = opts.containsKey("at-days") ? Instant.now().plus(Duration.ofDays(Long.parseLong(opts.get("at-days")))) : null;
            b.fillOurs(dir, Integer.parseInt(opts.getOrDefault("count", "20000")), 2, at);
            return;
        }
        if (opts.containsKey("submit")) {
            // a helper for before/after comparisons: --submit=THREADS --count=N --dir=DIR, durable API
            Path dir = Files.createDirectories(Path.of(opts.get("dir")));
            int n = Integer.parseInt(opts.getOrDefault("count", "1000"));
            boolean durable = !opts.containsKey("no-fsync");
            System.out.printf(Locale.ROOT, "%s API, %s thread(s): %.0f jobs/s%n", durable ? "durable" : "non-durable",
                    opts.get("submit"), b.apiSubmit(dir, n, Integer.parseInt(opts.get("submit")), durable));
            return;
        }
        Files.createDirectories(b.work);
        b.cleanWork();
        Procs.init(b.work);
        long t0 = System.nanoTime();
        try {
            b.runAll();
        } finally {
            Procs.killAll();
        }
        b.print(Duration.ofNanos(System.nanoTime() - t0));
    }

    private void runAll() throws Exception {
        warmUp();
        if (only.contains("a")) {
            section("a", this::submitRows);
        }
        if (only.contains("b")) {
            section("b", this::drainRows);
        }
        if (only.contains("c")) {
            section("c", this::latencyRows);
        }
        if (only.contains("d")) {
            section("d", this::idleRows);
        }
        if (only.contains("m")) {
            section("d", this::millionRows);
        }
    }

    interface Section {
        void run() throws Exception;
    }

    private void section(String name, Section s) {
        progress("section " + name);
        try {
            s.run();
        } catch (Exception | AssertionError e) {
            rows.add(Row.error(name + ": section failed", e));
            e.printStackTrace();
        } finally {
            Procs.killAll();
        }
    }

    // ---- (a) submit --------------------------------------------------------------------------

    private void warmUp() throws IOException {
        Path d = freshDir("warmup");
        Spooler s = Spooler.builder(d).durable(false).open();
        for (int i = 0; i < 3_000; i++) {
            s.spool("noop", Map.of());
        }
        Spooler durable = Spooler.open(d);
        for (int i = 0; i < 100; i++) {
            durable.spool("noop", Map.of());
        }
        handDrop(d, 2_000, "w");
        rawLimit(d, 100, "w");
        deleteTree(d);
    }

    private void submitRows() throws Exception {
        // the disk limit and the 1-thread API alternate in rounds, so a change of load on the machine hits both alike
        Path rawDir = freshDir("raw");
        Path apiDir = freshDir("api1");
        double rawSec = 0;
        double apiSec = 0;
        int rounds = 3;
        for (int r = 0; r < rounds; r++) {
            rawSec += durableN / rounds / rawLimit(rawDir, durableN / rounds, "r" + r + "-");
            apiSec += durableN / rounds / apiSubmit(apiDir, durableN / rounds, 1, true);
        }
        deleteTree(rawDir);
        deleteTree(apiDir);
        double raw = rounds * (durableN / rounds) / rawSec;
        double api1 = rounds * (durableN / rounds) / apiSec;
        results.put("raw", raw);
        Path api4Dir = freshDir("api4");
        double api4 = apiSubmit(api4Dir, durableN, 4, true);
        deleteTree(api4Dir);
        rows.add(Row.of("a", "disk limit: create+write+fsync+rename+dir-fsync, 1 thread (fresh dir)", rate(raw),
                null, null, null, null, "tight Java loop, " + durableN + " files"));
        rows.add(Row.of("a", "durable submit, Java API, 1 thread (fresh dir)", rate(api1),
                "disk limit " + rate(raw), ratio(api1, raw), ">= 0.85x disk limit", api1 >= 0.85 * raw,
                durableN + " jobs"));
        rows.add(Row.of("a", "durable submit, Java API, 4 threads (fresh dir)", rate(api4),
                "API 1 thread " + rate(api1), ratio(api4, api1), ">= 2x 1 thread", api4 >= 2 * api1,
                durableN + " jobs"));

        Path uwDir = freshDir("uwsgi-spool");
        double uw = uwsgiSubmit(uwDir, fastN);
        deleteTree(uwDir);
        results.put("uwsgi-spool", uw);
        String uwText = uwsgi == null ? uwsgiMissing : "uwsgi.spool() " + rate(uw);

        Path batchDir = freshDir("batch");
        double batch = batchSubmit(batchDir, batchJobs);
        deleteTree(batchDir);
        rows.add(Row.of("a", "durable batch, spoolAll of " + batchSize + " jobs (one fsynced .jsonl)", rate(batch),
                uwText, ratio(batch, uw), ">= 1.0x uWSGI spool() (not durable)", uw > 0 ? batch >= uw : null,
                batchJobs + " jobs"));
        Path ndDir = freshDir("nondurable");
        double nd = apiSubmit(ndDir, fastN, 1, false);
        deleteTree(ndDir);
        rows.add(Row.of("a", "non-durable submit, Java API durable(false), 1 thread", rate(nd),
                uwText, ratio(nd, uw), ">= 1.0x uWSGI spool()", uw > 0 ? nd >= uw : null, fastN + " jobs"));
        Path handDir = freshDir("hand");
        double hand = handDrop(handDir, fastN, "h");
        deleteTree(handDir);
        rows.add(Row.of("a", "files dropped by hand (Java: write temp + rename, no fsync)", rate(hand),
                uwText, ratio(hand, uw), null, null, fastN + " files"));
        Path cliDir = freshDir("cli");
        double cli = cliSubmit(cliDir, cliN);
        deleteTree(cliDir);
        rows.add(Row.of("a", "`spoolerd submit` per job (a JVM per job, durable)", rate(cli),
                uwsgi == null ? uwsgiMissing : "n/a (uWSGI has no submit command)", null, null, null, cliN + " jobs, sequential"));
    }

    /** The disk's limit: what a bare loop of durable file creation achieves, dir fd kept open. */
    private double rawLimit(Path dir, int n, String prefix) throws IOException {
        byte[] content = "{\"task\":\"noop\",\"args\":{}}\n".getBytes(StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        try (FileChannel dirCh = FileChannel.open(dir, StandardOpenOption.READ)) {
            for (int i = 0; i < n; i++) {
                Path tmp = dir.resolve(".raw" + prefix + i + ".tmp");
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(content));
                    ch.force(true);
                }
                Files.move(tmp, dir.resolve("raw" + prefix + i + ".json"), StandardCopyOption.ATOMIC_MOVE);
                dirCh.force(true);
            }
        }
        return n / seconds(t0);
    }

    private double apiSubmit(Path dir, int n, int threads, boolean durable) throws Exception {
        Spooler s = Spooler.builder(dir).durable(durable).open();
        AtomicLong left = new AtomicLong(n);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        s.spool("noop", Map.of());
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(600, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return n / seconds(t0);
    }

    private double batchSubmit(Path dir, int n) {
        Spooler s = Spooler.open(dir);
        List<JobSpec> batch = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            batch.add(JobSpec.of("noop", Map.of()));
        }
        long t0 = System.nanoTime();
        for (int done = 0; done < n; done += batchSize) {
            s.spoolAll(batch);
        }
        return n / seconds(t0);
    }

    private static double handDrop(Path dir, int n, String prefix) throws IOException {
        byte[] content = "{\"task\":\"noop\",\"args\":{}}\n".getBytes(StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Path tmp = dir.resolve("." + prefix + i + ".tmp");
            Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(tmp, dir.resolve(prefix + i + ".json"), StandardCopyOption.ATOMIC_MOVE);
        }
        return n / seconds(t0);
    }

    private double cliSubmit(Path dir, int n) throws Exception {
        Path log = work.resolve("submit.log");
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int rc = Procs.run(List.of(launcher.toString(), "submit", "--spool-dir", dir.toString(), "noop", "n:=" + i), log, 60);
            if (rc != 0) {
                throw new IOException("spoolerd submit exited " + rc + "; see " + log);
            }
        }
        return n / seconds(t0);
    }

    /** uwsgi.spool() from a mule of an instance whose spooler directory is external (no spooler runs). */
    private double uwsgiSubmit(Path dir, int n) throws Exception {
        if (uwsgi == null) {
            return 0;
        }
        Path out = work.resolve("uwsgi-submit-" + (++dirCounter) + ".out");
        Process p = Procs.start(List.of(uwsgi, "--plugin", "python3", "--master", "--die-on-term",
                        "--spooler-external", dir.toString(), "--spooler-quiet", "--mule=" + repo.resolve("bench/uwsgi/mule.py")),
                Map.of("BENCH_MODE", "submit", "BENCH_N", Integer.toString(n), "BENCH_OUT", out.toString(),
                        "BENCH_DEADLINE", "120"), work.resolve("uwsgi.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (!Files.exists(out)) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    throw new IOException("uWSGI mule gave no result; see " + work.resolve("uwsgi.log"));
                }
                Thread.sleep(20);
            }
            String[] f = Files.readString(out).trim().split(" ");
            return Long.parseLong(f[0]) / Double.parseDouble(f[1]);
        } finally {
            Procs.stop(p, 10);
        }
    }

    // ---- (b) drain -------------------------------------------------------------------------

    private void drainRows() throws Exception {
        double[] emptied = null;
        double uwEmptied = 0;
        for (int procs : new int[] {1, 2, 10}) {
            Drain ours = drainOurs(procs, drainN);
            results.put("drain" + procs, ours.rate);
            if (procs == 2) {
                emptied = emptiedDir(ours.dir);
            }
            deleteTree(ours.dir);
            Drain theirs = uwsgi == null ? null : drainUwsgi(procs, drainN);
            if (theirs != null && procs == 2) {
                uwEmptied = uwsgiSubmit(theirs.dir, fastN);
            }
            if (theirs != null) {
                deleteTree(theirs.dir);
            }
            rows.add(Row.of("b", "drain " + drainN + " queued noop jobs, --processes " + procs, rate(ours.rate),
                    theirs == null ? uwsgiMissing : "uWSGI " + rate(theirs.rate), theirs == null ? null : ratio(ours.rate, theirs.rate),
                    ">= 1.0x uWSGI", theirs == null ? null : ours.rate >= theirs.rate,
                    "first job " + ms(ours.firstMillis) + " after start" + (theirs == null ? "" : " (uWSGI " + ms(theirs.firstMillis) + ")")
                            + "; all done " + secs(ours.totalMillis) + " after start" + (theirs == null ? "" : " (uWSGI " + secs(theirs.totalMillis) + ")")));
        }
        if (emptied != null) {
            double raw = emptied[0];
            double api1 = emptied[1];
            double nd = emptied[2];
            rows.add(Row.of("a", "disk limit, in a directory emptied by a drain < 30 s ago", rate(raw), null, null, null, null,
                    "fresh dir: " + rate(results.getOrDefault("raw", 0.0))));
            rows.add(Row.of("a", "durable submit, Java API, 1 thread, in a directory emptied < 30 s ago", rate(api1),
                    "disk limit there " + rate(raw), ratio(api1, raw), ">= 0.85x disk limit", api1 >= 0.85 * raw, durableN + " jobs"));
            rows.add(Row.of("a", "non-durable submit, 1 thread, in a directory emptied < 30 s ago", rate(nd),
                    uwsgi == null ? uwsgiMissing : "uwsgi.spool() there " + rate(uwEmptied), ratio(nd, uwEmptied),
                    ">= 1.0x uWSGI spool()", uwEmptied > 0 ? nd >= uwEmptied : null,
                    fastN + " jobs; uWSGI's dir emptied by its own drain"));
        }
    }

    /** Right after a drain: the directory is empty, the file system still busy with the deletions. */
    private double[] emptiedDir(Path dir) throws Exception {
        Path rawDir = Files.createDirectories(dir.resolve("raw"));
        double raw = rawLimit(rawDir, durableN / 2, "a");
        double api1 = apiSubmit(dir, durableN, 1, true);
        raw = durableN / (durableN / 2 / raw + durableN / 2 / rawLimit(rawDir, durableN / 2, "b")); // before and after
        double nd = apiSubmit(dir, fastN, 1, false);
        return new double[] {raw, api1, nd};
    }

    record Drain(Path dir, double rate, double firstMillis, double totalMillis) {}

    private Drain drainOurs(int procs, int n) throws Exception {
        Path dir = freshDir("drain-ours-p" + procs);
        fillOurs(dir, n, 2, null);
        List<String> cmd = daemon("--spool-dir", dir.toString(), "--processes",
                Integer.toString(procs), "--frequency", "1");
        return drain(dir, cmd, Map.of(), " ok: task=noop", n, procs, true);
    }

    private Drain drainUwsgi(int procs, int n) throws Exception {
        Path dir = freshDir("drain-uwsgi-p" + procs);
        fillUwsgi(dir, n, "q", 0);
        List<String> cmd = uwsgiSpooler(dir, procs);
        return drain(dir, cmd, Map.of(), "done with task", n, procs, false);
    }

    /**
     * {@code spoolerd start} as the launcher runs it (same JVM flags, see ./spoolerd, then SPOOLERD_JAVA_OPTS
     * split at blanks as the launcher's unquoted expansion does), but straight from the jar: the launcher
     * would rebuild a jar older than the sources in the middle of a measurement.
     */
    private List<String> daemon(String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-XX:MaxNewSize=32m", "-Xms16m"));
        if (trimNativeHeap == null) {
            trimNativeHeap = succeeds(List.of(java, "-XX:TrimNativeHeapInterval=5000", "-version"));
        }
        if (trimNativeHeap) {
            cmd.add("-XX:TrimNativeHeapInterval=5000");
        }
        String extra = System.getenv("SPOOLERD_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(Arrays.asList(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-jar", jar.toString(), "start"));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** Whether this JVM knows -XX:TrimNativeHeapInterval (17.0.9 and later), as the launcher probes it. */
    private Boolean trimNativeHeap;

    private static boolean succeeds(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private List<String> uwsgiSpooler(Path dir, int procs) {
        return List.of(uwsgi, "--plugin", "python3", "--master", "--die-on-term", "--spooler", dir.toString(),
                "--spooler-processes", Integer.toString(procs), "--spooler-frequency", "1",
                "--pythonpath", repo.resolve("bench/uwsgi").toString(), "--spooler-python-import", "task");
    }

    private Drain drain(Path dir, List<String> cmd, Map<String, String> env, String marker, int n, int procs, boolean ours)
            throws Exception {
        progress("drain " + (ours ? "spoolerd" : "uWSGI") + " p=" + procs + " n=" + n);
        long start = System.nanoTime();
        Process p = Procs.start(cmd, env, null);
        Procs.Lines lines = new Procs.Lines(p, marker, null, n);
        try {
            if (!lines.await(n, start + TimeUnit.SECONDS.toNanos(300))) {
                throw new IOException((ours ? "spoolerd" : "uWSGI") + " drained only " + lines.count() + " of " + n
                        + " within 300 s; last output:\n" + lines.tail(20));
            }
            long[] t = lines.times;
            // uWSGI logs "done with task" just before it unlinks the file: give the last unlinks a moment
            long left = countJobs(dir, ours);
            for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); left != 0 && System.nanoTime() < until; ) {
                Thread.sleep(5);
                left = countJobs(dir, ours);
            }
            if (left != 0) {
                throw new IOException(left + " job files left after " + n + " outcomes in " + dir);
            }
            double rate = (n - 1) / ((t[n - 1] - t[0]) / 1e9);
            return new Drain(dir, rate, (t[0] - start) / 1e6, (t[n - 1] - start) / 1e6);
        } finally {
            Procs.stop(p, 30);
        }
    }

    /** Job files still in the drop zone (and, for spoolerd, claimed). */
    private static long countJobs(Path dir, boolean ours) throws IOException {
        long n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (ours ? (!name.startsWith(".") && (name.endsWith(".json") || name.endsWith(".jsonl")))
                        : name.startsWith("uwsgi_spoolfile_on_")) {
                    n++;
                }
            }
        }
        if (ours && Files.isDirectory(dir.resolve(".spoolerd/claims"))) {
            try (var walk = Files.walk(dir.resolve(".spoolerd/claims"))) {
                n += walk.filter(Files::isRegularFile).count();
            }
        }
        return n;
    }

    private void fillOurs(Path dir, int n, int threads, Instant at) throws Exception {
        long t0 = System.nanoTime();
        Spooler s = Spooler.builder(dir).durable(false).open();
        AtomicLong left = new AtomicLong(n);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    JobSpec spec = at == null ? JobSpec.of("noop", Map.of()) : JobSpec.builder("noop").at(at).build();
                    while (left.getAndDecrement() > 0) {
                        s.spool(spec);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(900, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        progress("filled " + n + " spoolerd jobs in " + secs((System.nanoTime() - t0) / 1e6));
    }

    /** uWSGI spool files (header 17/size/0, then uint16-LE-sized key/value pairs), temp + rename, no fsync. */
    private static void fillUwsgi(Path dir, int n, String prefix, long mtimeSeconds) throws IOException {
        for (int i = 0; i < n; i++) {
            dropUwsgi(dir, prefix, i, Map.of("task", "noop", "n", Integer.toString(i)), mtimeSeconds);
        }
    }

    private static void dropUwsgi(Path dir, String prefix, int i, Map<String, String> kv, long mtimeSeconds) throws IOException {
        Path tmp = dir.resolve(".u" + prefix + i + ".tmp");
        Files.write(tmp, uwsgiPacket(kv), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        if (mtimeSeconds > 0) {
            Files.setLastModifiedTime(tmp, FileTime.from(mtimeSeconds, TimeUnit.SECONDS));
        }
        Files.move(tmp, dir.resolve("uwsgi_spoolfile_on_bench_" + prefix + i), StandardCopyOption.ATOMIC_MOVE);
    }

    static byte[] uwsgiPacket(Map<String, String> kv) {
        ByteBuffer body = ByteBuffer.allocate(4096).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, String> e : kv.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
            body.putShort((short) k.length).put(k).putShort((short) v.length).put(v);
        }
        int size = body.position();
        ByteBuffer out = ByteBuffer.allocate(4 + size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 17).putShort((short) size).put((byte) 0).put(body.array(), 0, size);
        return out.array();
    }

    // ---- (c) start latency -------------------------------------------------------------------

    private void latencyRows() throws Exception {
        Path dir = freshDir("latency-ours");
        Path stamps = work.resolve("stamps-ours-" + dirCounter + ".txt");
        Process p = Procs.start(daemon("--spool-dir", dir.toString(), "--processes", "1",
                "--frequency", "1", "--classpath", benchJar.toString()), Map.of(), null);
        Procs.Lines lines = new Procs.Lines(p, " ok: task=bench-stamp", "tasks:", 0);
        double[] drop;
        ApiLatencies api;
        ApiLatencies fast;
        try {
            if (!lines.awaitReady(System.nanoTime() + TimeUnit.SECONDS.toNanos(60))) {
                throw new IOException("spoolerd did not start; output:\n" + lines.tail(20));
            }
            // Warm-up, not measured: a daemon runs for days, so the measured jobs should meet compiled
            // code, not the first executions of the hand-drop and claim paths (as they would after a start).
            progress("latency spoolerd, warm-up (" + latencyWarmup + " drops, durable and non-durable API jobs, not measured)");
            Path warm = work.resolve("stamps-ours-warmup-" + dirCounter + ".txt");
            Spooler warmSpooler = Spooler.open(dir);
            Spooler fastSpooler = Spooler.builder(dir).durable(false).open();
            for (int i = 0; i < latencyWarmup; i++) {
                Path tmp = dir.resolve(".warm" + i + ".tmp");
                Files.writeString(tmp, "{\"task\":\"bench-stamp\",\"args\":{\"n\":" + i + ",\"out\":\"" + warm + "\"}}\n",
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.move(tmp, dir.resolve("warm" + i + ".json"), StandardCopyOption.ATOMIC_MOVE);
                warmSpooler.spool(JobSpec.builder("bench-stamp").arg("n", i).arg("out", warm.toString()).build());
                fastSpooler.spool(JobSpec.builder("bench-stamp").arg("n", i).arg("out", warm.toString()).build());
                if (!lines.await(3L * (i + 1), System.nanoTime() + TimeUnit.SECONDS.toNanos(10))) {
                    throw new IOException("warm-up job " + i + " did not run within 10 s; output:\n" + lines.tail(20));
                }
            }
            long base = lines.count();
            Thread.sleep(1_000);
            progress("latency spoolerd, file drops");
            Map<Integer, Long> t0 = new HashMap<>();
            for (int i = 0; i < latencyN; i++) {
                Thread.sleep(ThreadLocalRandom.current().nextInt(20, 70));
                Path tmp = dir.resolve(".lat" + i + ".tmp");
                Files.writeString(tmp, "{\"task\":\"bench-stamp\",\"args\":{\"n\":" + i + ",\"out\":\"" + stamps + "\"}}\n",
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.move(tmp, dir.resolve("lat" + i + ".json"), StandardCopyOption.ATOMIC_MOVE);
                t0.put(i, Clocks.epochMicros());
                if (!lines.await(base + i + 1, System.nanoTime() + TimeUnit.SECONDS.toNanos(10))) {
                    throw new IOException("job lat" + i + " did not run within 10 s; output:\n" + lines.tail(20));
                }
            }
            drop = latencies(stamps, t0, null);
            progress("latency spoolerd, Java API");
            api = apiLatencies(Spooler.open(dir), work.resolve("stamps-ours-api-" + dirCounter + ".txt"), lines,
                    base + latencyN);
            // The same without the producer's two fsyncs: from the call to the task's start. The call renames the file
            // into the drop zone 0.2-0.5 ms after it begins here (2 ms when it had to create the file in a directory
            // whose inode group had many recent deletions: see docs/performance.md), so this is close to what (c)
            // measures, the rename to the start, plus the producer's own work.
            progress("latency spoolerd, Java API durable(false)");
            fast = apiLatencies(fastSpooler,
                    work.resolve("stamps-ours-api-fast-" + dirCounter + ".txt"), lines, base + 2L * latencyN);
        } finally {
            Procs.stop(p, 30);
        }
        double[] uwDrop = uwsgi == null ? null : latencyUwsgiDrop();
        double[] uwSpool = uwsgi == null ? null : latencyUwsgiSpool();
        latencyRow("start latency, file dropped by another process (rename -> task start)", drop, uwDrop,
                "uWSGI, file from another process", latencyN + " jobs, a Java task, after " + latencyWarmup
                        + " warm-up jobs of each kind (drop, API, API durable(false)); uWSGI " + latencyUwsgiN + " jobs");
        latencyRow("start latency, durable Java API spool() from another process (call -> task start)", api.total(), uwSpool,
                "uWSGI, uwsgi.spool() in its own instance", latencyN + " jobs; uWSGI's spool() signals its spooler, "
                        + "which only works inside the instance; includes the producer's file and directory fsyncs; "
                        + split(api));
        latencyRow("start latency, Java API durable(false) from another process (call -> task start)", fast.total(), uwSpool,
                "uWSGI, uwsgi.spool() in its own instance", latencyN + " jobs; no fsync, but the call's own work before"
                        + " its rename (the job's JSON, writing the file) is in it, which the file drop's stamp leaves out; "
                        + split(fast));
        // (c) measures from the rename into the drop zone. The non-durable call renames its file last, just before it
        // returns, so its return -> task start bounds that from above (the durable call fsyncs the directory after the
        // rename, so its return says nothing about it; the daemon serves both alike, telling them apart by name only).
        latencyRow("start latency, Java API durable(false) from another process (rename -> task start, at most return -> start)",
                fast.afterReturn(), uwSpool, "uWSGI, uwsgi.spool() in its own instance", latencyN + " jobs; the call's rename"
                        + " is its last step, so its return -> task start is an upper bound of the rename -> task start");
        deleteTree(dir);
    }

    /**
     * Start latencies of latencyN jobs spooled one at a time, from just before each call; {@code done} lines came
     * before. Also stamps the wall clock when the call returns, so that the call itself and the return -> task start
     * (the part the daemon and the worker own) can be told apart.
     */
    private ApiLatencies apiLatencies(Spooler spooler, Path stamps, Procs.Lines lines, long done) throws Exception {
        Map<Integer, Long> t0 = new HashMap<>();
        Map<Integer, Long> t1 = new HashMap<>();
        double[] call = new double[latencyN];
        for (int i = 0; i < latencyN; i++) {
            Thread.sleep(ThreadLocalRandom.current().nextInt(20, 70));
            long before = Clocks.epochMicros();
            spooler.spool(JobSpec.builder("bench-stamp").arg("n", i).arg("out", stamps.toString()).build());
            long after = Clocks.epochMicros();
            t0.put(i, before);
            t1.put(i, after);
            call[i] = (after - before) / 1000.0;
            if (!lines.await(done + i + 1, System.nanoTime() + TimeUnit.SECONDS.toNanos(10))) {
                throw new IOException("API job " + i + " did not run within 10 s; output:\n" + lines.tail(20));
            }
        }
        Arrays.sort(call);
        return new ApiLatencies(latencies(stamps, t0, null), call, latencies(stamps, t1, null));
    }

    /** From the call to the task's start; the call alone; from the call's return to the task's start (all sorted, ms). */
    private record ApiLatencies(double[] total, double[] call, double[] afterReturn) {}

    /** The split of an API row, as a note: the producer's call and the rest. */
    private static String split(ApiLatencies a) {
        return "of which the spool() call p50 " + msPrec(pct(a.call(), 50)) + " / p99 " + msPrec(pct(a.call(), 99))
                + ", its return -> task start p50 " + msPrec(pct(a.afterReturn(), 50)) + " / p99 " + msPrec(pct(a.afterReturn(), 99));
    }

    private void latencyRow(String what, double[] ours, double[] theirs, String theirName, String note) {
        for (int q : new int[] {50, 99, 100}) {
            String label = q == 100 ? "max" : "p" + q;
            double o = pct(ours, q);
            double t = theirs == null ? Double.NaN : pct(theirs, q);
            String target = q == 50 ? "<= 1 ms" : q == 99 ? "<= 10 ms" : null;
            Boolean met = q == 50 ? (Boolean) (o <= 1.0) : q == 99 ? (Boolean) (o <= 10.0) : null;
            rows.add(Row.of("c", what + ", " + label, msPrec(o),
                    theirs == null ? uwsgiMissing : theirName + " " + msPrec(t), theirs == null ? null : ratio(o, t), target, met,
                    q == 50 ? note : null));
        }
    }

    private double[] latencyUwsgiDrop() throws Exception {
        progress("latency uWSGI, file drops");
        Path dir = freshDir("latency-uwsgi");
        Path stamps = work.resolve("stamps-uwsgi-" + dirCounter + ".txt");
        Process p = Procs.start(uwsgiSpooler(dir, 1), Map.of("BENCH_STAMP", stamps.toString()), null);
        Procs.Lines lines = new Procs.Lines(p, "done with task", null, 0);
        try {
            Thread.sleep(2_000);
            Map<Integer, Long> t0 = new HashMap<>();
            for (int i = 0; i < latencyUwsgiN; i++) {
                Thread.sleep(ThreadLocalRandom.current().nextInt(20, 70));
                dropUwsgi(dir, "lat", i, Map.of("task", "noop", "n", Integer.toString(i)), 0);
                t0.put(i, Clocks.epochMicros());
                if (!lines.await(i + 1, System.nanoTime() + TimeUnit.SECONDS.toNanos(10))) {
                    throw new IOException("uWSGI did not run job " + i + " within 10 s; output:\n" + lines.tail(20));
                }
            }
            return latencies(stamps, t0, null);
        } finally {
            Procs.stop(p, 10);
            deleteTree(dir);
        }
    }

    private double[] latencyUwsgiSpool() throws Exception {
        progress("latency uWSGI, uwsgi.spool() from a mule");
        Path dir = freshDir("latency-uwsgi-spool");
        Path stamps = work.resolve("stamps-uwsgi-spool-" + dirCounter + ".txt");
        Path out = work.resolve("uwsgi-latency-" + dirCounter + ".out");
        List<String> cmd = new ArrayList<>(uwsgiSpooler(dir, 1));
        cmd.addAll(List.of("--spooler-quiet", "--mule=" + repo.resolve("bench/uwsgi/mule.py")));
        Process p = Procs.start(cmd, Map.of("BENCH_STAMP", stamps.toString(), "BENCH_MODE", "latency",
                "BENCH_N", Integer.toString(latencyN), "BENCH_OUT", out.toString(), "BENCH_DEADLINE", "100"), work.resolve("uwsgi.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(out)) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    throw new IOException("uWSGI latency mule gave no result; see " + work.resolve("uwsgi.log"));
                }
                Thread.sleep(50);
            }
            return latencies(stamps, null, null);
        } finally {
            Procs.stop(p, 10);
            deleteTree(dir);
        }
    }

    /**
     * Milliseconds from the producer's instant to the task's start. Stamp lines are
     * {@code n start} (spoolerd) or {@code n t0 start} (uWSGI; t0 from the job when the producer put one in).
     */
    private static double[] latencies(Path stamps, Map<Integer, Long> t0, Void unused) throws IOException {
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(stamps)) {
            String[] f = line.trim().split(" ");
            if (f.length < 2) {
                continue;
            }
            long start = Long.parseLong(f[f.length - 1]);
            Long from = t0 != null ? t0.get(Integer.parseInt(f[0])) : (f.length == 3 && !f[1].equals("-") ? Long.parseLong(f[1]) : null);
            if (from != null) {
                out.add((start - from) / 1000.0);
            }
        }
        double[] a = out.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a;
    }

    private static double pct(double[] sorted, int q) {
        if (sorted == null || sorted.length == 0) {
            return Double.NaN;
        }
        if (q >= 100) {
            return sorted[sorted.length - 1];
        }
        int i = (int) Math.ceil(q / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    // ---- (d) idle, future jobs, a million ------------------------------------------------------

    private void idleRows() throws Exception {
        // an idle daemon on an empty directory
        Idle empty = idleOurs(freshDir("idle-ours"), 1);
        Idle uwEmpty = uwsgi == null ? null : idleUwsgi(freshDir("idle-uwsgi"), 1);
        rows.add(Row.of("d", "idle daemon, empty spool, --processes 1: CPU over " + idleSeconds + " s", pctCpu(empty.cpuAll),
                uwEmpty == null ? uwsgiMissing : "uWSGI " + pctCpu(uwEmpty.cpuAll), null, "~0 % (<= 1 %)", empty.cpuAll <= 1.0,
                "daemon and workers together, % of one core"));
        // ten idle workers
        Idle ten = idleOurs(freshDir("idle-ours-10"), 10);
        Idle uwTen = uwsgi == null ? null : idleUwsgi(freshDir("idle-uwsgi-10"), 10);
        rows.add(Row.of("d", "idle, --processes 10: RSS of daemon + workers", mib(ten.rssAllKiB),
                uwTen == null ? uwsgiMissing : "uWSGI " + mib(uwTen.rssAllKiB), uwTen == null ? null : ratio(ten.rssAllKiB, uwTen.rssAllKiB),
                "<= 400 MiB", ten.rssAllKiB <= 400 * 1024, "sum of VmRSS (shared pages counted in each); sum of Pss "
                        + mib(ten.pssAllKiB) + (uwTen == null ? "" : " (uWSGI " + mib(uwTen.pssAllKiB) + ")") + "; daemon alone "
                        + mib(ten.rssDaemonKiB) + "; CPU " + pctCpu(ten.cpuAll)));
        // future jobs
        Path dir = freshDir("future-ours");
        fillOurs(dir, futureN, 2, Instant.now().plus(Duration.ofDays(1)));
        Idle future = idleOurs(dir, 1);
        deleteTree(dir);
        Idle uwFuture = null;
        if (uwsgi != null) {
            Path ud = freshDir("future-uwsgi");
            long fill0 = System.nanoTime();
            fillUwsgi(ud, futureN, "f", Instant.now().plus(Duration.ofDays(1)).getEpochSecond());
            progress("filled " + futureN + " uWSGI future jobs in " + secs((System.nanoTime() - fill0) / 1e6));
            uwFuture = idleUwsgi(ud, 1);
            deleteTree(ud);
        }
        rows.add(Row.of("d", futureN + " jobs with a future `at`: CPU over " + idleSeconds + " s", pctCpu(future.cpuAll),
                uwFuture == null ? uwsgiMissing : "uWSGI " + pctCpu(uwFuture.cpuAll), null,
                "~ idle (<= 1 %)", future.cpuAll <= 1.0, "empty-spool idle: " + pctCpu(empty.cpuAll) + "; daemon RSS " + mib(future.rssDaemonKiB)));
    }

    record Idle(double cpuAll, long rssAllKiB, long rssDaemonKiB, long pssAllKiB) {}

    private Idle idleOurs(Path dir, int procs) throws Exception {
        try {
            return idleOurs0(dir, procs);
        } finally {
            deleteTree(dir);
        }
    }

    private Idle idleOurs0(Path dir, int procs) throws Exception {
        progress("idle spoolerd p=" + procs + " in " + dir.getFileName());
        Process p = Procs.start(daemon("--spool-dir", dir.toString(), "--processes",
                Integer.toString(procs), "--frequency", "1"), Map.of(), null);
        Procs.Lines lines = new Procs.Lines(p, "\u0000never", "tasks:", 0);
        try {
            if (!lines.awaitReady(System.nanoTime() + TimeUnit.SECONDS.toNanos(60))) {
                throw new IOException("spoolerd did not start; output:\n" + lines.tail(20));
            }
            awaitChildren(p.toHandle(), procs, 60);
            Thread.sleep(3_000);
            return measureIdle(p.toHandle());
        } finally {
            Procs.stop(p, 30);
        }
    }

    private Idle idleUwsgi(Path dir, int procs) throws Exception {
        try {
            return idleUwsgi0(dir, procs);
        } finally {
            deleteTree(dir);
        }
    }

    private Idle idleUwsgi0(Path dir, int procs) throws Exception {
        progress("idle uWSGI p=" + procs + " in " + dir.getFileName());
        Process p = Procs.start(uwsgiSpooler(dir, procs), Map.of(), null);
        new Procs.Lines(p, "\u0000never", null, 0);
        try {
            awaitChildren(p.toHandle(), procs, 30);
            Thread.sleep(3_000);
            return measureIdle(p.toHandle());
        } finally {
            Procs.stop(p, 10);
        }
    }

    private static void awaitChildren(ProcessHandle h, int n, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (h.children().count() < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private Idle measureIdle(ProcessHandle h) throws InterruptedException {
        long c0 = Procs.treeCpuTicks(h);
        long t0 = System.nanoTime();
        Thread.sleep(idleSeconds * 1000L);
        long c1 = Procs.treeCpuTicks(h);
        double wall = seconds(t0);
        return new Idle((c1 - c0) / 100.0 / wall * 100.0, Procs.treeRssKiB(h), Procs.rssKiB(h.pid()), Procs.treePssKiB(h));
    }

    private void millionRows() throws Exception {
        int procs = 2;
        if (!results.containsKey("drain" + procs)) {
            // run alone (--only=m): the ratio needs the rate with drainN queued, measured here the same way as in (b)
            Drain small = drainOurs(procs, drainN);
            results.put("drain" + procs, small.rate);
            deleteTree(small.dir);
        }
        Path dir = freshDir("million");
        long fill0 = System.nanoTime();
        fillOurs(dir, millionN, 2, null);
        double fillRate = millionN / seconds(fill0);
        progress("draining a window of " + millionWindow + " of " + millionN);
        long start = System.nanoTime();
        Process p = Procs.start(daemon("--spool-dir", dir.toString(), "--processes",
                Integer.toString(procs), "--frequency", "1"), Map.of(), null);
        Procs.Lines lines = new Procs.Lines(p, " ok: task=noop", null, millionWindow);
        long maxRss = 0;
        String heap;
        long[] t = lines.times;
        try {
            long deadline = start + TimeUnit.SECONDS.toNanos(300);
            while (lines.count() < millionWindow) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    throw new IOException("drained only " + lines.count() + " of a window of " + millionWindow
                            + " in 300 s; output:\n" + lines.tail(20));
                }
                maxRss = Math.max(maxRss, Procs.rssKiB(p.pid()));
                Thread.sleep(200);
            }
            maxRss = Math.max(maxRss, Procs.rssKiB(p.pid()));
            heap = heapUsed(p.pid());
        } finally {
            Procs.stop(p, 30);
        }
        double first = (t[0] - start) / 1e6;
        double rate = (millionWindow - 1) / ((t[millionWindow - 1] - t[0]) / 1e9);
        Double small = results.get("drain" + procs);
        rows.add(Row.of("d", String.format(Locale.ROOT, "%,d queued: time to the first job", millionN), ms(first),
                null, null, null, null, String.format(Locale.ROOT, "filled with the non-durable API at %s", rate(fillRate))));
        rows.add(Row.of("d", String.format(Locale.ROOT, "%,d queued: drain rate, --processes %d (first %,d jobs)", millionN, procs, millionWindow),
                rate(rate), small == null ? "-" : String.format(Locale.ROOT, "%,d queued %s", drainN, rate(small)),
                small == null ? null : ratio(rate, small), ">= 0.8x the rate with " + drainN + " queued",
                small == null ? null : rate >= 0.8 * small, null));
        rows.add(Row.of("d", String.format(Locale.ROOT, "%,d queued: daemon RSS (max while draining)", millionN), mib(maxRss),
                null, null, "<= 256 MiB", maxRss <= 256 * 1024, "heap used at the end: " + heap));
        progress("removing " + dir);
        deleteTree(dir);
    }

    private static String heapUsed(long pid) {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            long used = 0;
            long total = 0;
            var m = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(out);
            while (m.find()) {
                total += Long.parseLong(m.group(1));
                used += Long.parseLong(m.group(2));
            }
            return used == 0 ? "n/a" : mib(used) + " of " + mib(total) + " committed";
        } catch (IOException | InterruptedException e) {
            return "n/a (" + e.getMessage() + ")";
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Leftovers of an earlier run (spool directories, result and stamp files) must not be read as this run's. */
    private void cleanWork() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(work)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.matches("d\\d+-.*|ab|abcpu|absub") && Files.isDirectory(p)) {
                    deleteTree(p);
                } else if (n.matches("(stamps-.*\\.txt|uwsgi-.*\\.out(\\.tmp)?|.*\\.log|results\\.md)") && Files.isRegularFile(p)) {
                    Files.delete(p);
                }
            }
        }
    }

    private Path freshDir(String name) throws IOException {
        Path d = work.resolve("d" + (++dirCounter) + "-" + name);
        deleteTree(d);
        return Files.createDirectories(d);
    }

    private static void deleteTree(Path d) throws IOException {
        if (!Files.exists(d)) {
            return;
        }
        try {
            int rc = Procs.run(List.of("rm", "-rf", "--", d.toString()), null, 600);
            if (rc != 0) {
                throw new IOException("rm -rf " + d + " exited " + rc);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void progress(String s) {
        System.err.println("[bench " + java.time.LocalTime.now().withNano(0) + "] " + s);
    }

    static String rate(double r) {
        return r <= 0 || Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, r < 100 ? "%.1f/s" : "%,.0f/s", r);
    }

    static String ratio(double ours, double theirs) {
        if (theirs <= 0 || Double.isNaN(theirs) || Double.isNaN(ours)) {
            return null;
        }
        double r = ours / theirs;
        return String.format(Locale.ROOT, r < 0.1 ? "%.3fx" : "%.2fx", r);
    }

    static String ms(double ms) {
        return String.format(Locale.ROOT, "%,.0f ms", ms);
    }

    static String msPrec(double ms) {
        return Double.isNaN(ms) ? "n/a" : ms < 10 ? String.format(Locale.ROOT, "%.2f ms", ms) : String.format(Locale.ROOT, "%,.0f ms", ms);
    }

    static String secs(double ms) {
        return String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }

    static String mib(long kib) {
        return String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
    }

    static String pctCpu(double p) {
        return String.format(Locale.ROOT, "%.2f %%", p);
    }

    // ---- the table -----------------------------------------------------------------------------

    record Row(String section, String what, String ours, String anchor, String ratio, String target, String verdict, String note) {
        static Row of(String section, String what, String ours, String anchor, String ratio, String target, Boolean met, String note) {
            String verdict = met == null ? (target == null ? "" : "n/a") : met ? "met" : "MISSED";
            return new Row(section, what, ours, anchor == null ? "" : anchor, ratio == null ? "" : ratio,
                    target == null ? "" : target, verdict, note == null ? "" : note);
        }

        static Row error(String what, Throwable e) {
            String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            return new Row("!", what, "error", "", "", "", "", e.getClass().getSimpleName() + ": " + msg);
        }
    }

    private void print(Duration took) throws IOException {
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"", "measurement", "spoolerd", "anchor (same run)", "ours/anchor", "target", "verdict", "notes"});
        List<Row> sorted = new ArrayList<>(rows);
        // by section, errors last; the sort is stable, so rows keep their order within a section
        sorted.sort(java.util.Comparator.comparing((Row r) -> r.section().equals("!") ? "~" : r.section()));
        for (Row r : sorted) {
            table.add(new String[] {r.section(), r.what(), r.ours(), r.anchor(), r.ratio(), r.target(), r.verdict(), r.note()});
        }
        int[] w = new int[table.get(0).length];
        for (String[] r : table) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "spoolerd benchmark (%s sizes), %s, took %d s%n", quick ? "--quick" : "full",
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), took.toSeconds()));
        if (machine != null) {
            out.append("machine: ").append(machine).append('\n');
        }
        for (int k = 0; k < table.size(); k++) {
            String[] r = table.get(k);
            StringBuilder line = new StringBuilder("|");
            for (int i = 0; i < r.length; i++) {
                line.append(' ').append(pad(r[i], w[i])).append(" |");
            }
            out.append(line).append('\n');
            if (k == 0) {
                StringBuilder sep = new StringBuilder("|");
                for (int width : w) {
                    sep.append('-').append("-".repeat(width)).append("-|");
                }
                out.append(sep).append('\n');
            }
        }
        System.out.print(out);
        Files.writeString(work.resolve("results.md"), out.toString());
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }
}
