package io.spoolerd.internal.daemon;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The daemon's in-memory view of the drop zone: one small entry per job name (name, priority,
 * due time, state), never parsed JSON. Due jobs wait in priority order, the others in time order,
 * so finding the next job and the next wake-up is a lookup, not a rescan. The directory stays the
 * truth: the index is rebuilt from it at start, and a scan corrects it.
 */
final class Index {

    enum State {
        /** Due: offered to workers in (priority, due, name) order. */
        READY,
        /** Not yet due: a future {@code at}, a retry, or deferred by this daemon after an IGNORE. */
        WAITING,
        /** Its task is unknown to this daemon (or its format version is newer): left for others. */
        UNKNOWN_TASK,
        /** Does not parse (yet): re-read until unchanged for the bad-grace period, then moved to bad/. */
        PENDING_BAD,
        /** A symlink, directory, FIFO or device: reported once and left alone. */
        NOT_A_FILE,
    }

    static final class Entry {
        final String name;
        int priority;
        long due;
        State state;
        long seen;
        String reason;

        Entry(String name) {
            this.name = name;
        }
    }

    private static final Comparator<Entry> BY_PRIORITY = Comparator.<Entry>comparingInt(e -> e.priority)
            .thenComparingLong(e -> e.due).thenComparing(e -> e.name);
    private static final Comparator<Entry> BY_TIME = Comparator.<Entry>comparingLong(e -> e.due)
            .thenComparing(e -> e.name);

    private final Map<String, Entry> byName = new HashMap<>();
    private final TreeSet<Entry> ready = new TreeSet<>(BY_PRIORITY);
    private final TreeSet<Entry> waiting = new TreeSet<>(BY_TIME);
    /** Entries per state, kept up to date on every change so status and ticks never walk the whole index. */
    private final int[] stateCounts = new int[State.values().length];

    boolean contains(String name) {
        return byName.containsKey(name);
    }

    Entry get(String name) {
        return byName.get(name);
    }

    /** Adds or updates a job that may run from {@code due} on. */
    void putJob(String name, int priority, long due, long now) {
        Entry e = detach(name);
        e.priority = priority;
        e.due = due;
        e.reason = null;
        attach(e, due <= now ? State.READY : State.WAITING);
    }

    /** Keeps the name known but out of the queue. */
    void park(String name, State state, String reason) {
        Entry e = detach(name);
        e.reason = reason;
        attach(e, state);
    }

    void remove(String name) {
        Entry e = byName.remove(name);
        if (e != null) {
            unlink(e);
            setState(e, null);
        }
    }

    /** Moves what has come due to the ready queue and takes the first job of it, or null. */
    Entry pollReady(long now) {
        promote(now);
        Entry e = ready.pollFirst();
        if (e != null) {
            setState(e, null); // between the queue and a claim: the caller decides what it becomes
        }
        return e;
    }

    boolean hasReady(long now) {
        promote(now);
        return !ready.isEmpty();
    }

    /**
     * When the next waiting job comes due, or {@link Long#MAX_VALUE}. What is due already moves to
     * the ready queue first: it is no reason to wake up again (with every worker busy, the loop
     * would spin until one is free), a worker becoming free is.
     */
    long nextDue(long now) {
        promote(now);
        return waiting.isEmpty() ? Long.MAX_VALUE : waiting.first().due;
    }

    /** Marks a name as present in the scan numbered {@code scan}. */
    void markSeen(Entry e, long scan) {
        e.seen = scan;
    }

    /** Drops the names a full scan did not see (someone else took or removed them). */
    void forgetUnseen(long scan) {
        Iterator<Entry> it = byName.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.seen != scan) {
                unlink(e);
                setState(e, null);
                it.remove();
            }
        }
    }

    List<Entry> inState(State state) {
        List<Entry> out = new ArrayList<>();
        if (stateCounts[state.ordinal()] == 0) {
            return out;
        }
        for (Entry e : byName.values()) {
            if (e.state == state) {
                out.add(e);
            }
        }
        return out;
    }

    /** Counts by state, for status. */
    Map<State, Integer> counts(long now) {
        promote(now);
        Map<State, Integer> counts = new java.util.EnumMap<>(State.class);
        for (State s : State.values()) {
            counts.put(s, stateCounts[s.ordinal()]);
        }
        return counts;
    }

    int size() {
        return byName.size();
    }

    private void promote(long now) {
        while (!waiting.isEmpty() && waiting.first().due <= now) {
            Entry e = waiting.pollFirst();
            setState(e, State.READY);
            ready.add(e);
        }
    }

    private Entry detach(String name) {
        Entry e = byName.get(name);
        if (e == null) {
            e = new Entry(name);
            byName.put(name, e);
        } else {
            unlink(e);
        }
        return e;
    }

    private void attach(Entry e, State state) {
        setState(e, state);
        if (state == State.READY) {
            ready.add(e);
        } else if (state == State.WAITING) {
            waiting.add(e);
        }
    }

    private void setState(Entry e, State state) {
        if (e.state != null) {
            stateCounts[e.state.ordinal()]--;
        }
        if (state != null) {
            stateCounts[state.ordinal()]++;
        }
        e.state = state;
    }

    private void unlink(Entry e) {
        if (e.state == State.READY) {
            ready.remove(e);
        } else if (e.state == State.WAITING) {
            waiting.remove(e);
        }
    }
}
