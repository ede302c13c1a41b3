package io.spoolerd;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A job as a task sees it.
 *
 * @param id       the job's id: its {@code id} field, or its file name without {@code .json}
 * @param task     the task name
 * @param args     the job's arguments as plain JSON values (String, Number, Boolean, List, Map, null)
 * @param attempt  this attempt, counting from 1
 * @param at       the instant the job asked not to start before, or null
 * @param priority lower runs first
 */
public record Job(String id, String task, Map<String, Object> args, int attempt, Instant at, int priority) {

    public Job {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(task, "task");
        args = args == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(args));
    }
}
