package io.spoolerd.internal.daemon;

import io.spoolerd.internal.store.CanonicalName;
import java.util.function.Consumer;

/**
 * The index's entries by job name: open addressing with linear probing, one array slot per entry
 * instead of a {@code HashMap} node, and no key object (an entry may not even keep its name as a
 * string; see {@link Index.Entry}). Kept at most half full, so a lookup probes one or two slots.
 */
final class EntryTable {

    private static final int MIN_CAPACITY = 16;

    private Index.Entry[] slots = new Index.Entry[MIN_CAPACITY];
    private int size;

    int size() {
        return size;
    }

    /** The entry of a name ({@code canonical} is its parse, or null when it is not canonical), or null. */
    Index.Entry get(String name, CanonicalName canonical) {
        int mask = slots.length - 1;
        for (int i = Index.Entry.hash(name, canonical) & mask; ; i = (i + 1) & mask) {
            Index.Entry e = slots[i];
            if (e == null || e.isNamed(name, canonical)) {
                return e;
            }
        }
    }

    /**
     * Whether an entry whose job id is this arrival id is in the table. Canonical names are placed
     * by their arrival id alone, so they are all on the probe run from its home slot.
     */
    boolean holdsArrivalId(long high, long low) {
        int mask = slots.length - 1;
        for (int i = Index.Entry.hashOfArrivalId(high, low) & mask; slots[i] != null; i = (i + 1) & mask) {
            if (slots[i].hasArrivalIdAsId(high, low)) {
                return true;
            }
        }
        return false;
    }

    /** Adds an entry whose name is not in the table yet. */
    void add(Index.Entry e) {
        if (size + 1 > slots.length / 2) {
            resize(slots.length * 2);
        }
        place(slots, e);
        size++;
    }

    /** Removes an entry that is in the table. */
    void remove(Index.Entry e) {
        int mask = slots.length - 1;
        int i = e.hash() & mask;
        while (slots[i] != e) {
            if (slots[i] == null) {
                throw new IllegalStateException("not in the table");
            }
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: move later entries of the same run into the hole when their home
        // slot allows, so that every entry stays reachable from its home without tombstones.
        int hole = i;
        for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
            int home = slots[j].hash() & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                slots[hole] = slots[j];
                hole = j;
            }
        }
        slots[hole] = null;
        size--;
        if (slots.length > MIN_CAPACITY && size < slots.length / 8) {
            resize(slots.length / 2); // a drained queue gives its memory back
        }
    }

    /** Visits every entry; the action must not add or remove entries. */
    void forEach(Consumer<Index.Entry> action) {
        for (Index.Entry e : slots) {
            if (e != null) {
                action.accept(e);
            }
        }
    }

    private void resize(int capacity) {
        Index.Entry[] bigger = new Index.Entry[capacity];
        for (Index.Entry e : slots) {
            if (e != null) {
                place(bigger, e);
            }
        }
        slots = bigger;
    }

    private static void place(Index.Entry[] slots, Index.Entry e) {
        int mask = slots.length - 1;
        int i = e.hash() & mask;
        while (slots[i] != null) {
            i = (i + 1) & mask;
        }
        slots[i] = e;
    }
}
