package io.spoolerd.internal.tasks;

import io.spoolerd.Job;
import io.spoolerd.Outcome;
import io.spoolerd.Task;
import io.spoolerd.TaskContext;

/** Built-in {@code echo}: prints its args to the daemon's log. */
public final class EchoTask implements Task {

    @Override
    public String name() {
        return "echo";
    }

    @Override
    public Outcome run(Job job, TaskContext context) {
        Object message = job.args().get("message");
        System.out.println(message != null ? String.valueOf(message) : "echo " + job.args());
        return Outcome.ok();
    }
}
