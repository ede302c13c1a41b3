package io.spoolerd.internal.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.InvalidJobException;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobFiles;
import io.spoolerd.internal.store.JobNames;
import io.spoolerd.internal.store.SpoolDirectory;
import io.spoolerd.internal.worker.WorkerProtocol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The daemon: one thread owns all scheduling state and reacts to events (file-system changes,
 * worker messages, timers, stop). It finds due jobs and names them to worker processes, which
 * claim each by an atomic rename into this daemon's claims directory and run it; the daemon then
 * applies the outcome to the directory. It never runs task code.
 *
 * <p>A free worker gets one job at once. While more jobs are ready than workers are free, a worker
 * whose jobs have been short gets several per message (about {@link #BATCH_TARGET_MICROS} of work,
 * at most {@link #MAX_BATCH}), so a drain costs a message per batch, not per job, and the file work
 * is spread over the workers. A job whose task turns out long holds up at most that batch. While
 * such short jobs keep their workers on the cores ({@link WorkerLoad}), only as many workers as
 * there are cores get jobs.
 */
public final class Daemon {

    static final System.Logger LOG = System.getLogger("spoolerd");

    /** Anything the loop reacts to. */
    interface Event {}

    record Stop() implements Event {}

    record FilesChanged(List<String> names, boolean overflow) implements Event {}

    /** A job claimed for this daemon, with its parsed content: what an outcome is applied to. */
    record Running(String name, Path claim, JobFile job, String id, int attempt, long startedMillis) {}

    /** The work a batch of jobs should amount to, by the recent average duration of a job here. */
    static final long BATCH_TARGET_MICROS = 5_000;
    static final int MAX_BATCH = 64;
    /** While short jobs keep their workers' threads on the cores, at most this many workers have jobs. */
    static final int CORES = Runtime.getRuntime().availableProcessors();
    /** A job running this long is not one of a stream of short ones (batches are for jobs under 2.5 ms). */
    static final long LONG_JOB_MILLIS = 100;
    /** The most time one turn of the loop gives to reading new files and expanding batches before it hands out jobs. */
    static final long READ_BUDGET_NANOS = 20_000_000;

    private final DaemonConfig config;
    private final SpoolDirectory dir;
    private final DaemonIdentity identity;
    private final DaemonRegistry registry;
    private final RetryPolicy retry;
    private final Index index = new Index();
    private final WorkerLoad workerLoad = new WorkerLoad();
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<Worker> workers = new ArrayList<>();
    private final Path myClaims;
    private final Scanner scanner;
    private final Outcomes outcomes;
    private Set<String> knownTasks = Set.of();
    /** Names handed to workers and not reported back: a second job of the same name must wait. */
    private final Set<String> assignedNames = new HashSet<>();
    /** Moving average of how long a job here runs, for the batch size; starts high: one job at a time. */
    private long averageJobMicros = BATCH_TARGET_MICROS;
    private final long startedMillis;

    private boolean stopping;
    private long stopDeadline = Long.MAX_VALUE;
    private long nextTick;
    private long nextPublish;
    private long nextRecovery;
    private boolean statusDirty = true;
    private int startFailures;
    private long nextSpawn;
    private int nextSlot;
    private DirectoryWatcher watcher;
    /** The type of a network or cluster file system the spool directory is on, or null for a local one. */
    private String sharedFileSystem;
    private long publishFailingSince = -1;
    private long lastPublishWarning;

    private Daemon(DaemonConfig config, SpoolDirectory dir) {
        this.config = config;
        this.dir = dir;
        this.startedMillis = config.clock.millis();
        this.identity = DaemonIdentity.current(Instant.ofEpochMilli(startedMillis));
        this.registry = new DaemonRegistry(dir);
        this.retry = RetryPolicy.of(config);
        this.myClaims = dir.claims().resolve(identity.id());
        this.outcomes = new Outcomes(config, dir, myClaims, retry, index);
        this.scanner = new Scanner(config, dir, myClaims, index, outcomes, assignedNames);
    }

    public static Daemon create(DaemonConfig config) throws IOException {
        return new Daemon(config, SpoolDirectory.open(config.spoolDir, config.modes));
    }

    public DaemonIdentity identity() {
        return identity;
    }

    public Path root() {
        return dir.root();
    }

    /** Asks the loop to stop gracefully; safe from any thread (a signal handler, a test). */
    public void requestStop() {
        events.add(new Stop());
    }

    /** Runs until stopped; returns the process exit code. */
    public int run() throws IOException, InterruptedException {
        config.modes.createDirectory(myClaims);
        publishStatus(config.clock.millis());
        LOG.log(System.Logger.Level.INFO, "spoolerd " + identity.id() + " on " + dir.root() + ": " + config.processes
                + " worker process(es), frequency " + DaemonConfig.seconds(config.frequency));
        warnIfFewFileDescriptors();
        String nameCharset = System.getProperty("sun.jnu.encoding", "UTF-8");
        if (!nameCharset.equalsIgnoreCase("UTF-8") && !nameCharset.equalsIgnoreCase("UTF8")) {
            LOG.log(System.Logger.Level.WARNING, "file names are decoded as " + nameCharset + " (the locale: LANG, LC_ALL):"
                    + " job files whose names are not ASCII cannot be opened; run spoolerd in a UTF-8 locale (LC_ALL=C.UTF-8)");
        }
        recoverDeadDaemons(config.clock.millis());
        watcher = DirectoryWatcher.start(dir.root(), events::add);
        sharedFileSystem = sharedFileSystemType(dir.root());
        if (sharedFileSystem != null) {
            LOG.log(System.Logger.Level.INFO, "the spool directory is on " + sharedFileSystem + ": file events do not cover other hosts,"
                    + " so the drop zone is scanned in full every " + DaemonConfig.seconds(config.frequency));
        }
        scanner.budget(READ_BUDGET_NANOS); // batches and hand-dropped files beyond it are read as the loop runs
        scanner.fullScan(config.clock.millis());
        try {
            loop();
        } catch (RuntimeException | Error e) {
            StackTraceElement[] where = e.getStackTrace();
            LOG.log(System.Logger.Level.ERROR, "stopping on an unexpected error: " + e + (where.length > 0 ? " at " + where[0] : "")
                    + "; jobs claimed here stay in " + myClaims + " and the next daemon on this directory returns them");
            if (e instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("the daemon failed: " + e, e);
        } finally {
            shutdown();
        }
        return 0;
    }

    private void loop() throws InterruptedException {
        while (true) {
            long now = config.clock.millis();
            if (stopping && busyWorkers() == 0) {
                return;
            }
            if (stopping && now >= stopDeadline) {
                for (Worker w : workers) {
                    if (w.state == Worker.State.BUSY) {
                        w.killedForStop = true;
                        w.kill("stopped after --grace " + DaemonConfig.seconds(config.grace));
                    }
                }
                waitForKilledWorkers();
                return;
            }
            long wake = Math.min(Math.min(nextTick, index.nextDue(now)), Math.min(nextPublish, stopDeadline));
            wake = Math.min(wake, nextHarakiri());
            if (workers.size() < config.processes && !stopping) {
                wake = Math.min(wake, nextSpawn);
            }
            boolean readingWaits = scanner.hasDeferred() && !stopping;
            Event event = events.poll(readingWaits ? 0 : Math.max(0, wake - now), TimeUnit.MILLISECONDS);
            scanner.budget(READ_BUDGET_NANOS);
            while (event != null) {
                handle(event);
                event = events.poll();
            }
            now = config.clock.millis();
            if (now >= nextTick) {
                tick(now);
            }
            checkHarakiri(now);
            if (!stopping) {
                scanner.examineDeferred(now); // while stopping, new files wait for the next daemon
                spawnWorkers(now);
                dispatch(now);
            }
            if (now >= nextPublish || (statusDirty && now >= nextPublish - heartbeatMillis() + 200)) {
                publishStatus(now);
            }
        }
    }

    /** The file-system type when it is one that other hosts may write to (NFS, CephFS, ...), else null. */
    static String sharedFileSystemType(Path root) {
        try {
            String type = Files.getFileStore(root).type();
            return isSharedType(type) ? type : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static boolean isSharedType(String fileSystemType) {
        String type = fileSystemType.toLowerCase(java.util.Locale.ROOT);
        return type.startsWith("nfs") || type.equals("ceph") || type.equals("cifs") || type.startsWith("smb")
                || type.equals("9p") || type.equals("glusterfs") || type.equals("lustre") || type.equals("gpfs")
                || type.equals("ocfs2") || type.equals("gfs2") || type.equals("afs") || type.startsWith("fuse");
    }

    /**
     * Each worker costs the daemon three pipes (more while it starts), and reading, scanning and
     * writing records need a few more: a small open-files limit shows up later as workers that
     * cannot start and files that cannot be read. Say so at start.
     */
    private void warnIfFewFileDescriptors() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    if (!soft.equals("unlimited")) {
                        long limit = Long.parseLong(soft);
                        long needed = 64 + 8L * config.processes;
                        if (limit < needed) {
                            LOG.log(System.Logger.Level.WARNING, "the open-files limit is " + limit + ", low for " + config.processes
                                    + " worker process(es) (at least " + needed + " advised): raise it (ulimit -n, LimitNOFILE=)");
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: nothing to check
        }
    }

    private void tick(long now) {
        nextTick = now + config.frequency.toMillis();
        if (!Files.isDirectory(dir.root(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            recreateSpoolDirectory();
        }
        outcomes.retryStuckMoves();
        // On a shared file system inotify sees this host's changes only, and the directory's mtime may be cached:
        // neither may stand in for a scan.
        scanner.tick(now, watcher != null && watcher.healthy() && sharedFileSystem == null);
        if (now >= nextRecovery) {
            recoverDeadDaemons(now);
        }
    }

    private void handle(Event event) {
        long now = config.clock.millis();
        if (event instanceof Stop) {
            beginStop(now);
        } else if (event instanceof FilesChanged f) {
            if (f.overflow()) {
                scanner.fullScan(now);
            } else {
                scanner.changed(f.names(), now);
            }
        } else if (event instanceof Worker.Ready r) {
            if (knownTasks.isEmpty()) {
                knownTasks = Set.copyOf(r.tasks());
                LOG.log(System.Logger.Level.INFO, "tasks: " + String.join(", ", new java.util.TreeSet<>(knownTasks)));
            }
            startFailures = 0;
            r.worker().jobThread = r.jobThread();
            if (r.worker().state == Worker.State.STARTING) {
                r.worker().state = Worker.State.IDLE; // not when it was retired meanwhile
            }
            if (stopping) {
                r.worker().retire();
            }
            statusDirty = true;
        } else if (event instanceof Worker.Progress p) {
            p.worker().done = p.done();
            p.worker().total = p.total();
            p.worker().progressMessage = p.message();
            statusDirty = true;
        } else if (event instanceof Worker.Started st) {
            onStarted(st, now);
        } else if (event instanceof Worker.Result r) {
            onResult(r, now);
        } else if (event instanceof Worker.Exited x) {
            onExit(x, now);
        }
    }

    private void onStarted(Worker.Started st, long now) {
        Worker.Assignment a = find(st.worker(), st.name());
        if (a != null) {
            a.startedMillis = now;
            a.id = st.id();
            a.task = st.task();
            a.attempt = st.attempt();
            statusDirty = true;
        }
    }

    private void onResult(Worker.Result r, long now) {
        Worker w = r.worker();
        Worker.Assignment a = find(w, r.name());
        if (a == null) {
            LOG.log(System.Logger.Level.WARNING, "worker " + w.pid() + " reported job file " + r.name() + ", which it was not given");
            return;
        }
        w.assigned.remove(a);
        assignedNames.remove(a.name);
        w.done = 0;
        w.total = 0;
        w.progressMessage = null;
        statusDirty = true;
        if (r.ran() && w.killedBecause != null && !r.outcome().equals("ok")) {
            // The daemon killed it (harakiri, the end of --grace); what the worker saw is only the consequence,
            // such as its command's exit code 137.
            if (w.killedForStop) {
                outcomes.returnToQueue(r.name(), r.id(), now);
            } else {
                outcomes.finished(new Worker.Result(w, r.name(), "error", null, w.killedBecause, r.durationMicros(), r.id(),
                        r.task(), r.attempt(), false, null), now);
            }
        } else if (r.ran()) {
            w.jobsRun++;
            averageJobMicros += (r.durationMicros() - averageJobMicros) / 8;
            outcomes.finished(r, now);
        } else {
            scanner.notRun(r, a.priority, now);
        }
        if (w.assigned.isEmpty() && w.state == Worker.State.BUSY) {
            w.state = Worker.State.IDLE;
        }
        if (w.assigned.isEmpty() && (stopping || (config.maxTasks > 0 && w.jobsRun >= config.maxTasks))) {
            w.retire();
        }
    }

    /** The assignment of that name, normally the worker's first. */
    private static Worker.Assignment find(Worker w, String name) {
        for (Worker.Assignment a : w.assigned) {
            if (a.name.equals(name)) {
                return a;
            }
        }
        return null;
    }

    private void onExit(Worker.Exited x, long now) {
        Worker w = x.worker();
        workers.remove(w);
        statusDirty = true;
        boolean started = w.state != Worker.State.STARTING;
        w.state = Worker.State.GONE;
        for (Worker.Assignment a : w.assigned) {
            assignedNames.remove(a.name);
            if (!Files.exists(myClaims.resolve(a.name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                // Never claimed: still in the drop zone (or taken by another daemon) and indexed again. Or it ran
                // to its end and the worker deleted it before it could report.
                if (a.started()) {
                    LOG.log(System.Logger.Level.WARNING, "worker " + w.pid() + " died after job " + a.id
                            + " finished, before it reported the outcome");
                }
                scanner.changed(List.of(a.name), now);
                continue;
            }
            if (w.killedForStop) {
                outcomes.returnToQueue(a.name, a.id != null ? a.id : a.name, now);
            } else {
                String why = w.killedBecause != null ? w.killedBecause
                        : "worker " + w.pid() + " died (exit code " + x.exitCode() + ")";
                LOG.log(System.Logger.Level.WARNING, "worker " + w.pid() + " running job " + (a.id != null ? a.id : a.name) + ": " + why);
                outcomes.died(a.name, a.started() ? a.startedMillis : now, why, now);
            }
        }
        w.assigned.clear();
        if (started) {
            deleteHiddenClaims(name -> name.endsWith(WorkerProtocol.FINISHED_CLAIM_SUFFIX)); // what it had not deleted yet
        }
        if (!started && !stopping) {
            long backoff = startFailed();
            nextSpawn = now + backoff;
            LOG.log(System.Logger.Level.ERROR, "worker " + w.pid() + " exited with code " + x.exitCode()
                    + " before it was ready (check --classpath and --worker-jvm-opts); next start in " + backoff + " ms");
        }
    }

    /**
     * Hands ready jobs to workers: first one to each free worker, then, while jobs are left, more to
     * workers whose queue has run down to half a batch. One message per worker.
     */
    private void dispatch(long now) {
        int batch = batchSize();
        int maxBusy = batch > 1 && workerLoad.cpuBound(() -> busyJobThreads(now), System.nanoTime()) ? CORES : Integer.MAX_VALUE;
        List<Worker> takers = takers(maxBusy, now);
        Map<Worker, List<Worker.Assignment>> give = new LinkedHashMap<>();
        fill:
        for (int pass = 0; pass < 2; pass++) {
            for (Worker w : takers) {
                List<Worker.Assignment> mine = give.computeIfAbsent(w, k -> new ArrayList<>());
                int queued = w.assigned.size() + mine.size();
                int room = pass == 0 ? (queued == 0 ? 1 : 0) : (queued <= batch / 2 ? batch - queued : 0);
                if (config.maxTasks > 0) {
                    room = Math.min(room, config.maxTasks - w.jobsRun - queued);
                }
                while (room-- > 0) {
                    Worker.Assignment a = nextReady(now);
                    if (a == null) {
                        break fill;
                    }
                    mine.add(a);
                }
            }
        }
        give.forEach((w, jobs) -> {
            if (jobs.isEmpty()) {
                return;
            }
            try {
                w.assign(jobs, now);
            } catch (IOException e) {
                // The worker is dying; its exit event finds these jobs unclaimed in the drop zone.
                LOG.log(System.Logger.Level.WARNING, "could not hand " + jobs.size() + " job(s) to worker " + w.pid() + ": " + e.getMessage());
            }
            statusDirty = true;
        });
    }

    /**
     * The workers that may get jobs now, at most maxBusy of them: those that have jobs first (in
     * start order: their JIT has warmed up), then idle ones, those that had jobs last first (a
     * worker between two batches keeps its place, so a capped drain stays on the same few). One
     * left out finishes what it has. One in a long job gets no more names (they would wait behind
     * it) and takes no place.
     */
    private List<Worker> takers(int maxBusy, long now) {
        List<Worker> takers = new ArrayList<>();
        List<Worker> idle = new ArrayList<>();
        for (Worker w : workers) {
            if ((w.state == Worker.State.IDLE || w.state == Worker.State.BUSY) && !inLongJob(w, now)) {
                (w.assigned.isEmpty() ? idle : takers).add(w);
            }
        }
        idle.sort(Comparator.comparingLong((Worker w) -> w.lastHandOut).reversed());
        takers.addAll(idle);
        return takers.size() > maxBusy ? takers.subList(0, maxBusy) : takers;
    }

    /** Whether the worker's job has run for LONG_JOB_MILLIS: it is out of a drain of short jobs for now. */
    private static boolean inLongJob(Worker w, long now) {
        Worker.Assignment running = w.running();
        return running != null && now - running.startedMillis >= LONG_JOB_MILLIS;
    }

    private List<Long> busyJobThreads(long now) {
        List<Long> threads = new ArrayList<>();
        for (Worker w : workers) {
            if (!w.assigned.isEmpty() && !inLongJob(w, now)) {
                threads.add(w.jobThread); // -1 when the worker could not tell: then nobody is held back
            }
        }
        return threads;
    }

    /** How many jobs one message may carry: about BATCH_TARGET_MICROS of work by the recent average. */
    private int batchSize() {
        return (int) Math.max(1, Math.min(MAX_BATCH, BATCH_TARGET_MICROS / Math.max(1, averageJobMicros)));
    }

    /** The next ready job whose name is free in this daemon's claims directory, or null. */
    private Worker.Assignment nextReady(long now) {
        while (true) {
            Index.Entry next = index.pollReady(now);
            if (next == null) {
                return null;
            }
            String name = next.name();
            if (assignedNames.contains(name) || outcomes.holds(name)) {
                // A job of the same name is running or held here; claiming would replace its claim (rename(2)).
                index.putJob(name, next.priority(), now + config.frequency.toMillis(), now);
                continue;
            }
            index.remove(name); // a worker claims it now; what it reports decides whether it comes back
            assignedNames.add(name);
            return new Worker.Assignment(name, next.priority());
        }
    }

    private void spawnWorkers(long now) {
        while (workers.size() < config.processes && now >= nextSpawn) {
            try {
                Worker w = Worker.start(nextSlot++, config, dir.root(), myClaims, events::add);
                workers.add(w);
            } catch (IOException e) {
                nextSpawn = now + startFailed();
                LOG.log(System.Logger.Level.ERROR, "cannot start a worker process: " + e.getMessage());
                return;
            }
        }
    }

    /** One more worker failed to start: the delay before the next try, 0.5 s doubling up to 30 s. */
    private long startFailed() {
        startFailures++;
        return Math.min(30_000, 500L << Math.min(6, startFailures - 1));
    }

    private long nextHarakiri() {
        if (config.harakiri == null) {
            return Long.MAX_VALUE;
        }
        long next = Long.MAX_VALUE;
        for (Worker w : workers) {
            Worker.Assignment running = w.running();
            if (running != null && w.killedBecause == null) {
                next = Math.min(next, running.startedMillis + config.harakiri.toMillis());
            }
        }
        return next;
    }

    private void checkHarakiri(long now) {
        if (config.harakiri == null) {
            return;
        }
        for (Worker w : workers) {
            Worker.Assignment running = w.running();
            if (running != null && w.killedBecause == null && now >= running.startedMillis + config.harakiri.toMillis()) {
                LOG.log(System.Logger.Level.WARNING, "harakiri: job " + running.id + " ran longer than "
                        + DaemonConfig.seconds(config.harakiri) + ", killing worker " + w.pid());
                w.kill("harakiri: killed after " + DaemonConfig.seconds(config.harakiri));
            }
        }
    }

    /** The operator removed the spool directory under a running daemon: make it again and keep serving. */
    private void recreateSpoolDirectory() {
        LOG.log(System.Logger.Level.ERROR, "the spool directory " + dir.root() + " disappeared; creating it again"
                + " (jobs that were running lost their files with it)");
        try {
            dir.createLayout();
            config.modes.createDirectory(myClaims);
            if (watcher != null) {
                watcher.close();
            }
            watcher = DirectoryWatcher.start(dir.root(), events::add);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot create " + dir.root() + ": " + e + "; trying again next tick");
        }
    }

    private void beginStop(long now) {
        if (stopping) {
            return;
        }
        stopping = true;
        stopDeadline = now + config.grace.toMillis();
        statusDirty = true;
        LOG.log(System.Logger.Level.INFO, "stopping: no new jobs; " + busyWorkers() + " running job(s) get "
                + DaemonConfig.seconds(config.grace) + " to finish");
        for (Worker w : workers) {
            w.shutdown();
            if (w.state != Worker.State.BUSY) {
                w.retire();
            }
        }
    }

    private int busyWorkers() {
        int n = 0;
        for (Worker w : workers) {
            if (w.state == Worker.State.BUSY) {
                n++;
            }
        }
        return n;
    }

    private void waitForKilledWorkers() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (busyWorkers() > 0 && System.nanoTime() < deadline) {
            Event e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e instanceof Worker.Exited || e instanceof Worker.Result) {
                handle(e);
            }
        }
    }

    private void shutdown() {
        if (watcher != null) {
            watcher.close();
        }
        for (Worker w : new ArrayList<>(workers)) {
            w.retire();
        }
        for (Worker w : new ArrayList<>(workers)) {
            w.kill("daemon exiting");
        }
        outcomes.beforeExit();
        deleteHiddenClaims(name -> true);
        try {
            Files.deleteIfExists(myClaims);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "claims left in " + myClaims + " (" + e.getMessage()
                    + "); the next daemon returns them to the queue");
        }
        try {
            registry.remove(identity);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove the daemon record: " + e.getMessage());
        }
        LOG.log(System.Logger.Level.INFO, "stopped");
    }

    /**
     * Hidden files in this daemon's claims directory: finished jobs that a killed worker had renamed
     * but not yet deleted (those of live workers too, whose deleters then find them gone). What is
     * left here, the next daemon's recovery deletes.
     */
    private void deleteHiddenClaims(java.util.function.Predicate<String> which) {
        try (var files = Files.newDirectoryStream(myClaims, f -> JobNames.kindOf(f.getFileName().toString()) == JobNames.Kind.IGNORED
                && which.test(f.getFileName().toString()))) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // left for the next daemon, as claims are
        }
    }

    /** Claims of daemons that are gone go back to the queue; each running job counts an attempt. */
    private void recoverDeadDaemons(long now) {
        nextRecovery = now + Math.max(1000, config.lease.toMillis() / 3);
        try {
            List<DaemonRegistry.Record> records = registry.records();
            Set<String> alive = new HashSet<>();
            for (DaemonRegistry.Record r : records) {
                if (r.identity().id().equals(identity.id()) || r.alive(identity, now)) {
                    alive.add(r.identity().id());
                }
            }
            for (Path owner : SpoolDirectory.listDirectories(dir.claims())) {
                String ownerId = owner.getFileName().toString();
                if (alive.contains(ownerId)) {
                    continue;
                }
                boolean hasRecord = records.stream().anyMatch(r -> r.identity().id().equals(ownerId));
                if (!hasRecord && now - Files.getLastModifiedTime(owner).toMillis() < config.lease.toMillis()) {
                    continue; // a daemon starting up writes its record first; give an orphan one lease
                }
                int n = outcomes.recoverClaims(owner, ownerId, now);
                if (n > 0) {
                    LOG.log(System.Logger.Level.WARNING, "daemon " + ownerId + " is gone: returned " + n + " claimed job(s) to the queue");
                }
            }
            for (DaemonRegistry.Record r : records) {
                if (!alive.contains(r.identity().id()) && !Files.exists(dir.claims().resolve(r.identity().id()))) {
                    Files.deleteIfExists(dir.daemons().resolve(r.identity().id() + DaemonRegistry.SUFFIX));
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not check for dead daemons: " + e.getMessage());
        }
    }

    private long heartbeatMillis() {
        return Math.max(100, Math.min(1000, config.lease.toMillis() / 3));
    }

    private void publishStatus(long now) {
        nextPublish = now + heartbeatMillis();
        statusDirty = false;
        ObjectNode status = JobCodec.mapper().createObjectNode();
        status.put("version", 1);
        status.put("heartbeat", now);
        status.put("lease_ms", config.lease.toMillis());
        status.put("started", startedMillis);
        status.put("spool_dir", dir.root().toString());
        status.put("processes", config.processes);
        status.put("stopping", stopping);
        ArrayNode tasks = status.putArray("tasks");
        new java.util.TreeSet<>(knownTasks).forEach(tasks::add);
        ArrayNode ws = status.putArray("workers");
        for (Worker w : workers) {
            ObjectNode n = ws.addObject().put("pid", w.pid()).put("state", w.state.name().toLowerCase(java.util.Locale.ROOT))
                    .put("jobs_run", w.jobsRun);
            Worker.Assignment job = w.running();
            if (job != null) {
                n.put("job_id", job.id).put("task", job.task).put("attempt", job.attempt)
                        .put("started", job.startedMillis).put("file", job.name);
                if (w.total > 0 || w.progressMessage != null) {
                    n.putObject("progress").put("done", w.done).put("total", w.total).put("message", w.progressMessage);
                }
            }
        }
        ObjectNode counts = status.putObject("index");
        index.counts(now).forEach((state, count) -> counts.put(state.name().toLowerCase(java.util.Locale.ROOT), count));
        try {
            registry.publish(identity, status);
            if (publishFailingSince >= 0) {
                LOG.log(System.Logger.Level.INFO, "daemon record written again (it could not be for "
                        + (now - publishFailingSince) + " ms)");
                publishFailingSince = -1;
            }
        } catch (IOException e) {
            // Once a minute, not every heartbeat: a full disk would flood the log. While it lasts, daemons on
            // other hosts see this one's lease run out (same-host daemons check its pid instead).
            if (publishFailingSince < 0 || now - lastPublishWarning >= 60_000) {
                LOG.log(System.Logger.Level.WARNING, "could not write the daemon record (heartbeat): " + e
                        + (publishFailingSince < 0 ? "" : "; failing for " + (now - publishFailingSince) + " ms")
                        + "; daemons on other hosts treat this one as dead once its lease ("
                        + DaemonConfig.seconds(config.lease) + ") has passed");
                lastPublishWarning = now;
            }
            if (publishFailingSince < 0) {
                publishFailingSince = now;
            }
        }
    }
}
