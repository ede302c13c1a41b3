package io.spoolerd.internal.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which file systems other hosts may write to, so that file events and the directory's mtime cannot replace a scan. */
class SharedFileSystemTest {

    @TempDir
    Path tmp;

    @Test
    void networkAndClusterFileSystemsAreShared() {
        for (String type : List.of("nfs", "nfs4", "NFS4", "ceph", "cifs", "smb3", "9p", "glusterfs", "lustre", "gpfs", "ocfs2",
                "gfs2", "fuse.sshfs", "fuse.cephfs", "fuseblk")) {
            assertTrue(Daemon.isSharedType(type), type);
        }
        for (String type : List.of("ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs", "f2fs")) {
            assertFalse(Daemon.isSharedType(type), type);
        }
    }

    @Test
    void theTestDirectoryIsLocal() {
        assertNull(Daemon.sharedFileSystemType(tmp), "a temp directory on a local disk");
    }
}
