package io.spoolerd.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The layout of a spool directory. The root is the drop zone; the daemon's own state lives in
 * {@code .spoolerd/} (claims per daemon, daemon records); finished jobs go to {@code failed/},
 * {@code bad/}, {@code done/} and {@code cancelled/}.
 */
public final class SpoolDirectory {

    public static final Path DEFAULT_ROOT = Path.of("spool-dir");
    public static final String STATE = ".spoolerd";
    private static final String BATCHES = "batches";
    static final String IDS_LOCK = "ids.lock";

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final FileModes modes;

    private SpoolDirectory(Path root, FileModes modes) {
        this.root = root;
        this.modes = modes;
    }

    /** Opens the spool directory, creating it and its sub-directories when missing. */
    public static SpoolDirectory open(Path root, FileModes modes) throws IOException {
        Path real = root.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(real)) {
            // The operator chose this path; follow it once here so nothing inside is reached through a link.
            real = real.toRealPath();
        }
        if (Files.exists(real) && !Files.isDirectory(real)) {
            throw new NotDirectoryException(real + " is not a directory");
        }
        SpoolDirectory dir = new SpoolDirectory(real, modes);
        dir.createLayout();
        return dir;
    }

    /** Creates whatever of the layout is missing (also after an operator removed the directory). */
    public void createLayout() throws IOException {
        modes.createDirectory(root);
        for (Path p : List.of(state(), claims(), daemons(), failed(), bad())) {
            modes.createDirectory(p);
        }
    }

    /** Opens an existing spool directory without creating anything (for read-only commands). */
    public static SpoolDirectory existing(Path root, FileModes modes) throws IOException {
        Path real = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(real)) {
            throw new NoSuchFileException(real.toString(), null, "no spool directory there");
        }
        return new SpoolDirectory(real.toRealPath(), modes);
    }

    public Path root() {
        return root;
    }

    public FileModes modes() {
        return modes;
    }

    public Path state() {
        return root.resolve(STATE);
    }

    public Path claims() {
        return state().resolve("claims");
    }

    /** Markers of batches whose jobs are files of their own, kept in the drop zone until those are gone. */
    public Path batches() {
        return state().resolve(BATCHES);
    }

    /** Whether the batch of this name in the drop zone is expanded already: its jobs are job files, not its lines. */
    public boolean isExpandedBatch(String name) {
        return isExpandedBatch(root, name);
    }

    /** As {@link #isExpandedBatch(String)}, for the drop zone {@code root}. */
    public static boolean isExpandedBatch(Path root, String name) {
        return Files.exists(root.resolve(STATE).resolve(BATCHES).resolve(name), LinkOption.NOFOLLOW_LINKS);
    }

    public Path daemons() {
        return state().resolve("daemons");
    }

    /** Empty files made ahead of need by non-durable producers of this host (see {@link SpareFile}); made when first needed. */
    public Path spares() {
        return state().resolve("spares");
    }

    public Path failed() {
        return root.resolve("failed");
    }

    public Path bad() {
        return root.resolve("bad");
    }

    public Path done() {
        return root.resolve("done");
    }

    public Path cancelled() {
        return root.resolve("cancelled");
    }

    /**
     * Counts the jobs queued in the drop zone, stopping at {@code limit}: each job file but those
     * whose name says a due time after {@code nowMillis} (scheduled), and each line of a batch. A
     * hand-dropped file counts as queued whatever its {@code at}: only its content says that.
     */
    public long countQueued(long limit, long nowMillis) throws IOException {
        long count = 0;
        try (DirectoryStream<Path> names = Files.newDirectoryStream(root)) {
            for (Path p : names) {
                String name = p.getFileName().toString();
                switch (JobNames.kindOf(name)) {
                    case JOB -> {
                        JobNames.Canonical c = JobNames.parse(name);
                        count += c == null || c.dueMillis() <= nowMillis ? 1 : 0;
                    }
                    case BATCH -> count += isExpandedBatch(name) ? 0 : countJobLines(p, limit - count);
                    case IGNORED -> { }
                }
                if (count >= limit) {
                    return limit;
                }
            }
        }
        return count;
    }

    /** The lines of a batch that are not blank, stopping at {@code limit}; none when it is gone or no regular file. */
    private static long countJobLines(Path batch, long limit) throws IOException {
        if (!Files.isRegularFile(batch, LinkOption.NOFOLLOW_LINKS)) {
            return 0; // a symlink or FIFO: the daemon reports it, and opening a FIFO would block
        }
        long lines = 0;
        boolean blank = true;
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try (SeekableByteChannel in = Files.newByteChannel(batch, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (in.read(buf.clear()) > 0 && lines < limit) {
                for (int i = 0; i < buf.position(); i++) {
                    byte b = buf.get(i);
                    if (b == '\n') {
                        lines += blank ? 0 : 1;
                        blank = true;
                    } else if (b != ' ' && b != '\t' && b != '\r') {
                        blank = false;
                    }
                }
            }
        } catch (FileSystemException gone) {
            return 0; // taken meanwhile (or replaced by a symlink: ELOOP)
        }
        return Math.min(limit, lines + (blank ? 0 : 1));
    }

    /**
     * The file of a job still queued, scheduled or running with this id: a job file found by name
     * alone, a hand-dropped job file ({@code *.json} with a name the API does not write) whose
     * {@code id} field says it, or a batch file ({@code .jsonl}) with a line of that id.
     */
    public Optional<Path> findLive(String id) throws IOException {
        // the drop zone first: a job claimed meanwhile has moved on into claims/, listed after
        Optional<Path> queued = findIn(root, id);
        if (queued.isPresent()) {
            return queued;
        }
        return findClaimedIn(id, listDirectories(claims()));
    }

    /** The claims directories of every daemon but the one whose claims directory is {@code except}. */
    public List<Path> claimDirectoriesExcept(Path except) throws IOException {
        List<Path> owners = listDirectories(claims());
        owners.remove(except);
        return owners;
    }

    /** As {@link #findLive}, in these claims directories only. */
    public Optional<Path> findClaimedIn(String id, List<Path> owners) throws IOException {
        for (Path owner : owners) {
            Optional<Path> claimed = findIn(owner, id);
            if (claimed.isPresent()) {
                return claimed;
            }
        }
        return Optional.empty();
    }

    private Optional<Path> findIn(Path dir, String id) throws IOException {
        Optional<Path> found = findByName(dir, id);
        return found.isPresent() ? found : findInContents(dir, id);
    }

    /**
     * The batch file in {@code dir} with a job of this id on one of its lines, or the hand-dropped
     * job file whose {@code id} field is this id: a read of each hand-dropped file waiting here,
     * which a producer that spools with ids and a drop zone of thousands of them pay per call.
     */
    private Optional<Path> findInContents(Path dir, String id) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        byte[] quoted = ("\"" + id + "\"").getBytes(StandardCharsets.UTF_8);
        try (DirectoryStream<Path> names = Files.newDirectoryStream(dir)) {
            for (Path p : names) {
                String name = p.getFileName().toString();
                JobNames.Kind kind = JobNames.kindOf(name);
                boolean handDropped = kind == JobNames.Kind.JOB && JobNames.parse(name) == null;
                // an expanded batch's lines are job files now, looked at by name and content themselves
                boolean batch = kind == JobNames.Kind.BATCH && !(dir.equals(root) && isExpandedBatch(name));
                if (!(batch || handDropped) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(p);
                } catch (NoSuchFileException gone) {
                    continue; // taken or finished meanwhile
                }
                if (indexOf(bytes, quoted, 0) >= 0 && (handDropped ? hasId(bytes, 0, bytes.length, id) : batchHasId(bytes, id))) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean batchHasId(byte[] bytes, String id) {
        int start = 0;
        while (start < bytes.length) {
            int end = indexOf(bytes, new byte[] {'\n'}, start);
            if (end < 0) {
                end = bytes.length;
            }
            if (hasId(bytes, start, end - start, id)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** Whether the JSON object in these bytes has this {@code id}; a file or line that does not parse has none. */
    private static boolean hasId(byte[] bytes, int offset, int length, String id) {
        try {
            JsonNode job = JobCodec.mapper().readTree(bytes, offset, length);
            return job != null && job.path("id").isTextual() && id.equals(job.get("id").asText());
        } catch (IOException notAJob) {
            return false; // a bad file or line is the daemon's to report; it holds no id
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * Held while a producer checks that its ids are free and writes its jobs, so that two producers
     * (threads of this JVM or other processes) cannot both take one id. An OS lock on
     * {@code .spoolerd/ids.lock}, released when closed or when its process dies.
     */
    public Closeable lockIds() throws IOException {
        modes.createDirectory(state());
        Path file = state().resolve(IDS_LOCK);
        FileChannel channel = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                modes.fileAttributes(file.getFileSystem()));
        ReentrantLock local = null;
        try {
            // A JVM may hold one OS lock per file: threads take turns first, keyed by the file itself.
            local = IN_PROCESS_LOCKS.computeIfAbsent(file.toRealPath(), k -> new ReentrantLock());
            local.lock();
            channel.lock();
        } catch (IOException | RuntimeException e) {
            if (local != null && local.isHeldByCurrentThread()) {
                local.unlock();
            }
            channel.close();
            throw e;
        }
        ReentrantLock held = local;
        return () -> {
            try {
                channel.close(); // releases the OS lock
            } finally {
                held.unlock();
            }
        };
    }

    /** The job file in {@code dir} whose name stands for {@code id}. */
    public static Optional<Path> findByName(Path dir, String id) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> names = Files.newDirectoryStream(dir)) {
            for (Path p : names) {
                String name = p.getFileName().toString();
                if (JobNames.kindOf(name) == JobNames.Kind.JOB && id.equals(JobNames.idOf(name))) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    public static List<Path> listDirectories(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /**
     * Moves {@code source} into {@code dir} under {@code name}, or {@code name.1}, {@code name.2}...
     * when taken, so nothing there is overwritten. Returns where it went.
     */
    public Path moveInto(Path source, Path dir, String name) throws IOException {
        modes.createDirectory(dir);
        for (int n = 0; ; n++) {
            Path target = dir.resolve(n == 0 ? name : suffixed(name, n));
            if (Files.exists(sidecar(target), LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (moveNoReplace(source, target)) {
                return target;
            }
        }
    }

    /**
     * Moves {@code source} into {@code dir} as {@link #moveInto} does, with a {@code .reason} file
     * next to it that is written first: a file never shows up there without its reason.
     */
    public Path moveIntoWithReason(Path source, Path dir, String name, byte[] reason) throws IOException {
        modes.createDirectory(dir);
        for (int n = 0; ; n++) {
            Path target = dir.resolve(n == 0 ? name : suffixed(name, n));
            Path sidecar = sidecar(target);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) || Files.exists(sidecar, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            // The reason first, and only under a name nobody else took: two daemons moving the same file
            // must not have one delete the reason the other wrote for the name it got.
            if (!DurableWrite.writeNew(dir, sidecar.getFileName().toString(), reason, false, modes)) {
                continue;
            }
            boolean moved;
            try {
                moved = moveNoReplace(source, target);
            } catch (IOException e) {
                Files.deleteIfExists(sidecar);
                throw e;
            }
            if (moved) {
                return target;
            }
            Files.deleteIfExists(sidecar); // the name was taken meanwhile: its reason is not ours
        }
    }

    /**
     * Renames {@code source} to {@code target} unless {@code target} exists; false then. A hard
     * link is the atomic "create if absent" (rename(2) would replace); where links are not
     * supported it falls back to a check and a rename.
     */
    public static boolean moveNoReplace(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
            if (e instanceof NoSuchFileException) {
                throw (NoSuchFileException) e;
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
        try {
            Files.delete(source);
        } catch (NoSuchFileException e) {
            // Moved (or removed) by someone else between our link and our unlink, say another daemon moving
            // the same file to bad/: the file is theirs under their name, not ours under a second one.
            Files.deleteIfExists(target);
            throw e;
        }
        return true;
    }

    /** The {@code .reason} file next to a job in {@code bad/} or {@code failed/}. */
    public static Path sidecar(Path jobFile) {
        return jobFile.resolveSibling(jobFile.getFileName() + ".reason");
    }

    /** The name a file moved into a directory where {@code name} is taken gets: {@code job1.json} becomes {@code job1.<n>.json}. */
    public static String suffixed(String name, int n) {
        for (String suffix : new String[] {JobNames.BATCH_SUFFIX, JobNames.JOB_SUFFIX}) {
            if (name.endsWith(suffix)) {
                return name.substring(0, name.length() - suffix.length()) + "." + n + suffix;
            }
        }
        return name + "." + n;
    }
}
