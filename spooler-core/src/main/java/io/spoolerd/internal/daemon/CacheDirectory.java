package io.spoolerd.internal.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The daemon's private cache directory, where the worker class-data archive lives. A JVM maps such
 * an archive as code, so the directory must be one that nobody but this user (and root) can write
 * into or replace, all the way up from {@code /}: checked like OpenSSH checks its key files.
 *
 * <p>The first of these that is (or can be made) private wins: {@code $SPOOLERD_CACHE_DIR} alone when
 * it is set ({@code off} turns the cache off), else {@code $XDG_CACHE_HOME/spoolerd},
 * {@code ~/.cache/spoolerd}, {@code <java.io.tmpdir>/spoolerd-<uid>}.
 */
final class CacheDirectory {

    static final String ENV = "SPOOLERD_CACHE_DIR";

    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int STICKY = 01000;

    private CacheDirectory() {}

    /** The candidates in order, from the environment and system properties given. */
    static List<Path> candidates(Map<String, String> env, String userHome, String tmpDir, long uid) {
        List<Path> out = new ArrayList<>();
        String chosen = env.get(ENV);
        if (chosen != null && !chosen.isBlank()) {
            if (!chosen.trim().equals("off")) {
                out.add(Path.of(chosen.trim()).toAbsolutePath());
            }
            return out;
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && Path.of(xdg).isAbsolute()) {
            out.add(Path.of(xdg, "spoolerd"));
        }
        if (userHome != null && !userHome.isBlank() && !userHome.equals("?") && Path.of(userHome).isAbsolute()) {
            out.add(Path.of(userHome, ".cache", "spoolerd"));
        }
        if (tmpDir != null && !tmpDir.isBlank()) {
            out.add(Path.of(tmpDir, "spoolerd-" + uid).toAbsolutePath());
        }
        return out;
    }

    /** The first candidate that is or could be made a private directory, or empty (no cache then). */
    static Optional<Path> find(List<Path> candidates, long uid) {
        for (Path dir : candidates) {
            try {
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir.getParent());
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
                if (isPrivate(dir, uid)) {
                    return Optional.of(dir.toRealPath());
                }
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                // not usable: try the next one
            }
        }
        return Optional.empty();
    }

    /**
     * Whether only {@code uid} (and root) can change what {@code dir} holds: it and every directory
     * above it (symlinks resolved) belong to {@code uid} or root, and none of them can be written by
     * group or others, except sticky ones (as {@code /tmp}) whose next step down is ours or root's.
     */
    static boolean isPrivate(Path dir, long uid) throws IOException {
        Path real = dir.toRealPath();
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS) || owner(real) != uid || (mode(real) & GROUP_OR_OTHER_WRITE) != 0) {
            return false;
        }
        Path child = real;
        for (Path p = real.getParent(); p != null; child = p, p = p.getParent()) {
            long owner = owner(p);
            if (owner != 0 && owner != uid) {
                return false;
            }
            if ((mode(p) & GROUP_OR_OTHER_WRITE) != 0) {
                long childOwner = owner(child);
                if ((mode(p) & STICKY) == 0 || (childOwner != 0 && childOwner != uid)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether {@code file} is a regular file (not a link) of {@code uid} that group and others cannot write. */
    static boolean isPrivateFile(Path file, long uid) throws IOException {
        return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && owner(file) == uid
                && (mode(file) & GROUP_OR_OTHER_WRITE) == 0;
    }

    /** This process's user id (the owner of {@code /proc/self}), or -1 where that cannot be told. */
    static long currentUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return -1;
        }
    }

    private static long owner(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }
}
