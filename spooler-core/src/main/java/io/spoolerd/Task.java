package io.spoolerd;

/**
 * A unit of work the daemon can run. Implementations are found by {@link java.util.ServiceLoader}
 * on the worker's class path and registered under {@link #name()}; they run in worker processes,
 * never in the daemon.
 */
public interface Task {

    /** The name jobs use in their {@code task} field. */
    String name();

    /**
     * Runs one job. Returning normally gives the outcome; an exception counts as an ERROR
     * (an attempt, then a retry with backoff).
     */
    Outcome run(Job job, TaskContext context) throws Exception;
}
