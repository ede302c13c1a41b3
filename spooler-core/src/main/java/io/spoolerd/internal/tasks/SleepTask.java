package io.spoolerd.internal.tasks;

import io.spoolerd.Job;
import io.spoolerd.Outcome;
import io.spoolerd.Task;
import io.spoolerd.TaskContext;

/**
 * Built-in {@code sleep}: works for {@code args.duration} seconds (default 1), printing
 * "Working... i/n" and reporting progress each second, as the classic background-job demo does.
 * A daemon stopping lets it finish within {@code --grace}; past that it is killed and the job goes
 * back to the queue without an attempt counted.
 */
public final class SleepTask implements Task {

    @Override
    public String name() {
        return "sleep";
    }

    @Override
    public Outcome run(Job job, TaskContext context) throws InterruptedException {
        double duration = number(job.args().get("duration"), 1);
        long steps = Math.max(1, (long) Math.ceil(duration));
        long stepMillis = Math.round(duration * 1000 / steps);
        for (long i = 1; i <= steps; i++) {
            Thread.sleep(stepMillis);
            System.out.println("Working... " + i + "/" + steps);
            context.progress(i, steps, "Working...");
        }
        return Outcome.ok();
    }

    static double number(Object value, double fallback) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"duration\" must be a number of seconds, got \"" + s + "\"");
            }
        }
        return fallback;
    }
}
