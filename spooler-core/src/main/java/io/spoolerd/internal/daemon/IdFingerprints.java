package io.spoolerd.internal.daemon;

/**
 * The user ids ({@code -k<id>}) in the names the index holds, as 64-bit fingerprints: a multiset
 * in one {@code long[]} (open addressing, linear probing, a fingerprint present as often as it was
 * added), so that a hand-dropped job is checked against a million queued ones in one lookup, for
 * 16-32 bytes a job that has a user id. Two different ids share a fingerprint with a chance of
 * about n / 2^64: a dropped job then goes to bad/ as a duplicate it is not, which at that chance
 * is no reason to keep the ids as strings.
 */
final class IdFingerprints {

    private static final int MIN_CAPACITY = 16;
    private static final long EMPTY = 0;

    private long[] slots = new long[MIN_CAPACITY];
    private int size;

    static long of(String id) {
        long h = 0xcbf29ce484222325L; // FNV-1a over the chars, then a finalizer to spread it
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == EMPTY ? 1 : h;
    }

    void add(long fingerprint) {
        if (size + 1 > slots.length / 2) {
            resize(slots.length * 2);
        }
        place(slots, fingerprint);
        size++;
    }

    /** Removes one occurrence; one that is not there is ignored. */
    void remove(long fingerprint) {
        int mask = slots.length - 1;
        int i = home(fingerprint, mask);
        while (slots[i] != fingerprint) {
            if (slots[i] == EMPTY) {
                return;
            }
            i = (i + 1) & mask;
        }
        // Backward-shift deletion, as in EntryTable: no tombstones.
        int hole = i;
        for (int j = (i + 1) & mask; slots[j] != EMPTY; j = (j + 1) & mask) {
            int home = home(slots[j], mask);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                slots[hole] = slots[j];
                hole = j;
            }
        }
        slots[hole] = EMPTY;
        size--;
        if (slots.length > MIN_CAPACITY && size < slots.length / 8) {
            resize(slots.length / 2);
        }
    }

    boolean contains(long fingerprint) {
        int mask = slots.length - 1;
        for (int i = home(fingerprint, mask); slots[i] != EMPTY; i = (i + 1) & mask) {
            if (slots[i] == fingerprint) {
                return true;
            }
        }
        return false;
    }

    int size() {
        return size;
    }

    private void resize(int capacity) {
        long[] resized = new long[capacity];
        for (long f : slots) {
            if (f != EMPTY) {
                place(resized, f);
            }
        }
        slots = resized;
    }

    private static void place(long[] table, long fingerprint) {
        int mask = table.length - 1;
        int i = home(fingerprint, mask);
        while (table[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        table[i] = fingerprint;
    }

    private static int home(long fingerprint, int mask) {
        return (int) (fingerprint ^ (fingerprint >>> 32)) & mask;
    }
}
