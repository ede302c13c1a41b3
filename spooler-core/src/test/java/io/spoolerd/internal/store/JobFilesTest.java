package io.spoolerd.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.spoolerd.InvalidJobException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading a job file within bounds, also when it changed size after its lstat; on Jimfs and on the real disk. */
class JobFilesTest {

    @TempDir
    Path tempDir;

    private FileSystem jimfs;

    private Path dir(boolean onJimfs) throws IOException {
        if (!onJimfs) {
            return tempDir;
        }
        jimfs = Jimfs.newFileSystem(Configuration.unix());
        return Files.createDirectories(jimfs.getPath("/spool"));
    }

    @AfterEach
    void close() throws IOException {
        if (jimfs != null) {
            jimfs.close();
        }
    }

    private static BasicFileAttributes attrs(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    @ParameterizedTest(name = "jimfs={0}")
    @ValueSource(booleans = {true, false})
    void readsTheWholeFileAndNothingElse(boolean onJimfs) throws IOException {
        Path dir = dir(onJimfs);
        byte[] job = "{\"task\":\"noop\"}\n".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(job, JobFiles.read(Files.write(dir.resolve("a.json"), job), 100));
        assertArrayEquals(new byte[0], JobFiles.read(Files.write(dir.resolve("empty.json"), new byte[0]), 100));
        assertArrayEquals(job, JobFiles.read(Files.write(dir.resolve("exact.json"), job), job.length));
    }

    @ParameterizedTest(name = "jimfs={0}")
    @ValueSource(booleans = {true, false})
    void aFileThatGrewOrShrankSinceItsLstatIsReadAsItIsNow(boolean onJimfs) throws IOException {
        Path dir = dir(onJimfs);
        Path file = Files.write(dir.resolve("b.json"), "12345".getBytes(StandardCharsets.UTF_8));
        BasicFileAttributes five = attrs(file);
        byte[] longer = "1234567890abcdefghij".getBytes(StandardCharsets.UTF_8);
        Files.write(file, longer);
        assertArrayEquals(longer, JobFiles.read(file, five, 100));
        BasicFileAttributes twenty = attrs(file);
        Files.write(file, "xy".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("xy".getBytes(StandardCharsets.UTF_8), JobFiles.read(file, twenty, 100));
    }

    @ParameterizedTest(name = "jimfs={0}")
    @ValueSource(booleans = {true, false})
    void tooLargeIsRefusedWhetherTheLstatOrTheReadSaysSo(boolean onJimfs) throws IOException {
        Path dir = dir(onJimfs);
        Path file = Files.write(dir.resolve("c.json"), new byte[11]);
        assertThrows(InvalidJobException.class, () -> JobFiles.read(file, 10));
        Path grown = Files.write(dir.resolve("d.json"), new byte[3]);
        BasicFileAttributes small = attrs(grown);
        Files.write(grown, new byte[50]);
        assertThrows(InvalidJobException.class, () -> JobFiles.read(grown, small, 10));
        assertArrayEquals(new byte[10], JobFiles.read(Files.write(dir.resolve("e.json"), new byte[10]), small, 10));
    }

    @ParameterizedTest(name = "jimfs={0}")
    @ValueSource(booleans = {true, false})
    void notARegularFileIsRefused(boolean onJimfs) throws IOException {
        Path dir = dir(onJimfs);
        Path sub = Files.createDirectory(dir.resolve("dir.json"));
        assertThrows(InvalidJobException.class, () -> JobFiles.read(sub, 10));
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), Files.write(dir.resolve("t.json"), new byte[1]));
        assertThrows(InvalidJobException.class, () -> JobFiles.read(link, 10));
    }
}
