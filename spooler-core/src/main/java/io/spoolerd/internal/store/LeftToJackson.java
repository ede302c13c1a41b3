package io.spoolerd.internal.store;

/**
 * Thrown by the hand-made fast paths ({@link SimpleJson}, {@link PlainValues}) on input they do not
 * take, which then goes to Jackson. One instance, no stack trace: it is control flow.
 */
final class LeftToJackson extends RuntimeException {

    static final LeftToJackson INSTANCE = new LeftToJackson();

    private LeftToJackson() {
        super(null, null, false, false);
    }
}
