package io.spoolerd.internal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.internal.store.DurableWrite;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFiles;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The daemons on a spool directory: each keeps {@code .spoolerd/daemons/<id>.json} up to date (its
 * identity, a heartbeat, its workers and counts). The heartbeat is the lease: a daemon on another
 * machine is dead once its heartbeat is older than its lease; one on this machine as soon as its
 * process is gone.
 */
public final class DaemonRegistry {

    public static final String SUFFIX = ".json";

    private final SpoolDirectory dir;

    public DaemonRegistry(SpoolDirectory dir) {
        this.dir = dir;
    }

    /** A daemon's record as last written. */
    public record Record(DaemonIdentity identity, long heartbeatMillis, long leaseMillis, JsonNode json) {

        /** Alive as far as {@code observer} can tell at {@code nowMillis}. */
        public boolean alive(DaemonIdentity observer, long nowMillis) {
            if (observer.sameMachine(identity)) {
                return DaemonIdentity.processAlive(identity.pid(), identity.processStart());
            }
            return nowMillis - heartbeatMillis < leaseMillis;
        }
    }

    void publish(DaemonIdentity self, ObjectNode status) throws IOException {
        status.set("identity", self.toJson());
        DurableWrite.write(dir.daemons(), self.id() + SUFFIX, JobCodec.encode(status), false, dir.modes());
    }

    void remove(DaemonIdentity self) throws IOException {
        Files.deleteIfExists(dir.daemons().resolve(self.id() + SUFFIX));
    }

    public List<Record> records() throws IOException {
        List<Record> out = new ArrayList<>();
        if (!Files.isDirectory(dir.daemons())) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.daemons(), "*" + SUFFIX)) {
            for (Path file : files) {
                if (file.getFileName().toString().startsWith(".")) {
                    continue;
                }
                try {
                    JsonNode json = JobCodec.mapper().readTree(JobFiles.read(file, 1 << 20));
                    DaemonIdentity identity = DaemonIdentity.fromJson(json.path("identity"));
                    out.add(new Record(identity, json.path("heartbeat").asLong(), json.path("lease_ms").asLong(), json));
                } catch (IOException | RuntimeException e) {
                    // being replaced, or not ours to read: the next look sees it whole
                }
            }
        }
        return out;
    }
}
