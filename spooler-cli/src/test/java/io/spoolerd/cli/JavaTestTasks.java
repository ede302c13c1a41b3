package io.spoolerd.cli;

import io.spoolerd.Job;
import io.spoolerd.Outcome;
import io.spoolerd.Task;
import io.spoolerd.TaskContext;
import java.time.Duration;

/**
 * Java tasks for the integration tests, registered in this module's test
 * {@code META-INF/services/io.spoolerd.Task}; worker processes run on the test class path, so
 * ServiceLoader finds them as it would a jar given with {@code --classpath}.
 */
final class JavaTestTasks {

    private JavaTestTasks() {}

    /** Always IGNORE: the job is left for another daemon. */
    public static final class Ignorer implements Task {
        @Override
        public String name() {
            return "ignorer";
        }

        @Override
        public Outcome run(Job job, TaskContext context) {
            return Outcome.ignore();
        }
    }

    /** Throws: an ERROR with the exception as the error text. */
    public static final class Thrower implements Task {
        @Override
        public String name() {
            return "thrower";
        }

        @Override
        public Outcome run(Job job, TaskContext context) {
            throw new IllegalStateException("boom at attempt " + job.attempt());
        }
    }

    /** RETRY with the delay in {@code args.delay_ms} on its first attempt, OK after. */
    public static final class RetryLater implements Task {
        @Override
        public String name() {
            return "retry-later";
        }

        @Override
        public Outcome run(Job job, TaskContext context) {
            if (job.attempt() == 1) {
                return Outcome.retry(Duration.ofMillis(((Number) job.args().get("delay_ms")).longValue()));
            }
            return Outcome.ok();
        }
    }
}
