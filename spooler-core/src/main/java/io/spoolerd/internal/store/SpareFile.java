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
import java.util.concurrent.ThreadLocalRandom;
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
 * one {@code open(O_CREAT)} takes 0.7-1.8 ms. With a spare the job goes in first and the next spare
 * is made after it. The spare lives outside the drop zone: creating a file locks its directory,
 * and a worker's claim (a rename out of the drop zone) would wait for that lock.
 *
 * <p>At most one spare per spool directory (and file modes) in a process, made only once the
 * directory has taken a second job from this process (a one-shot producer such as {@code
 * spoolerd submit} makes none). Removed when the JVM exits; one left by a killed process is an
 * empty file, removed by the next process that makes a spare there once it is an hour old (a
 * producer whose spare was removed just writes a new file).
 */
public final class SpareFile {

    static final String PREFIX = "spare-";
    /** Spares older than this are taken for leftovers of killed processes. */
    static final Duration LEFTOVER = Duration.ofHours(1);

    private static final ConcurrentHashMap<Key, SpareFile> BY_DIRECTORY = new ConcurrentHashMap<>();
    /** Spares made and not taken, removed at exit. */
    private static final Set<Path> UNUSED = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOKED = new AtomicBoolean();
    private static volatile boolean exiting;

    private record Key(Path root, FileModes modes) {}

    private final Path spares;
    private final FileModes modes;
    private final AtomicReference<Path> ready = new AtomicReference<>();
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

    /** Takes the spare for a write, or null when there is none. */
    Path take() {
        Path p = ready.getAndSet(null);
        if (p != null) {
            UNUSED.remove(p);
        }
        return p;
    }

    /**
     * After a job went in: makes the next spare unless there is one, another thread is making it,
     * or this was the directory's first job from this process. Never fails: without a spare the
     * next write creates its file itself.
     */
    void refill() {
        if (written.incrementAndGet() < 2 || exiting || ready.get() != null || !making.compareAndSet(false, true)) {
            return;
        }
        try {
            hookExit();
            Path p = spares.resolve(PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                create(p);
            } catch (NoSuchFileException e) {
                modes.createDirectory(spares); // first spare in this directory, or the layout was removed
                create(p);
            }
            UNUSED.add(p);
            if (exiting || !ready.compareAndSet(null, p)) {
                UNUSED.remove(p);
                Files.deleteIfExists(p);
            }
            if (!swept) {
                swept = true;
                removeLeftovers();
            }
        } catch (IOException | RuntimeException e) {
            // no spare: the next write creates its own file, as without one
        } finally {
            making.set(false);
        }
    }

    private void create(Path p) throws IOException {
        try (FileChannel ignored = FileChannel.open(p, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                modes.fileAttributes(p.getFileSystem()))) {
            modes.applyWidened(p, modes.filePermissions());
        }
    }

    /** Spares of killed processes: empty files over an hour old. Also any other's, which then writes a new file. */
    private void removeLeftovers() throws IOException {
        long before = System.currentTimeMillis() - LEFTOVER.toMillis();
        try (DirectoryStream<Path> names = Files.newDirectoryStream(spares, PREFIX + "*.tmp")) {
            for (Path p : names) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() && a.size() == 0 && a.lastModifiedTime().toMillis() < before) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    // gone already
                }
            }
        }
    }

    private static void hookExit() {
        if (HOOKED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(Threads.daemon("spoolerd-spare-files", SpareFile::removeUnused));
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
