package io.spoolerd;

/** A job with this id is still queued, scheduled or running. */
public class DuplicateJobException extends SpoolerException {

    private final String jobId;

    public DuplicateJobException(String jobId) {
        super("a job with id \"" + jobId + "\" is already queued, scheduled or running");
        this.jobId = jobId;
    }

    public String jobId() {
        return jobId;
    }
}
