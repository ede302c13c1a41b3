package io.spoolerd.internal.daemon;

import io.spoolerd.internal.Threads;
import io.spoolerd.internal.store.DurableWrite;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A class-data sharing archive (AppCDS, JDK 17's {@code -Xshare:dump}) of exactly the classes an idle
 * worker loads, so that workers map the classes' metadata from one file instead of parsing them into
 * metaspace each, and skip the JDK's default archive with its classes no worker uses. It saves about
 * 5 MiB of RSS per worker and starts them faster.
 *
 * <p>One archive per JDK, worker class path (each jar's size and mtime) and worker JVM options: the
 * {@linkplain #key key}. It lives in the {@link CacheDirectory} as {@code worker-<key>-<size>-<crc>.jsa}:
 * before each worker start the daemon checks the size (a truncated file would crash the JVM,
 * SIGBUS) and the CRC-32C of the file (other damage) against its name and removes a file that
 * differs. That check is the daemon's, not each worker's ({@code -XX:+VerifySharedSpaces}), because
 * a JVM verifying an archive reads all of it, and so has every page of it resident, also those of
 * classes it never loads; for the same reason workers map it where it was dumped
 * ({@link #AT_REQUESTED_ADDRESS}).
 * When there is none, one is made in the background, once per key and daemon, under a file lock so
 * that daemons started together make it once: a training worker runs with
 * {@code -XX:DumpLoadedClassList} until it is ready and exits, {@code java -Xshare:dump} turns its
 * class list into the archive (niced), {@code java -Xshare:on -version} checks that it maps, and an
 * atomic rename publishes it. Workers started from then on use it; until then, and whenever anything
 * fails, workers run without it, as before. A deterministic failure (dump or check) leaves a
 * {@code worker-<key>.failed} file with its reason, so that later daemons do not try again for that key.
 */
final class WorkerArchive {

    private static final System.Logger LOG = System.getLogger("spoolerd");

    /** Bump when what goes into an archive changes in a way the key does not show. */
    static final String FORMAT = "4";

    /**
     * Maps the archive where it was dumped (0x800000000) instead of at a random address, which JDK
     * 17.0.15 does by default ({@code ArchiveRelocationMode=1}, for address-space randomisation). A
     * relocated archive has every pointer in it rewritten: all of its pages become resident private
     * copies in each worker (15 MiB), also those of classes the worker never loads (the archive has
     * the classes of running a job too, which an idle worker does not touch). Mapped where it was
     * dumped, a worker has only the pages it uses, and their read-only part is one page-cache copy
     * shared by all workers. When that address is taken the JVM relocates anyway. A diagnostic
     * option in JDK 17-25, hence the unlock; the check that an archive maps runs with it, so a JVM
     * that refuses it gets no archive (and says why in the {@code .failed} file) rather than workers
     * that do not start. The operator's {@code -XX:ArchiveRelocationMode=1} comes later and wins.
     */
    static final List<String> AT_REQUESTED_ADDRESS = List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");

    static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(2);
    static final Duration DUMP_TIMEOUT = Duration.ofMinutes(5);
    /** Archives and leftovers of other keys unused for this long are removed. */
    static final Duration KEEP_UNUSED = Duration.ofDays(30);
    static final Duration KEEP_TEMPORARY = Duration.ofDays(1);
    /** At most this many archives of other keys are kept (each rebuilt jar has its own key), the most recently used. */
    static final int KEEP_OTHERS = 3;

    /** JVM options with which the operator manages class-data sharing: then this class stays out of the way. */
    private static final Pattern CDS_OPTIONS = Pattern.compile(
            "-Xshare:(off|on|dump)|.*(SharedArchiveFile|ArchiveClassesAtExit|DumpLoadedClassList|SharedClassListFile"
                    + "|UseSharedSpaces|AutoCreateSharedArchive|RequireSharedSpaces).*");

    /** An archive of any key, also of an earlier format (without the CRC): for the cleanup's ranking. */
    private static final Pattern ARCHIVE_NAME = Pattern.compile("worker-([0-9a-f]+)-\\d+(?:-[0-9a-f]{8})?\\.jsa");
    private static final Pattern KEY_OF = Pattern.compile("worker-([0-9a-f]+)[-.]");

    /** Keys this daemon has tried to make an archive for: at most one try each. */
    private static final Set<String> TRIED = ConcurrentHashMap.newKeySet();
    /** Archives this daemon has marked as in use (their mtime set to now), so cleanup elsewhere keeps them. */
    private static final Set<Path> TOUCHED = ConcurrentHashMap.newKeySet();
    /** Archives whose CRC this daemon found right, with their mtime then: not read again until it changes. */
    private static final Map<Path, FileTime> VERIFIED = new ConcurrentHashMap<>();
    private static volatile Process child;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Process p = child;
            if (p != null) {
                p.destroyForcibly();
            }
        }, "worker-archive-cleanup"));
    }

    /** Runs a worker with these JVM options until it is ready, then lets it exit; whether it went so. */
    interface Trainer {
        boolean train(List<String> jvmOpts) throws IOException, InterruptedException;
    }

    private final Path dir;
    private final long uid;
    private final String java;
    private final List<String> jvmOpts;
    private final String classPath;
    private final String key;

    private WorkerArchive(Path dir, long uid, String java, List<String> jvmOpts, String classPath, String key) {
        this.dir = dir;
        this.uid = uid;
        this.java = java;
        this.jvmOpts = List.copyOf(jvmOpts);
        this.classPath = classPath;
        this.key = key;
    }

    /**
     * The archive of workers started as {@code java JVM_OPTS -cp CLASS_PATH}, or empty when they cannot
     * have one: the options manage class-data sharing themselves, a class path entry is not a jar file
     * (the JDK archives classes from jars only), or there is no private cache directory.
     */
    static Optional<WorkerArchive> of(String java, List<String> jvmOpts, String classPath, Optional<Path> cacheDir, long uid) {
        if (cacheDir.isEmpty() || uid < 0 || !eligible(jvmOpts, classPath)) {
            return Optional.empty();
        }
        String dirName = cacheDir.get().toString();
        if (dirName.contains(File.pathSeparator)) {
            return Optional.empty(); // -XX:SharedArchiveFile=a:b names two archives
        }
        try {
            return Optional.of(new WorkerArchive(cacheDir.get(), uid, java, jvmOpts, classPath, key(java, jvmOpts, classPath)));
        } catch (IOException e) {
            return Optional.empty(); // a jar vanished meanwhile
        }
    }

    static boolean eligible(List<String> jvmOpts, String classPath) {
        for (String opt : jvmOpts) {
            if (CDS_OPTIONS.matcher(opt).matches()) {
                return false;
            }
        }
        if (classPath.isEmpty()) {
            return false;
        }
        for (String entry : classPath.split(Pattern.quote(File.pathSeparator), -1)) {
            if (entry.isEmpty() || !Files.isRegularFile(Path.of(entry))) {
                return false;
            }
        }
        return true;
    }

    /** A digest of everything an archive depends on: the JDK, the options, and each jar's path, size and mtime. */
    static String key(String java, List<String> jvmOpts, String classPath) throws IOException {
        StringBuilder s = new StringBuilder("spoolerd worker archive ").append(FORMAT).append('\n');
        s.append(Path.of(java).toRealPath()).append('\n');
        for (String p : List.of("java.vm.name", "java.vm.version", "java.runtime.version", "os.arch")) {
            s.append(p).append('=').append(System.getProperty(p)).append('\n');
        }
        jvmOpts.forEach(o -> s.append("opt ").append(o).append('\n'));
        for (String entry : classPath.split(Pattern.quote(File.pathSeparator), -1)) {
            Path jar = Path.of(entry);
            s.append("jar ").append(entry).append(' ').append(Files.size(jar)).append(' ')
                    .append(Files.getLastModifiedTime(jar).toMillis()).append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String key() {
        return key;
    }

    Path directory() {
        return dir;
    }

    /**
     * The archive file, when there is a sound one: a regular file of ours that no one else can
     * write, of the size and CRC-32C its name says (the CRC read again whenever its mtime is not the
     * one this daemon last checked). A damaged one (truncated, say) is removed.
     */
    Optional<Path> usable() {
        Pattern name = Pattern.compile("worker-" + key + "-(\\d+)-([0-9a-f]{8})\\.jsa");
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "worker-" + key + "-*.jsa")) {
            for (Path f : files) {
                Matcher m = name.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                if (CacheDirectory.isPrivateFile(f, uid) && Files.size(f) == Long.parseLong(m.group(1))) {
                    FileTime mtime = Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS);
                    if (mtime.equals(VERIFIED.get(f))) {
                        return Optional.of(f);
                    }
                    if (crc(f) == Long.parseLong(m.group(2), 16)) {
                        if (TOUCHED.add(f)) {
                            try {
                                Files.setLastModifiedTime(f, FileTime.from(Instant.now())); // in use: not stale
                            } catch (IOException e) {
                                // read-only, say: it is still good to map
                            }
                        }
                        VERIFIED.put(f, Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS));
                        return Optional.of(f);
                    }
                }
                LOG.log(System.Logger.Level.WARNING, "removing " + f + ": not a sound worker class-data archive"
                        + " (a link, writable by others, or not of the size or CRC its name says)");
                VERIFIED.remove(f);
                Files.deleteIfExists(f);
            }
        } catch (IOException | NumberFormatException e) {
            LOG.log(System.Logger.Level.DEBUG, "worker class-data archive in " + dir + ": " + e);
        }
        return Optional.empty();
    }

    /**
     * The JVM options that make a worker use {@code archive}, mapped where it was dumped
     * ({@link #AT_REQUESTED_ADDRESS}). The JVM checks its header (one made by another JVM or for
     * another class path is not used; its bytes the daemon checked, {@link #usable}) and, silenced,
     * says nothing about it: newer JDKs (21, 25) print such findings on stdout, which is the worker
     * protocol's stream.
     */
    static List<String> options(Path archive) {
        List<String> options = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds*=off"));
        options.addAll(AT_REQUESTED_ADDRESS);
        return List.copyOf(options);
    }

    /** The CRC-32C of a file's bytes. */
    static long crc(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (ch.read(buffer.clear()) >= 0) {
                crc.update(buffer.flip());
            }
        }
        return crc.getValue();
    }

    /** Makes the archive in the background, unless this daemon tried already for this key. */
    void createInBackground(Trainer trainer) {
        if (TRIED.add(key)) {
            Threads.start("worker-archive", () -> {
                try {
                    create(trainer);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.INFO, "no worker class-data archive: " + e);
                }
            });
        }
    }

    /**
     * Makes the archive now: returns it, or empty when another process holds the lock, the key
     * failed before, or making it failed (then logged).
     */
    Optional<Path> create(Trainer trainer) throws IOException, InterruptedException {
        Path lockFile = dir.resolve("worker-" + key + ".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            if (lock == null) {
                return Optional.empty(); // another daemon is making it
            }
            Optional<Path> existing = usable();
            if (existing.isPresent() || Files.exists(failedMarker())) {
                return existing;
            }
            String tag = key + "." + ProcessHandle.current().pid();
            Path classList = dir.resolve("worker-" + tag + ".classlist.tmp");
            Path archive = dir.resolve("worker-" + tag + ".jsa.tmp");
            Path output = dir.resolve("worker-" + tag + ".log.tmp");
            try {
                long t0 = System.nanoTime();
                List<String> trainOpts = new ArrayList<>(jvmOpts);
                trainOpts.add("-XX:DumpLoadedClassList=" + classList);
                if (!trainer.train(trainOpts) || !Files.isRegularFile(classList)) {
                    LOG.log(System.Logger.Level.INFO, "no worker class-data archive: the training worker did not get ready");
                    return Optional.empty();
                }
                List<String> dump = new ArrayList<>(jvmOpts);
                dump.addAll(List.of("-Xshare:dump", "-XX:SharedClassListFile=" + classList, "-XX:SharedArchiveFile=" + archive,
                        "-cp", classPath));
                String failure = run("java -Xshare:dump", dump, output);
                if (failure == null) {
                    // as a worker maps it (the operator's options after ours), and verified once by the JVM too
                    List<String> check = new ArrayList<>(AT_REQUESTED_ADDRESS);
                    check.addAll(jvmOpts);
                    check.addAll(List.of("-Xshare:on", "-XX:+VerifySharedSpaces", "-XX:SharedArchiveFile=" + archive,
                            "-cp", classPath, "-version"));
                    failure = run("the check that it maps (java -Xshare:on -version)", check, output);
                }
                if (failure != null) {
                    Files.writeString(failedMarker(), failure + "\n");
                    LOG.log(System.Logger.Level.INFO, "no worker class-data archive (" + failure + "); workers run without one."
                            + " Remove " + failedMarker() + " to try again");
                    return Optional.empty();
                }
                long size = Files.size(archive);
                Path published = dir.resolve(String.format(Locale.ROOT, "worker-%s-%d-%08x.jsa", key, size, crc(archive)));
                DurableWrite.fsync(archive);
                Files.move(archive, published, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                DurableWrite.fsyncDirectory(dir);
                LOG.log(System.Logger.Level.INFO, "worker class-data archive " + published + " made in "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms; workers started from now on use it");
                removeStale();
                return Optional.of(published);
            } finally {
                Files.deleteIfExists(classList);
                Files.deleteIfExists(archive);
                Files.deleteIfExists(output);
            }
        }
    }

    Path failedMarker() {
        return dir.resolve("worker-" + key + ".failed");
    }

    /** Runs {@code java ARGS} at low priority, output to {@code output}; null when it exits 0, else what went wrong. */
    private String run(String what, List<String> args, Path output) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(nice());
        command.add(java);
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        child = p;
        try {
            if (!p.waitFor(DUMP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + " took longer than " + DUMP_TIMEOUT);
            }
        } finally {
            child = null;
        }
        if (p.exitValue() == 0) {
            return null;
        }
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        String tail = String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        return what + " exited with " + p.exitValue() + ": " + tail;
    }

    private static List<String> nice() {
        for (String nice : List.of("/usr/bin/nice", "/bin/nice")) {
            if (Files.isExecutable(Path.of(nice))) {
                return List.of(nice, "-n", "19");
            }
        }
        return List.of();
    }

    /**
     * Removes archives (with their locks and failure markers) of other keys unused for
     * {@link #KEEP_UNUSED} or beyond the {@link #KEEP_OTHERS} most recently used, and temporary
     * files of any key older than {@link #KEEP_TEMPORARY} (left by a daemon stopped while it made
     * an archive).
     */
    private void removeStale() {
        Instant now = Instant.now();
        List<Path> others = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "worker-*")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                boolean temporary = name.endsWith(".tmp");
                if (!temporary && (name.startsWith("worker-" + key + "-") || name.startsWith("worker-" + key + "."))) {
                    continue;
                }
                Duration age = Duration.between(mtime(f), now);
                if (age.compareTo(temporary ? KEEP_TEMPORARY : KEEP_UNUSED) > 0) {
                    Files.deleteIfExists(f);
                } else if (!temporary) {
                    others.add(f);
                }
            }
            // the most recently used first; an archive's lock and marker share its key
            others.sort(Comparator.comparing(WorkerArchive::mtime).reversed());
            List<String> keep = new ArrayList<>();
            for (Path f : others) {
                Matcher m = ARCHIVE_NAME.matcher(f.getFileName().toString());
                if (m.matches() && keep.size() < KEEP_OTHERS && !keep.contains(m.group(1))) {
                    keep.add(m.group(1));
                }
            }
            for (Path f : others) {
                Matcher m = KEY_OF.matcher(f.getFileName().toString());
                if (m.lookingAt() && !keep.contains(m.group(1))) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cleaning " + dir + ": " + e);
        }
    }

    private static Instant mtime(Path f) {
        try {
            return Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
