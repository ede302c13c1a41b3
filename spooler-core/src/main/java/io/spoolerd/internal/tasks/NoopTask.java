package io.spoolerd.internal.tasks;

import io.spoolerd.Job;
import io.spoolerd.Outcome;
import io.spoolerd.Task;
import io.spoolerd.TaskContext;

/** Built-in {@code noop}: does nothing, successfully; for benchmarks. */
public final class NoopTask implements Task {

    @Override
    public String name() {
        return "noop";
    }

    @Override
    public Outcome run(Job job, TaskContext context) {
        return Outcome.ok();
    }
}
