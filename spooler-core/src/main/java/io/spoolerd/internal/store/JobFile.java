package io.spoolerd.internal.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * A validated job file: the whole tree (unknown fields kept) and the fields spoolerd reads.
 *
 * @param id       the {@code id} field, or null (then the file name gives the id)
 * @param retryAt  when a rescheduled job may run again, or null
 */
public record JobFile(ObjectNode node, String id, String task, Instant at, int priority, Integer maxAttempts,
                      int version, int attempts, Instant retryAt) {

    /** The earliest instant the job may start: the later of {@code at} and {@code retry_at}, or null. */
    public Instant notBefore() {
        if (at == null) {
            return retryAt;
        }
        if (retryAt == null) {
            return at;
        }
        return at.isAfter(retryAt) ? at : retryAt;
    }

    public String idOr(String fileName) {
        return id != null ? id : JobNames.stem(fileName);
    }
}
