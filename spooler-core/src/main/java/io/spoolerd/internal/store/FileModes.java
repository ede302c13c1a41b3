package io.spoolerd.internal.store;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The modes spoolerd gives what it creates: 0600 files and 0700 directories, widened by a umask
 * the operator chooses ({@code --umask 027} gives 0640 and 0750).
 */
public record FileModes(int umask) {

    public static final int DEFAULT_UMASK = 0077;
    public static final FileModes DEFAULT = new FileModes(DEFAULT_UMASK);

    public FileModes {
        if (umask < 0 || umask > 0777) {
            throw new IllegalArgumentException("umask must be an octal number from 000 to 777, got " + Integer.toOctalString(umask));
        }
    }

    /** Parses an octal umask such as {@code 027} or {@code 0027}. */
    public static FileModes parseUmask(String text) {
        if (text == null || !text.matches("0?[0-7]{1,3}")) {
            throw new IllegalArgumentException("umask must be octal like 027, got \"" + text + "\"");
        }
        return new FileModes(Integer.parseInt(text, 8));
    }

    public Set<PosixFilePermission> filePermissions() {
        return toSet(0666 & ~umask);
    }

    public Set<PosixFilePermission> directoryPermissions() {
        return toSet(0777 & ~umask);
    }

    public FileAttribute<?>[] fileAttributes(FileSystem fs) {
        return posix(fs) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(filePermissions())}
                : new FileAttribute<?>[0];
    }

    /** Creates the directory (and parents) if missing, with this mode; never follows a symlink at {@code dir}. */
    public void createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null && !Files.exists(parent)) {
            createDirectory(parent);
        }
        try {
            if (posix(dir.getFileSystem())) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(directoryPermissions()));
                applyWidened(dir, directoryPermissions());
            } else {
                Files.createDirectory(dir);
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new java.nio.file.NotDirectoryException(dir.toString());
            }
        }
    }

    /** The process umask may have narrowed a mode given at creation; set it exactly when the operator widened it. */
    public void applyWidened(Path path, Set<PosixFilePermission> wanted) throws IOException {
        if (umask != DEFAULT_UMASK && posix(path.getFileSystem())) {
            Files.setPosixFilePermissions(path, wanted);
        }
    }

    static boolean posix(FileSystem fs) {
        return fs.supportedFileAttributeViews().contains("posix");
    }

    private static Set<PosixFilePermission> toSet(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int bit = 0; bit < 9; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }
}
