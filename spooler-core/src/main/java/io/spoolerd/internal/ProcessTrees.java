package io.spoolerd.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Kills a process and everything below it, including what it forks meanwhile. A kill of what
 * {@code descendants()} lists misses a process forked after that list was made: once its parent
 * is killed it is re-parented away from the tree and runs on (a task's command beside the job's
 * next attempt). So what is below the root is first frozen: SIGSTOP to all of it, a wait until
 * each is stopped (a fork under way completes first, and its child is in the next list, below a
 * stopped parent), again for what the new list adds; then SIGKILL to the root and to all of it.
 * The root itself is not frozen: were its killer to die between the two signals (a daemon killed
 * while it stops), a stopped worker would never see its daemon go and would hang for good; a
 * running one sees it and kills its own tree. What is left is the moment between the root's last
 * list and its SIGKILL. The processes stay in their process group, so a SIGKILL to the daemon's
 * whole group (a supervisor's) still reaches them.
 */
public final class ProcessTrees {

    private static final int MAX_ROUNDS = 16;
    private static final long STOP_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long SIGNAL_WAIT_MS = 2_000;

    private ProcessTrees() {}

    /** Kills the processes below {@code root}, frozen first, and root itself when {@code withRoot} (before them). */
    public static void kill(ProcessHandle root, boolean withRoot) {
        Set<ProcessHandle> frozen = new LinkedHashSet<>();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            awaitStopped(frozen);
            List<ProcessHandle> fresh = root.descendants().filter(p -> !frozen.contains(p)).toList();
            if (fresh.isEmpty()) {
                break;
            }
            frozen.addAll(fresh);
            signal("STOP", fresh);
        }
        if (withRoot) {
            root.destroyForcibly(); // first: a worker whose command is killed would start the next one
        }
        frozen.forEach(ProcessHandle::destroyForcibly); // SIGKILL ends stopped processes too
    }

    /** Java sends only SIGTERM and SIGKILL; the shell's {@code kill} sends the rest. */
    private static void signal(String signal, List<ProcessHandle> processes) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "kill -s " + signal + " \"$@\" 2>/dev/null", "sh"));
        processes.forEach(p -> command.add(Long.toString(p.pid())));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.getOutputStream().close();
            if (!kill.waitFor(SIGNAL_WAIT_MS, TimeUnit.MILLISECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            // no shell to send it: the SIGKILL of what was listed still comes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Until each is stopped or gone ({@code /proc/<pid>/stat}), for at most STOP_WAIT_NANOS; without /proc, not at all. */
    private static void awaitStopped(Set<ProcessHandle> processes) {
        long deadline = System.nanoTime() + STOP_WAIT_NANOS;
        for (ProcessHandle p : processes) {
            while (isRunning(p) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Alive and not stopped: state R, S, D (and others) in /proc; false when it cannot tell. */
    private static boolean isRunning(ProcessHandle p) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            int end = stat.lastIndexOf(')');
            char state = end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : 'X';
            return state != 'T' && state != 't' && state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
