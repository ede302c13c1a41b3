package io.spoolerd;

/** The spool refused a job: {@code maxQueued} jobs are already waiting, or the disk is full. */
public class SpoolFullException extends SpoolerException {

    public SpoolFullException(String message) {
        super(message);
    }

    public SpoolFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
