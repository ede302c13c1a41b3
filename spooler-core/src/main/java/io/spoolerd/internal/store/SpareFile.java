package io.spoolerd.internal.store;

import io.spoolerd.internal.Threads;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An empty file made ahead of need in {@code .spoolerd/spares/}, so that the next non-durable job
 * is written into it and renamed into the drop zone, instead of its file being created while the
 * producer waits and the job is not yet there.
 *
 * <p>Creating a file is most of a non-durable {@code spool()}: the kernel allocates an inode, and
 * ext4 without a journal (the benchmark machine) skips every inode of the block group freed in the
 * last minute or more, so in a busy spool directory, whose jobs are deleted as fast as they come,
 * one {@code open(O_CREAT)} takes 0.5-2 ms. With a spare the job goes in first, and the next
 * spare is made by a background thread {@link #DELAY} later: made at once, in the producer's
 * thread, it took the CPU (2 cores) from the daemon and the worker starting the job just renamed
 * in, and that job's start latency stayed where it was. A producer that spools again within the
 * delay finds no spare and creates its file as before. The spare lives outside the drop zone:
 * creating a file locks its directory, which a worker's claim (a rename out of the drop zone)
 * must also lock.
 *
 * <p>At most one spare per spool directory (and file modes) in a process, made only once the
 * directory has taken a second job from this process (a one-shot producer such as {@code
 * spoolerd submit} makes none). Removed when the JVM exits; one left by a killed process (empty,
 * or half written when the kill came during a write) is removed by the next process that makes a
 * spare there once it is an hour old (a producer whose spare was removed just writes a new file).
 */
public final class SpareFile {

    static final String PREFIX = "spare-";
    /** Spares older than this are taken for leftovers of killed processes. */
    static final Duration LEFTOVER = Duration.ofHours(1);
    /** From a job's rename to the making of the next spare: past the start of that job by a waiting worker. */
    static final Duration DELAY = Duration.ofMillis(5);
    /** Makes the spares, one at a time; a daemon thread, started with the first spare. */
    private static volatile ScheduledExecutorService maker;

    private static final ConcurrentHashMap<Key, SpareFile> BY_DIRECTORY = new ConcurrentHashMap<>();
    /** Spares made and not taken, removed at exit. */
    private static final Set<Path> UNUSED = ConcurrentHashMap.newKeySet();
    private static volatile boolean exiting;

    private record Key(Path root, FileModes modes) {}

    private final Path spares;
    private final FileModes modes;
    private final AtomicReference<Spare> ready = new AtomicReference<>();
    private final AtomicBoolean making = new AtomicBoolean();
    private final AtomicLong written = new AtomicLong();
    private volatile boolean swept;

    private SpareFile(Path spares, FileModes modes) {
        this.spares = spares;
        this.modes = modes;
    }

    /**
     * The spare of {@code dir}, shared by every producer of this process that writes there with the
     * same modes; null off the default file system (Jimfs and friends create files for free).
     */
    public static SpareFile of(SpoolDirectory dir) {
        if (dir.root().getFileSystem() != FileSystems.getDefault()) {
            return null;
        }
        return BY_DIRECTORY.computeIfAbsent(new Key(dir.root(), dir.modes()), k -> new SpareFile(dir.spares(), k.modes()));
    }

    /**
     * A spare: its file, created empty, and the channel it was created with, kept open so that the
     * write into it costs no {@code open()} (a path lookup and a permission check in the producer's
     * call). The one who takes it closes the channel.
     */
    record Spare(Path path, FileChannel channel) {}

    /** Takes the spare for a write, or null when there is none. */
    Spare take() {
        Spare s = ready.getAndSet(null);
        if (s != null) {
            UNUSED.remove(s.path());
        }
        return s;
    }

    /**
     * After a job went in: has the next spare made {@link #DELAY} later, unless there is one, one is
     * on its way, or this was the directory's first job from this process. Never fails: without a
     * spare the next write creates its file itself.
     */
    void refill() {
        if (written.incrementAndGet() < 2 || exiting || ready.get() != null || !making.compareAndSet(false, true)) {
            return;
        }
        try {
            maker().schedule(this::make, DELAY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            making.set(false); // no spare this time
        }
    }

    private static ScheduledExecutorService maker() {
        ScheduledExecutorService m = maker;
        if (m == null) {
            synchronized (SpareFile.class) {
                if (maker == null) {
                    maker = Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("spoolerd-spare-files", r));
                    Runtime.getRuntime().addShutdownHook(Threads.daemon("spoolerd-spare-files-exit", SpareFile::removeUnused));
                }
                m = maker;
            }
        }
        return m;
    }

    private void make() {
        if (!swept) {
            swept = true;
            try {
                removeLeftovers();
            } catch (IOException | RuntimeException e) {
                // none, or not readable: nothing to remove
            }
        }
        try {
            Path p = spares.resolve(PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            FileChannel channel;
            try {
                channel = create(p);
            } catch (NoSuchFileException e) {
                modes.createDirectory(spares); // first spare in this directory, or the layout was removed
                channel = create(p);
            }
            UNUSED.add(p);
            if (exiting || !ready.compareAndSet(null, new Spare(p, channel))) {
                UNUSED.remove(p);
                channel.close();
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // no spare: the next write creates its own file, as without one
        } finally {
            making.set(false);
        }
    }

    private FileChannel create(Path p) throws IOException {
        FileChannel channel = FileChannel.open(p, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                modes.fileAttributes(p.getFileSystem()));
        try {
            modes.applyWidened(p, modes.filePermissions());
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(p);
            throw e;
        }
    }

    /**
     * Spares of killed processes: over an hour old (empty, or half written by a kill during a write,
     * which updates the time). A live producer whose idle spare goes writes a new file instead.
     */
    private void removeLeftovers() throws IOException {
        long before = System.currentTimeMillis() - LEFTOVER.toMillis();
        try (DirectoryStream<Path> names = Files.newDirectoryStream(spares, PREFIX + "*.tmp")) {
            for (Path p : names) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() && a.lastModifiedTime().toMillis() < before) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    // gone already
                }
            }
        }
    }

    /** At exit: the spares no write took. */
    private static void removeUnused() {
        exiting = true;
        for (Path p : UNUSED) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException | RuntimeException e) {
                // exiting: a leftover is an empty file outside the drop zone, removed by a later producer
            }
        }
    }
}
