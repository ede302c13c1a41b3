package io.spoolerd.cli;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** System commands a test needs for its setup (mount, chattr, setpriv, unshare, prlimit, ...). */
final class Shell {

    private Shell() {}

    /** Runs {@code command} with its output discarded; true when it exits 0 within 20 s (false when it is not installed). */
    static boolean succeeds(String... command) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return false;
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }
}
