package io.spoolerd.internal.daemon;

import io.spoolerd.InvalidJobException;
import io.spoolerd.internal.Threads;
import io.spoolerd.internal.store.DurableWrite;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobFiles;
import io.spoolerd.internal.store.JobIds;
import io.spoolerd.internal.store.JobNames;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Brings the drop zone into the {@link Index} and takes jobs out of it. Names written by the API
 * are indexed from the name alone; hand-dropped files are read once (never through a link, never
 * a FIFO or device), and files that do not parse are re-read until they have been unchanged for
 * {@code --bad-grace}, then moved to bad/. A claim is an atomic rename into this daemon's claims
 * directory; only then is the job read in full, so a job is only ever judged by its owner.
 */
final class Scanner {

    private static final System.Logger LOG = Daemon.LOG;
    /** A full scan at least every this many ticks even when nothing says the directory changed. */
    static final int FULL_SCAN_EVERY = 10;
    /**
     * With file-system events working, full scans are only the safety net: spaced so that they take
     * at most 1/SCAN_DUTY of the daemon's time (a million names take about a second to scan).
     */
    static final int SCAN_DUTY = 50;
    static final long MAX_BATCH_BYTES = 256L << 20;
    /** How many job files of a batch are fsynced at once. */
    static final int FSYNC_THREADS = 4;
    private static ExecutorService fsyncers;

    private final DaemonConfig config;
    private final SpoolDirectory dir;
    private final Path myClaims;
    private final Index index;
    private final Outcomes outcomes;
    /** The ids of hand-dropped jobs (an id field, or the name), to refuse a second job with the same id. */
    private final Map<String, String> handIds = new HashMap<>();
    /** The other way round: the id each of those names had when it was read (a name may be reused by a later job). */
    private final Map<String, String> handNames = new HashMap<>();
    private final Set<String> assigned;
    private final ExpandedBatches batches;
    /** Batches whose expansion failed (say, a full disk): not before this time again. */
    private final Map<String, Long> batchRetries = new HashMap<>();
    private long scanNumber;
    private FileTime lastRootMtime;
    private int ticksSinceFull;
    /** How long the last full scan took to list and index the names; reading files (a batch of 100 MB) not counted. */
    private long lastScanMillis;
    /** Time spent reading hand-dropped files and expanding batches, since the current scan began. */
    private long inspectNanos;
    private long lastScanAt;
    /**
     * New names to read (hand-dropped jobs) or expand (batches) once the loop has time: reading one
     * takes milliseconds (a batch an fsync per job), and producers can drop them faster than that
     * for as long as they like. Done all at once, that kept the loop from handing out any job
     * until the producers stopped.
     */
    private final Set<String> deferred = new LinkedHashSet<>();
    /** Until when ({@link System#nanoTime}) this turn of the loop may read and expand new files; no limit before the first. */
    private long inspectUntil;
    private boolean inspectLimited;
    /**
     * The other daemons' claims directories, where each hand-dropped file's id is looked for. Not
     * listed for each file (that was a quarter of the daemon's time in a drain of hand-dropped
     * files, and 4 system calls of a file drop's start): once for each full scan, each batch of
     * file-system events and each turn's deferred files, the claims root's mtime is compared with
     * the one at the last listing, which a daemon's claims directory made or removed since changes.
     * So a daemon whose claims directory was there before a file came is seen, except when its
     * directory came within the mtime's granularity (a jiffy) of the change before, until the next
     * full scan, which lists again (the check, a look into other daemons' directories, was never
     * atomic anyway).
     */
    private List<Path> otherClaims = List.of();
    private FileTime otherClaimsMtime;
    private boolean otherClaimsChecked;

    /**
     * {@code assigned}: the names this daemon has handed to its workers and not yet had a result for
     * (its running jobs); the daemon's own set, read here on the daemon's loop thread.
     */
    Scanner(DaemonConfig config, SpoolDirectory dir, Path myClaims, Index index, Outcomes outcomes, Set<String> assigned) {
        this.config = config;
        this.dir = dir;
        this.myClaims = myClaims;
        this.index = index;
        this.outcomes = outcomes;
        this.assigned = assigned;
        this.batches = new ExpandedBatches(dir);
    }

    void fullScan(long now) {
        otherClaimsChecked = false;
        otherClaimsMtime = null; // listed again whatever the mtime says
        scanNumber++;
        ticksSinceFull = 0;
        lastScanAt = now;
        long began = System.nanoTime();
        inspectNanos = 0;
        try {
            lastRootMtime = Files.getLastModifiedTime(dir.root(), LinkOption.NOFOLLOW_LINKS);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir.root())) {
                for (Path p : entries) {
                    String name = p.getFileName().toString();
                    examineGuarded(name, now);
                    batches.seen(name);
                }
            }
            batches.afterScan(scanNumber);
            index.forgetUnseen(scanNumber);
            handIds.values().removeIf(name -> !index.contains(name) && !assigned.contains(name));
            handNames.keySet().removeIf(name -> !index.contains(name) && !assigned.contains(name));
            batchRetries.keySet().removeIf(name -> !index.contains(name));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot scan " + dir.root() + ": " + e);
        }
        lastScanMillis = (System.nanoTime() - began - inspectNanos) / 1_000_000;
    }

    /**
     * The periodic look, then the pending bad files. Without file-system events: a full scan unless
     * the directory provably did not change. With them, the events already told of every new file
     * (a removal shows as a claim that finds the file gone, or at the next scan; this daemon's own
     * claims change the directory's mtime all the time while it drains), so a full scan is only the
     * periodic safety net, and a long one is not repeated too soon.
     */
    void tick(long now, boolean eventsWork) {
        ticksSinceFull++;
        if (!eventsWork) {
            // No events, or events that miss other hosts' changes and an mtime that may be cached (NFS):
            // the scan is the only way to see new files, so it runs every tick.
            fullScan(now);
        } else {
            FileTime mtime = null;
            try {
                mtime = Files.getLastModifiedTime(dir.root(), LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot read " + dir.root() + ": " + e);
            }
            boolean due = mtime == null || !mtime.equals(lastRootMtime) || ticksSinceFull >= FULL_SCAN_EVERY;
            // Events already told us about each change; the scan is a safety net, so it may take at
            // most 1/SCAN_DUTY of the time (a drain changes the mtime every tick, a million names take a second).
            if (due && now - lastScanAt >= SCAN_DUTY * lastScanMillis) {
                fullScan(now);
            }
        }
        for (Index.Entry e : index.inState(Index.State.PENDING_BAD)) {
            recheck(e.name(), now);
        }
    }

    /** This turn of the loop may read and expand new files for {@code nanos}; what does not fit is deferred. */
    void budget(long nanos) {
        inspectUntil = System.nanoTime() + nanos;
        inspectLimited = true;
        otherClaimsChecked = false; // for the deferred files
    }

    private boolean overBudget() {
        return inspectLimited && System.nanoTime() - inspectUntil > 0;
    }

    boolean hasDeferred() {
        return !deferred.isEmpty();
    }

    /** Reads and expands deferred names, oldest first, while this turn's budget lasts. */
    void examineDeferred(long now) {
        while (!deferred.isEmpty() && !overBudget()) {
            String name = deferred.iterator().next();
            deferred.remove(name);
            examineChanged(List.of(name), now);
        }
    }

    /** Names the file-system events say changed, or a worker handed back unclaimed. */
    void changed(List<String> names, long now) {
        otherClaimsChecked = false;
        examineChanged(names, now);
    }

    private void examineChanged(List<String> names, long now) {
        for (String name : names) {
            if (JobNames.kindOf(name) == JobNames.Kind.IGNORED) {
                continue;
            }
            try {
                Path file = pathOf(name);
                if (file == null) {
                    examine(name, now); // reports it
                    continue;
                }
                if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    index.remove(name);
                    continue;
                }
                Index.Entry e = index.get(name);
                if (e == null) {
                    examine(name, now);
                } else if (e.state() == Index.State.PENDING_BAD) {
                    recheck(name, now);
                } else if (e.state() == Index.State.NOT_A_FILE) {
                    recheckNotAFile(e, now);
                }
            } catch (RuntimeException e) {
                leaveAlone(name, e);
            }
        }
    }

    /** One name must never stop the daemon: whatever goes wrong with it is reported, and the name left alone. */
    private void examineGuarded(String name, long now) {
        try {
            examine(name, now);
        } catch (RuntimeException e) {
            leaveAlone(name, e);
        }
    }

    private void leaveAlone(String name, RuntimeException e) {
        if (index.get(name) == null || index.get(name).state() != Index.State.NOT_A_FILE) {
            index.park(name, Index.State.NOT_A_FILE, e.toString());
            Index.Entry parked = index.get(name);
            index.markSeen(parked, scanNumber);
            LOG.log(System.Logger.Level.ERROR, "cannot examine " + name + " in the drop zone: " + e + "; left alone");
        }
    }

    /** The path of a drop-zone name, or null when the name cannot be encoded back into a file name. */
    private Path pathOf(String name) {
        try {
            return dir.root().resolve(name);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /**
     * A listed name that cannot be used to reach its file: its bytes are not valid in the charset
     * file names are decoded with (invalid UTF-8, or any non-ASCII name in a POSIX locale), and the
     * JVM replaced them. Reported once, left alone.
     */
    private void unnamable(String name) {
        index.park(name, Index.State.NOT_A_FILE, "name not valid in the file-name charset");
        LOG.log(System.Logger.Level.WARNING, name + " in the drop zone has a name that is not valid in the file-name charset "
                + System.getProperty("sun.jnu.encoding") + " (bytes that are not UTF-8, or a locale that is not UTF-8):"
                + " it cannot be opened by name; left alone, rename it to run it");
    }

    /**
     * A name reported as a link, directory or FIFO may have been replaced by a regular file since
     * (the operator removed the link and dropped a real job under that name): look again.
     */
    private void recheckNotAFile(Index.Entry e, long now) {
        String name = e.name();
        Path file = pathOf(name);
        if (file != null && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            long seen = e.seen();
            index.remove(name);
            examine(name, now);
            Index.Entry again = index.get(name);
            if (again != null) {
                index.markSeen(again, Math.max(seen, again.seen()));
            }
        }
    }

    private void examine(String name, long now) {
        JobNames.Kind kind = JobNames.kindOf(name);
        if (kind == JobNames.Kind.IGNORED) {
            return;
        }
        Index.Entry known = index.get(name);
        if (known != null) {
            index.markSeen(known, scanNumber);
            if (known.state() == Index.State.NOT_A_FILE) {
                recheckNotAFile(known, now);
            }
            return;
        }
        if (pathOf(name) == null) {
            unnamable(name);
            index.markSeen(index.get(name), scanNumber);
            return;
        }
        JobNames.Canonical canonical = kind == JobNames.Kind.JOB ? JobNames.parse(name) : null;
        if (canonical != null) {
            index.putJob(name, canonical.priority(), canonical.dueMillis(), now);
        } else if (overBudget()) {
            deferred.add(name);
            return;
        } else {
            deferred.remove(name);
            inspect(name, now);
        }
        Index.Entry added = index.get(name);
        if (added != null) {
            index.markSeen(added, scanNumber);
        }
    }

    /** Reads a hand-dropped job or batch to learn its priority and due time. */
    private void inspect(String name, long now) {
        long began = System.nanoTime();
        try {
            inspectFile(name, now);
        } finally {
            inspectNanos += System.nanoTime() - began;
        }
    }

    private void inspectFile(String name, long now) {
        Path file = dir.root().resolve(name);
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            if (name.indexOf('\uFFFD') >= 0) {
                unnamable(name); // listed, yet not there by this name: the JVM replaced bytes it could not decode
            }
            return; // otherwise gone already
        } catch (IOException e) {
            return; // gone already
        }
        if (!attrs.isRegularFile()) {
            String what = attrs.isSymbolicLink() ? "a symlink" : attrs.isDirectory() ? "a directory" : "not a regular file";
            index.park(name, Index.State.NOT_A_FILE, what);
            LOG.log(System.Logger.Level.WARNING, name + " in the drop zone is " + what + ": not a job, left alone");
            return;
        }
        if (JobNames.kindOf(name) == JobNames.Kind.BATCH) {
            expandBatch(name, attrs, now);
            return;
        }
        JobFile job;
        try {
            job = JobCodec.parse(JobFiles.read(file, attrs, config.maxJobBytes), name);
        } catch (InvalidJobException e) {
            pendingBad(name, attrs, e.getMessage(), now);
            return;
        } catch (IOException e) {
            pendingBad(name, attrs, name + ": cannot read: " + JobFiles.describe(e), now);
            return;
        }
        String id = job.idOr(name);
        String other = liveJobWithId(id, name);
        if (other != null) {
            outcomes.toBad(file, name, name + ": a job with id \"" + id + "\" is already queued, scheduled or running ("
                    + other + ")");
            index.remove(name);
            return;
        }
        String before = handNames.put(name, id);
        if (before != null && !before.equals(id)) {
            handIds.remove(before, name); // the name held another job before: that id is not taken by it any more
        }
        handIds.put(id, name);
        long due = job.notBefore() != null ? job.notBefore().toEpochMilli() : attrs.lastModifiedTime().toMillis();
        index.putJob(name, job.priority(), due, now);
    }

    /**
     * A job other than the file {@code name} that is queued, scheduled or running with this id, as a
     * short description (its name, where known), or null. Checked from memory for this daemon's jobs
     * (the index, the hand-dropped files it read, the names it handed out), and in the claims
     * directories of other daemons sharing the spool directory, which hold their running jobs.
     */
    private String liveJobWithId(String id, String name) {
        String other = handIds.get(id);
        if (other != null && !other.equals(name) && (index.contains(other) || assigned.contains(other))) {
            return other;
        }
        if (index.holdsId(id)) {
            return "a job whose name says that id";
        }
        for (String running : assigned) {
            JobNames.Canonical c = JobNames.parse(running);
            if (c != null && id.equals(c.id())) {
                return running + ", running";
            }
        }
        try {
            return dir.findClaimedIn(id, otherClaims()).map(p -> p.getFileName() + ", running on another daemon").orElse(null);
        } catch (IOException e) {
            return null; // nothing to compare with: the job runs, as it would have a moment before the other
        }
    }

    private List<Path> otherClaims() throws IOException {
        if (!otherClaimsChecked) {
            FileTime mtime = Files.getLastModifiedTime(dir.claims(), LinkOption.NOFOLLOW_LINKS); // before the listing
            if (!mtime.equals(otherClaimsMtime)) {
                otherClaims = dir.claimDirectoriesExcept(myClaims);
                otherClaimsMtime = mtime;
            }
            otherClaimsChecked = true;
        }
        return otherClaims;
    }

    /** A file that does not parse: bad once unchanged for the grace period, until then maybe still being written. */
    private void pendingBad(String name, BasicFileAttributes attrs, String reason, long now) {
        if (now - attrs.lastModifiedTime().toMillis() >= config.badGrace.toMillis()) {
            outcomes.toBad(dir.root().resolve(name), name, reason);
            index.remove(name);
        } else {
            index.park(name, Index.State.PENDING_BAD, reason);
        }
    }

    private void recheck(String name, long now) {
        Index.Entry e = index.get(name);
        long seen = e == null ? scanNumber : e.seen();
        index.remove(name);
        inspect(name, now);
        Index.Entry again = index.get(name);
        if (again != null) {
            index.markSeen(again, seen);
        }
    }

    /**
     * A batch: claimed whole, each line written out as its own job file, all of them fsynced, and
     * only then the batch deleted. A crash in between leaves the batch to be expanded again (the
     * same names, so at most a job runs twice). Lines that are not jobs go to bad/ one by one; a
     * batch without a single job in it goes to bad/ whole. The file is streamed (twice: checked in
     * the drop zone, expanded from the claim), holding one line of at most --max-job-bytes at a
     * time, so a huge batch or a huge line costs no memory.
     */
    private void expandBatch(String name, BasicFileAttributes attrs, long now) {
        Path file = dir.root().resolve(name);
        if (attrs.size() > MAX_BATCH_BYTES) {
            pendingBad(name, attrs, name + ": batch of " + attrs.size() + " bytes, larger than " + MAX_BATCH_BYTES, now);
            return;
        }
        if (batches.isExpanded(name, attrs, scanNumber)) {
            index.remove(name); // its jobs are files of their own now; it goes away with the last of them
            return;
        }
        Long retryAt = batchRetries.get(name);
        if (retryAt != null && now < retryAt) {
            index.park(name, Index.State.PENDING_BAD, "expansion failed; tried again in " + (retryAt - now) + " ms");
            return;
        }
        int jobs = 0;
        String firstError = null;
        boolean inGrace = now - attrs.lastModifiedTime().toMillis() < config.badGrace.toMillis();
        try (BatchReader lines = new BatchReader(file, config.maxJobBytes)) {
            for (BatchReader.Line line; (line = lines.next()) != null; ) {
                if (line.blank()) {
                    continue;
                }
                try {
                    parseLine(line, name);
                    jobs++;
                } catch (InvalidJobException e) {
                    firstError = firstError == null ? e.getMessage() : firstError;
                    if (inGrace) {
                        break; // it waits anyway: no need to read the rest now
                    }
                }
            }
        } catch (IOException e) {
            pendingBad(name, attrs, name + ": cannot read: " + JobFiles.describe(e), now);
            return;
        }
        if (firstError == null && jobs == 0) {
            firstError = name + ": no job in it (empty batch)";
        }
        if (firstError != null && inGrace) {
            index.park(name, Index.State.PENDING_BAD, firstError); // maybe still being written
            return;
        }
        if (jobs == 0) {
            outcomes.toBad(file, name, firstError);
            index.remove(name);
            return;
        }
        Path claim = myClaims.resolve(name);
        try {
            if (Files.exists(claim, LinkOption.NOFOLLOW_LINKS)) {
                return; // a batch of that name is being expanded here; the next scan takes this one
            }
            Files.move(file, claim, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot claim batch " + name + ": " + e);
            return;
        }
        List<Path> written = new ArrayList<>();
        int bad = 0;
        String stem = JobNames.stem(name);
        String firstId = null;
        String lastId = null;
        try (BatchReader lines = new BatchReader(claim, config.maxJobBytes)) {
            for (BatchReader.Line line; (line = lines.next()) != null; ) {
                if (line.blank()) {
                    continue;
                }
                String lineName = stem + ".line" + line.number() + JobNames.JOB_SUFFIX;
                JobFile job;
                try {
                    job = parseLine(line, name);
                } catch (InvalidJobException e) {
                    if (line.bytes() == null) {
                        copyRange(claim, line.offset(), line.length(), myClaims.resolve(lineName));
                    } else {
                        DurableWrite.write(myClaims, lineName, withNewline(line.bytes()), false, dir.modes());
                    }
                    outcomes.toBad(myClaims.resolve(lineName), lineName, e.getMessage());
                    bad++;
                    continue;
                }
                String jobName = expandedName(stem, line.number(), job);
                if (!jobName.equals(stem + "-" + line.number() + JobNames.JOB_SUFFIX)) { // named after the line's arrival id
                    firstId = firstId == null || job.id().compareTo(firstId) < 0 ? job.id() : firstId;
                    lastId = lastId == null || job.id().compareTo(lastId) > 0 ? job.id() : lastId;
                }
                written.add(writeJob(jobName, withNewline(line.bytes())));
            }
            fsyncAll(written);
            DurableWrite.fsyncDirectory(dir.root());
        } catch (IOException e) {
            long retry = Math.max(1000, 5 * config.frequency.toMillis());
            batchRetries.put(name, now + retry);
            LOG.log(System.Logger.Level.ERROR, "cannot expand batch " + name + ": " + e + "; " + written.size()
                    + " of its job(s) queued so far, the batch goes back to the drop zone and is expanded again in "
                    + retry + " ms (jobs already queued may run twice)");
            putBack(claim, file);
            index.park(name, Index.State.PENDING_BAD, "expansion failed: " + e.getMessage());
            return;
        }
        batchRetries.remove(name);
        keepUntilDone(name, claim, file, stem, firstId, lastId);
        for (Path p : written) {
            examine(p.getFileName().toString(), now);
        }
        LOG.log(System.Logger.Level.INFO, "batch " + name + ": " + written.size() + " job(s) queued"
                + (bad > 0 ? ", " + bad + " bad line(s) moved to bad/" : ""));
    }

    private JobFile parseLine(BatchReader.Line line, String batch) {
        String source = "line " + line.number() + " of " + batch;
        if (line.bytes() == null) {
            throw new InvalidJobException(source + ": " + line.length() + " bytes, larger than --max-job-bytes " + config.maxJobBytes);
        }
        return JobCodec.parse(line.bytes(), source);
    }

    private static byte[] withNewline(byte[] line) {
        byte[] out = java.util.Arrays.copyOf(line, line.length + 1);
        out[line.length] = '\n';
        return out;
    }

    /** Copies {@code length} bytes at {@code offset} of {@code source} into a new file {@code target}, without holding them. */
    private void copyRange(Path source, long offset, long length, Path target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             FileChannel out = FileChannel.open(target, java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                     dir.modes().fileAttributes(target.getFileSystem()))) {
            long done = 0;
            while (done < length) {
                long n = in.transferTo(offset + done, length - done, out);
                if (n <= 0) {
                    throw new IOException(source.getFileName() + " shrank while its line was copied");
                }
                done += n;
            }
        }
    }

    /**
     * Writes a batch's job file without replacing another job: the same content under the name is
     * this expansion's own job from an expansion a crash cut short (kept as it is); other content is
     * a job of another batch of the same name, still queued, and this one gets a suffixed name.
     */
    private Path writeJob(String jobName, byte[] content) throws IOException {
        for (int n = 0; ; n++) {
            String name = n == 0 ? jobName : SpoolDirectory.suffixed(jobName, n);
            if (DurableWrite.writeNew(dir.root(), name, content, false, dir.modes())) {
                return dir.root().resolve(name);
            }
            try {
                if (java.util.Arrays.equals(Files.readAllBytes(dir.root().resolve(name)), content)) {
                    return dir.root().resolve(name);
                }
            } catch (NoSuchFileException gone) {
                n--; // claimed or finished meanwhile: try the name again
            }
        }
    }

    /**
     * An expanded batch goes back into the drop zone, marked as expanded, until its last job is gone
     * ({@link ExpandedBatches}). When that cannot be (no room for the marker, or a new batch took its
     * name meanwhile), it goes away now: its jobs are safe as files either way.
     */
    private void keepUntilDone(String name, Path claim, Path file, String stem, String firstId, String lastId) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(claim, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            batches.expanded(name, stem, firstId, lastId, attrs, scanNumber);
            if (SpoolDirectory.moveNoReplace(claim, file)) {
                return;
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "batch " + name + ": cannot keep it until its jobs are done (" + e
                    + "); it is removed now, its jobs are queued");
        }
        batches.discard(name);
        try {
            Files.deleteIfExists(claim);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "batch " + name + ": cannot remove it from " + myClaims + ": " + e
                    + "; it is expanded again when a daemon next starts (its jobs may run twice)");
        }
    }

    private static String expandedName(String batchStem, int line, JobFile job) {
        if (job.id() != null && job.id().length() == JobIds.LENGTH && JobNames.parse(job.id() + JobNames.JOB_SUFFIX) != null) {
            return JobNames.format(job.id(), job.priority(), job.at() == null ? null : job.at().toEpochMilli(), null);
        }
        return batchStem + "-" + line + JobNames.JOB_SUFFIX;
    }

    private static void fsync(Path file) throws IOException {
        try {
            DurableWrite.fsync(file);
        } catch (NoSuchFileException e) {
            // already run and deleted by another daemon: nothing left to make durable
        }
    }

    /**
     * The fsyncs of a batch's job files, {@link #FSYNC_THREADS} at a time: the device works on
     * several at once, and one after the other they made the expansion, and so the drain of a
     * backlog of batches, as slow as the disk's single-file fsync rate.
     */
    private static void fsyncAll(List<Path> files) throws IOException {
        if (files.size() < 2) {
            for (Path p : files) {
                fsync(p);
            }
            return;
        }
        int parts = Math.min(FSYNC_THREADS, files.size());
        List<Future<?>> done = new ArrayList<>(parts);
        for (int part = 0; part < parts; part++) {
            List<Path> mine = files.subList(part * files.size() / parts, (part + 1) * files.size() / parts);
            done.add(fsyncers().submit(() -> {
                for (Path p : mine) {
                    fsync(p);
                }
                return null;
            }));
        }
        IOException failed = null;
        for (Future<?> f : done) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failed == null) {
                    failed = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the job files were fsynced");
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private static synchronized ExecutorService fsyncers() {
        if (fsyncers == null) {
            fsyncers = Executors.newFixedThreadPool(FSYNC_THREADS,
                    r -> Threads.daemon("spoolerd-fsync", r));
        }
        return fsyncers;
    }

    /**
     * A job a worker was given and did not run (see the worker protocol's outcomes). One it claimed
     * and found it cannot run here goes back to the drop zone, parked or timed as the reason says.
     */
    void notRun(Worker.Result r, int priority, long now) {
        String name = r.name();
        String error = r.error();
        Long due = r.dueMillis();
        Path source = dir.root().resolve(name);
        Path claim = myClaims.resolve(name);
        long retry = Math.max(1000, 5 * config.frequency.toMillis());
        switch (r.outcome()) {
            case "gone" -> { } // another daemon was faster, or it was cancelled: out of the index already
            case "skipped" -> changed(List.of(name), now); // the daemon is stopping; still in the drop zone
            case "not_a_file" -> {
                putBack(claim, source);
                index.park(name, Index.State.NOT_A_FILE, "not a regular file");
                LOG.log(System.Logger.Level.WARNING, name + " in the drop zone is not a regular file: not a job, left alone");
            }
            // Unreadable (root dropped it 0600, say) will not get better by trying every tick: judged like a file
            // that does not parse, re-read each tick, and after --bad-grace to bad/.
            case "invalid", "unreadable" -> {
                putBack(claim, source);
                index.park(name, Index.State.PENDING_BAD, error);
            }
            case "unknown_task" -> {
                putBack(claim, source);
                LOG.log(System.Logger.Level.WARNING, "job " + (r.id() != null ? r.id() : name) + " left queued: " + error);
                index.park(name, Index.State.UNKNOWN_TASK, error);
            }
            case "not_due" -> {
                putBack(claim, source);
                index.putJob(name, priority, due == null ? now + retry : due, now);
            }
            default -> {
                // Out of file descriptors, an I/O error: try again later, not at the next tick (a log line each time).
                if (Files.exists(claim, LinkOption.NOFOLLOW_LINKS)) {
                    putBack(claim, source);
                }
                index.putJob(name, priority, now + retry, now);
                LOG.log(System.Logger.Level.ERROR, "job file " + name + ": " + error + "; tried again in " + retry + " ms");
            }
        }
    }

    private void putBack(Path claim, Path source) {
        try {
            String name = outcomes.backToQueue(claim, source.getFileName().toString());
            if (!name.equals(source.getFileName().toString())) {
                examine(name, config.clock.millis());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot return " + claim.getFileName() + " to the drop zone: " + e
                    + "; it is returned when a daemon next starts");
        }
    }
}
