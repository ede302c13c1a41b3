package io.spoolerd.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Processes the benchmark starts (daemons, uWSGI, submit commands). Every one is recorded (its pid
 * appended to {@code pids} for bench/run's trap) and killed with its descendants on exit, also on failure.
 */
final class Procs {

    private static final List<Process> STARTED = new CopyOnWriteArrayList<>();
    private static Path pidFile;

    private Procs() {}

    static void init(Path work) {
        pidFile = work.resolve("pids");
        Runtime.getRuntime().addShutdownHook(new Thread(Procs::killAll, "bench-cleanup"));
    }

    static Process start(List<String> command, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        if (log != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        }
        Process p = pb.start();
        STARTED.add(p);
        if (pidFile != null) {
            Files.writeString(pidFile, p.pid() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return p;
    }

    /** SIGTERM, then after {@code graceSeconds} SIGKILL for it and whatever it started. */
    static void stop(Process p, long graceSeconds) {
        if (p == null) {
            return;
        }
        List<ProcessHandle> children = p.toHandle().descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                kill(p);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(p);
        }
        for (ProcessHandle c : children) {
            c.destroyForcibly();
        }
        STARTED.remove(p);
    }

    static void kill(Process p) {
        p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void killAll() {
        for (Process p : STARTED) {
            if (p.isAlive() || p.toHandle().descendants().findAny().isPresent()) {
                kill(p);
            }
        }
        STARTED.clear();
    }

    /** Runs a command to its end (bounded), returning its exit code; output goes to {@code log}. */
    static int run(List<String> command, Path log, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = start(command, Map.of(), log);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            kill(p);
            STARTED.remove(p);
            throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
        }
        STARTED.remove(p);
        return p.exitValue();
    }

    /** VmRSS of one process, in KiB, or 0 when it is gone. */
    static long rssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** Pss (shared pages divided among the processes sharing them) from smaps_rollup, in KiB, or 0. */
    static long pssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    static long treePssKiB(ProcessHandle h) {
        long sum = pssKiB(h.pid());
        for (ProcessHandle d : h.descendants().toList()) {
            sum += pssKiB(d.pid());
        }
        return sum;
    }

    /** VmRSS of a process and all its descendants, in KiB. */
    static long treeRssKiB(ProcessHandle h) {
        long sum = rssKiB(h.pid());
        for (ProcessHandle d : h.descendants().toList()) {
            sum += rssKiB(d.pid());
        }
        return sum;
    }

    /** utime + stime in clock ticks (1/100 s), or 0 when gone. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static long treeCpuTicks(ProcessHandle h) {
        long sum = cpuTicks(h.pid());
        for (ProcessHandle d : h.descendants().toList()) {
            sum += cpuTicks(d.pid());
        }
        return sum;
    }

    /**
     * Reads a process's merged output line by line in a thread; counts lines containing
     * {@code marker} and records when each of the first {@code capacity} was read (nanoTime).
     * Other lines are kept (the last 200) for error messages and checked for {@code ready}.
     */
    static final class Lines {
        final String marker;
        final long[] times;
        private volatile long count;
        private volatile long readyNanos;
        private final String ready;
        private final ArrayDeque<String> tail = new ArrayDeque<>();
        private volatile boolean ended;

        Lines(Process p, String marker, String ready, int capacity) {
            this.marker = marker;
            this.ready = ready;
            this.times = new long[Math.max(1, capacity)];
            Thread t = new Thread(() -> pump(p), "bench-lines-" + p.pid());
            t.setDaemon(true);
            t.start();
        }

        private void pump(Process p) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.contains(marker)) {
                        long now = System.nanoTime();
                        long c = count;
                        if (c < times.length) {
                            times[(int) c] = now;
                        }
                        count = c + 1;
                    } else {
                        if (ready != null && readyNanos == 0 && line.contains(ready)) {
                            readyNanos = System.nanoTime();
                        }
                        synchronized (tail) {
                            tail.addLast(line);
                            if (tail.size() > 200) {
                                tail.removeFirst();
                            }
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            }
            ended = true;
        }

        long count() {
            return count;
        }

        long readyNanos() {
            return readyNanos;
        }

        /** Waits until {@code n} marker lines were read; false on the deadline or when the output ended first. */
        boolean await(long n, long deadlineNanos) throws InterruptedException {
            while (count < n) {
                if (System.nanoTime() > deadlineNanos || (ended && count < n)) {
                    return count >= n;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
            return true;
        }

        boolean awaitReady(long deadlineNanos) throws InterruptedException {
            while (readyNanos == 0) {
                if (System.nanoTime() > deadlineNanos || ended) {
                    return false;
                }
                Thread.sleep(5);
            }
            return true;
        }

        String tail(int lines) {
            synchronized (tail) {
                List<String> all = new ArrayList<>(tail);
                return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
            }
        }
    }
}
