package io.spoolerd;

/** A job, or a job file, that is not a valid job; the message is one line naming the field. */
public class InvalidJobException extends SpoolerException {

    public InvalidJobException(String message) {
        super(message);
    }
}
