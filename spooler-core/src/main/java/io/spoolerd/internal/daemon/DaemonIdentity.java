package io.spoolerd.internal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.internal.store.JobCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Who a daemon is, in a form another daemon can check: the host name, the boot id and PID
 * namespace (so "same host" means the same kernel and PID space, not merely the same name), the
 * pid and the process start time (so a reused pid is not mistaken for the daemon).
 */
public record DaemonIdentity(String id, String host, String bootId, String pidNamespace, long pid, long processStart) {

    public static DaemonIdentity current(Instant now) {
        ProcessHandle self = ProcessHandle.current();
        long start = self.info().startInstant().map(Instant::toEpochMilli).orElse(now.toEpochMilli());
        String host = hostName();
        String id = safe(host) + "-" + self.pid() + "-" + Long.toString(start, 36);
        return new DaemonIdentity(id, host, read("/proc/sys/kernel/random/boot_id"), readPidNamespace(), self.pid(), start);
    }

    /** Whether {@code other} runs under this kernel and PID namespace, so its pid can be checked directly. */
    public boolean sameMachine(DaemonIdentity other) {
        return !bootId.isEmpty() && bootId.equals(other.bootId) && !pidNamespace.isEmpty()
                && pidNamespace.equals(other.pidNamespace);
    }

    /** On the same machine: whether that daemon's process still runs (the same process, not a reused pid). */
    public static boolean processAlive(long pid, long processStart) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        Optional<Instant> start = handle.get().info().startInstant();
        return start.isEmpty() || Math.abs(start.get().toEpochMilli() - processStart) < 2_000;
    }

    ObjectNode toJson() {
        return JobCodec.mapper().createObjectNode()
                .put("id", id).put("host", host).put("boot_id", bootId).put("pid_namespace", pidNamespace)
                .put("pid", pid).put("process_start", processStart);
    }

    static DaemonIdentity fromJson(JsonNode n) {
        return new DaemonIdentity(n.path("id").asText(), n.path("host").asText(), n.path("boot_id").asText(),
                n.path("pid_namespace").asText(), n.path("pid").asLong(), n.path("process_start").asLong());
    }

    static String hostName() {
        String name = read("/proc/sys/kernel/hostname");
        if (name.isEmpty()) {
            name = System.getenv().getOrDefault("HOSTNAME", "");
        }
        if (name.isEmpty()) {
            try {
                name = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                name = "localhost";
            }
        }
        return name;
    }

    private static String readPidNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static String safe(String host) {
        String s = host.replaceAll("[^A-Za-z0-9.]", "_");
        return s.isEmpty() ? "host" : s;
    }
}
