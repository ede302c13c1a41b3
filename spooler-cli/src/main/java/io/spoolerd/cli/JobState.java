package io.spoolerd.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where a job is, as the operator commands name it. The directory decides: the root holds queued
 * and scheduled jobs, {@code .spoolerd/claims/<daemon>/} the running ones, and each finished
 * state has its own directory.
 */
enum JobState {
    QUEUED, SCHEDULED, RUNNING, FAILED, BAD, DONE, CANCELLED;

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code --state queued}: lower case, as printed. */
    static final class Converter implements ITypeConverter<JobState> {
        @Override
        public JobState convert(String value) {
            for (JobState s : values()) {
                if (s.label().equalsIgnoreCase(value.trim())) {
                    return s;
                }
            }
            throw new TypeConversionException("'" + value
                    + "' is not a state: expected queued, scheduled, running, failed, bad, done or cancelled");
        }
    }
}
