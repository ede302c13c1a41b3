package io.spoolerd;

/** What a running task may tell the daemon, and ask of it. */
public interface TaskContext {

    /** Reports progress; {@code spoolerd status} shows it. Cheap enough to call often. */
    void progress(long done, long total, String message);

    /** True once the daemon is stopping: a long task should finish or return {@link Outcome#retry()}. */
    boolean isShuttingDown();
}
