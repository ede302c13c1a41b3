package io.spoolerd.internal.daemon;

import io.spoolerd.internal.store.CanonicalName;
import io.spoolerd.internal.store.JobNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's in-memory view of the drop zone: one small entry per job name (name, priority,
 * due time, state), never parsed JSON. Due jobs wait in priority order, the others in time order,
 * so finding the next job and the next wake-up is a lookup, not a rescan. The directory stays the
 * truth: the index is rebuilt from it at start, and a scan corrects it.
 *
 * <p>A million queued jobs must fit in a small heap, so a job costs one {@link Entry} (56 bytes,
 * no name string for the names the API writes), a slot in an {@link EntryTable} and a slot in an
 * {@link EntryHeap}: about 70 bytes, where entries, name strings, {@code HashMap} and
 * {@code TreeSet} nodes took about 285.
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

    private static final State[] STATES = State.values();
    private static final byte NO_STATE = -1;

    /**
     * One job name. A canonical name without a user id that is exactly what the API writes for
     * (arrival id, priority, due) is not kept as a string: the arrival id is kept as two longs and
     * the name rebuilt when asked for. Any other name (hand-dropped, with a user id, or whose
     * priority or due time was changed away from what the name says) is kept as it is.
     */
    static final class Entry {
        /** The name, or null while it follows from the fields below. */
        private String text;
        /** The arrival id's bits, when the name is canonical (hasId). */
        private long idHigh;
        private long idLow;
        private long due;
        private int priority;
        /**
         * The number of the last scan that saw the name, in an int to keep the entry at 56 bytes; it
         * wraps after 2^31 scans, where at worst a present job is dropped and found again by the next scan.
         */
        private int seen;
        /** Position in the ready or waiting heap, -1 in neither; kept by {@link EntryHeap}. */
        int heapIndex = -1;
        private byte state = NO_STATE;
        private boolean hasId;
        private boolean explicitDue;

        Entry(String name, CanonicalName canonical) {
            if (canonical != null) {
                hasId = true;
                idHigh = canonical.idHigh();
                idLow = canonical.idLow();
            }
            if (canonical != null && canonical.isFormatted() && !canonical.hasUserId()) {
                priority = canonical.priority();
                due = canonical.dueMillis();
                explicitDue = canonical.explicitDue();
            } else {
                text = name;
            }
        }

        String name() {
            return text != null ? text : CanonicalName.format(idHigh, idLow, priority, explicitDue, due);
        }

        int priority() {
            return priority;
        }

        long due() {
            return due;
        }

        /** Null between {@link #pollReady} and the caller's decision. */
        State state() {
            return state == NO_STATE ? null : STATES[state];
        }

        long seen() {
            return seen;
        }

        /** Sets the order fields; a name that no longer follows from them is kept as a string from now on. */
        private void schedule(int priority, long due) {
            if (text == null && (priority != this.priority || due != this.due)) {
                text = name();
            }
            this.priority = priority;
            this.due = due;
        }

        /** Whether this is the entry of {@code name}; {@code canonical} is its parse or null. */
        boolean isNamed(String name, CanonicalName canonical) {
            if (text != null) {
                return text.equals(name);
            }
            return canonical != null && canonical.isFormatted() && !canonical.hasUserId()
                    && canonical.idHigh() == idHigh && canonical.idLow() == idLow
                    && canonical.priority() == priority && canonical.explicitDue() == explicitDue
                    && canonical.dueMillis() == due;
        }

        /** The fingerprint of the user id in the name ({@code -k<id>}), or 0 when it has none. */
        long userIdFingerprint() {
            CanonicalName c = hasId && text != null ? CanonicalName.parse(text) : null;
            return c != null && c.hasUserId() ? IdFingerprints.of(c.userId()) : 0;
        }

        /** Whether the job's id is this arrival id: the name starts with it and names no user id. */
        boolean hasArrivalIdAsId(long high, long low) {
            return hasId && idHigh == high && idLow == low && userIdFingerprint() == 0;
        }

        static int hashOfArrivalId(long high, long low) {
            return spread(high ^ low);
        }

        /** Equal to {@link #hash(String, CanonicalName)} of the name. */
        int hash() {
            return hasId ? hashOfArrivalId(idHigh, idLow) : spread(text.hashCode());
        }

        /** A name's hash: of its arrival id when it is canonical (which the entry keeps either way), else of the string. */
        static int hash(String name, CanonicalName canonical) {
            return canonical != null ? hashOfArrivalId(canonical.idHigh(), canonical.idLow()) : spread(name.hashCode());
        }

        private static int spread(long h) {
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL; // MurmurHash3's finalizer: ids of one millisecond differ in the low bits only
            h ^= h >>> 33;
            return (int) h;
        }

        /** Names in String order, without building them while both start with different arrival ids. */
        static int compareNames(Entry a, Entry b) {
            if (a.hasId && b.hasId) {
                int c = Long.compareUnsigned(a.idHigh, b.idHigh);
                if (c == 0) {
                    c = Long.compareUnsigned(a.idLow, b.idLow);
                }
                if (c != 0) {
                    return c; // both names start with their 26-character id, whose characters sort as its bits
                }
            }
            return a.name().compareTo(b.name());
        }
    }

    private static final Comparator<Entry> BY_PRIORITY = (a, b) -> {
        int c = Integer.compare(a.priority, b.priority);
        if (c == 0) {
            c = Long.compare(a.due, b.due);
        }
        return c != 0 ? c : Entry.compareNames(a, b);
    };
    private static final Comparator<Entry> BY_TIME = (a, b) -> {
        int c = Long.compare(a.due, b.due);
        return c != 0 ? c : Entry.compareNames(a, b);
    };

    private final EntryTable byName = new EntryTable();
    private final IdFingerprints userIds = new IdFingerprints();
    private final EntryHeap ready = new EntryHeap(BY_PRIORITY);
    private final EntryHeap waiting = new EntryHeap(BY_TIME);
    /** Why a name is parked; only parked names have one, so it lives beside the entries. */
    private final Map<Entry, String> reasons = new HashMap<>();
    /** Entries per state, kept up to date on every change so status and ticks never walk the whole index. */
    private final int[] stateCounts = new int[STATES.length];

    boolean contains(String name) {
        return get(name) != null;
    }

    /**
     * Whether a job whose name says this id is indexed (queued, scheduled or parked): its arrival
     * id, or its user id ({@code -k<id>}), as the names the API and {@code submit} write say.
     */
    boolean holdsId(String id) {
        CanonicalName arrival = CanonicalName.parse(id + JobNames.JOB_SUFFIX);
        if (arrival != null && arrival.isFormatted() && !arrival.hasUserId()
                && byName.holdsArrivalId(arrival.idHigh(), arrival.idLow())) {
            return true;
        }
        return userIds.contains(IdFingerprints.of(id));
    }

    Entry get(String name) {
        return byName.get(name, CanonicalName.parse(name));
    }

    /** Adds or updates a job that may run from {@code due} on. */
    void putJob(String name, int priority, long due, long now) {
        Entry e = detach(name);
        e.schedule(priority, due);
        reasons.remove(e);
        attach(e, due <= now ? State.READY : State.WAITING);
    }

    /** Keeps the name known but out of the queue. */
    void park(String name, State state, String reason) {
        Entry e = detach(name);
        reasons.put(e, reason);
        attach(e, state);
    }

    /** Why a parked name is parked, or null. */
    String reason(Entry e) {
        return reasons.get(e);
    }

    void remove(String name) {
        Entry e = get(name);
        if (e != null) {
            forget(e);
        }
    }

    /** Moves what has come due to the ready queue and takes the first job of it, or null. */
    Entry pollReady(long now) {
        promote(now);
        Entry e = ready.poll();
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
        return waiting.isEmpty() ? Long.MAX_VALUE : waiting.peek().due;
    }

    /** Marks a name as present in the scan numbered {@code scan}. */
    void markSeen(Entry e, long scan) {
        e.seen = (int) scan;
    }

    /** Drops the names a full scan did not see (someone else took or removed them). */
    void forgetUnseen(long scan) {
        int current = (int) scan;
        List<Entry> gone = new ArrayList<>();
        byName.forEach(e -> {
            if (e.seen != current) {
                gone.add(e);
            }
        });
        for (Entry e : gone) {
            forget(e);
        }
    }

    List<Entry> inState(State state) {
        List<Entry> out = new ArrayList<>();
        if (stateCounts[state.ordinal()] == 0) {
            return out;
        }
        byName.forEach(e -> {
            if (e.state() == state) {
                out.add(e);
            }
        });
        return out;
    }

    /** Counts by state, for status. */
    Map<State, Integer> counts(long now) {
        promote(now);
        Map<State, Integer> counts = new EnumMap<>(State.class);
        for (State s : STATES) {
            counts.put(s, stateCounts[s.ordinal()]);
        }
        return counts;
    }

    int size() {
        return byName.size();
    }

    private void promote(long now) {
        while (!waiting.isEmpty() && waiting.peek().due <= now) {
            Entry e = waiting.poll();
            setState(e, State.READY);
            ready.add(e);
        }
    }

    /** The entry of a name, new or taken out of its queue. */
    private Entry detach(String name) {
        CanonicalName canonical = CanonicalName.parse(name);
        Entry e = byName.get(name, canonical);
        if (e == null) {
            e = new Entry(name, canonical);
            byName.add(e);
            addId(e);
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

    private void addId(Entry e) {
        long id = e.userIdFingerprint();
        if (id != 0) {
            userIds.add(id);
        }
    }

    private void forget(Entry e) {
        long id = e.userIdFingerprint();
        if (id != 0) {
            userIds.remove(id);
        }
        byName.remove(e);
        unlink(e);
        setState(e, null);
        reasons.remove(e);
    }

    private void setState(Entry e, State state) {
        State old = e.state();
        if (old != null) {
            stateCounts[old.ordinal()]--;
        }
        if (state != null) {
            stateCounts[state.ordinal()]++;
        }
        e.state = state == null ? NO_STATE : (byte) state.ordinal();
    }

    private void unlink(Entry e) {
        if (e.state == State.READY.ordinal()) {
            ready.remove(e);
        } else if (e.state == State.WAITING.ordinal()) {
            waiting.remove(e);
        }
    }
}
