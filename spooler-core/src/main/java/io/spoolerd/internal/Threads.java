package io.spoolerd.internal;

/** Small thread helpers: every thread spoolerd starts is a named daemon thread. */
public final class Threads {

    private Threads() {}

    public static Thread start(String name, Runnable body) {
        Thread t = daemon(name, body);
        t.start();
        return t;
    }

    /** A named daemon thread, not started: for thread factories. */
    public static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
