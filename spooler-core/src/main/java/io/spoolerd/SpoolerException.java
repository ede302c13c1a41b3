package io.spoolerd;

/** The base of the exceptions a producer may want to catch. */
public class SpoolerException extends RuntimeException {

    public SpoolerException(String message) {
        super(message);
    }

    public SpoolerException(String message, Throwable cause) {
        super(message, cause);
    }
}
