package io.spoolerd.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Task commands run as leaders of a session (and so a process group) of their own, so that one
 * signal to the group reaches everything a command started. Killing what {@code descendants()}
 * lists is not enough: a process forked after that snapshot, or while the kernel built it, is
 * missed, and once its parent is killed it is re-parented away from us and runs on. The kernel
 * delivers a group kill to a process in the middle of a fork too.
 */
public final class ProcessGroups {

    /** {@code setsid} execs its program in place (no fork) when, as here, the caller leads no group. */
    private static final Path SETSID = firstExecutable(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));
    private static final long KILL_WAIT_MS = 2_000;

    private ProcessGroups() {}

    /** The command, run as the leader of a new session where the system has {@code setsid}; else as it is. */
    public static List<String> inOwnGroup(List<String> command) {
        if (SETSID == null) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(command.size() + 1);
        wrapped.add(SETSID.toString());
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Sends SIGKILL to the process groups led by these pids (a group outlives its leader's exit);
     * a pid that leads no group is skipped by the kernel. Java has no call for a group signal,
     * so the shell's {@code kill} sends it.
     */
    public static void kill(Collection<Long> leaders) {
        if (leaders.isEmpty() || SETSID == null) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "kill -s KILL -- \"$@\" 2>/dev/null", "sh"));
        leaders.forEach(pid -> command.add("-" + pid));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.getOutputStream().close();
            if (!kill.waitFor(KILL_WAIT_MS, TimeUnit.MILLISECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            // cannot start a shell: the caller's kill of what descendants() lists still runs
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path firstExecutable(Path... candidates) {
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
