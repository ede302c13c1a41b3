package io.spoolerd.internal.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheDirectoryTest {

    @TempDir
    Path tmp;

    private final long uid = CacheDirectory.currentUid();

    @Test
    void candidatesInOrderAndTheOperatorsChoiceAlone() {
        assertEquals(List.of(Path.of("/x/cache/spoolerd"), Path.of("/home/u/.cache/spoolerd"), Path.of("/tmp/spoolerd-7")),
                CacheDirectory.candidates(Map.of("XDG_CACHE_HOME", "/x/cache"), "/home/u", "/tmp", 7));
        assertEquals(List.of(Path.of("/home/u/.cache/spoolerd"), Path.of("/tmp/spoolerd-7")),
                CacheDirectory.candidates(Map.of("XDG_CACHE_HOME", "relative"), "/home/u", "/tmp", 7), "XDG wants an absolute path");
        assertEquals(List.of(Path.of("/tmp/spoolerd-7")), CacheDirectory.candidates(Map.of(), "?", "/tmp", 7), "no home");
        assertEquals(List.of(Path.of("/srv/c")),
                CacheDirectory.candidates(Map.of(CacheDirectory.ENV, "/srv/c", "XDG_CACHE_HOME", "/x"), "/home/u", "/tmp", 7));
        assertEquals(List.of(), CacheDirectory.candidates(Map.of(CacheDirectory.ENV, "off"), "/home/u", "/tmp", 7));
    }

    @Test
    void createsAPrivateDirectory() throws Exception {
        assumeTrue(uid >= 0, "needs /proc/self");
        Path dir = tmp.resolve("home/.cache/spoolerd");
        Optional<Path> found = CacheDirectory.find(List.of(dir), uid);
        assertEquals(Optional.of(dir.toRealPath()), found);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertTrue(CacheDirectory.isPrivate(dir, uid));
    }

    @Test
    void skipsWhatCannotBeADirectoryOrIsNotPrivate() throws Exception {
        assumeTrue(uid >= 0, "needs /proc/self");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxr-x"));
        Path good = tmp.resolve("good");
        Optional<Path> found = CacheDirectory.find(List.of(file.resolve("cache"), shared, good), uid);
        assertEquals(Optional.of(good.toRealPath()), found);
        assertEquals(Optional.empty(), CacheDirectory.find(List.of(file.resolve("cache"), shared), uid));
    }

    @Test
    void aWritableParentMustBeSticky() throws Exception {
        assumeTrue(uid >= 0, "needs /proc/self");
        Path parent = Files.createDirectory(tmp.resolve("parent"));
        Path dir = Files.createDirectory(parent.resolve("cache"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertFalse(CacheDirectory.isPrivate(dir, uid), "others could rename it away and put theirs there");
        Files.setAttribute(parent, "unix:mode", 01777);
        assertTrue(CacheDirectory.isPrivate(dir, uid), "sticky, as /tmp: only we can move what is ours");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
        assertTrue(CacheDirectory.isPrivate(link, uid), "judged where the link leads");
    }

    @Test
    void someoneElsesDirectoryIsNotPrivate() throws Exception {
        assumeTrue(uid == 0, "needs root to give a directory away");
        Path dir = Files.createDirectory(tmp.resolve("theirs"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setAttribute(dir, "unix:uid", 65534);
        assertFalse(CacheDirectory.isPrivate(dir, uid));
        Path file = Files.writeString(tmp.resolve("file"), "x");
        Files.setAttribute(file, "unix:uid", 65534);
        assertFalse(CacheDirectory.isPrivateFile(file, uid));
    }
}
