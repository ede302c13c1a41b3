package io.spoolerd.cli;

/**
 * SIGTERM and SIGINT start a graceful stop instead of the JVM's default exit (code 143/130 and
 * shutdown hooks racing the daemon), so a stopped daemon exits 0 once its jobs are settled.
 */
final class Signals {

    private Signals() {}

    @SuppressWarnings("removal")
    static void onStop(Runnable stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.run());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // not on this platform: the JVM's default handling stays
            }
        }
    }
}
