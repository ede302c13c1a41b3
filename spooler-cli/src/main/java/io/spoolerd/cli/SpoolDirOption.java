package io.spoolerd.cli;

import io.spoolerd.internal.store.SpoolDirectory;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --spool-dir}, shared by every command. */
final class SpoolDirOption {

    @Option(names = "--spool-dir", paramLabel = "DIR",
            description = "The spool directory (default: ./spool-dir).")
    Path spoolDir = SpoolDirectory.DEFAULT_ROOT;

    Path path() {
        return spoolDir;
    }
}
