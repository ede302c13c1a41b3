package io.spoolerd.internal.daemon;

import java.util.Arrays;
import java.util.Comparator;

/**
 * A binary min-heap of index entries. Each entry knows its position in the heap it is in, so it can
 * also be removed from the middle (a job claimed by another daemon, cancelled, rescheduled) in
 * O(log n). One array slot per entry instead of a {@code TreeSet} node: the index of a million
 * queued jobs must fit in a small heap.
 */
final class EntryHeap {

    private static final int MIN_CAPACITY = 16;

    private final Comparator<Index.Entry> order;
    private Index.Entry[] heap = new Index.Entry[MIN_CAPACITY];
    private int size;

    EntryHeap(Comparator<Index.Entry> order) {
        this.order = order;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The first entry in order, or null. */
    Index.Entry peek() {
        return size == 0 ? null : heap[0];
    }

    void add(Index.Entry e) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size + (size >> 1));
        }
        heap[size] = e;
        e.heapIndex = size;
        size++;
        siftUp(size - 1);
    }

    /** Takes the first entry in order, or null. */
    Index.Entry poll() {
        if (size == 0) {
            return null;
        }
        Index.Entry first = heap[0];
        removeAt(0);
        return first;
    }

    /** Removes an entry that is in this heap. */
    void remove(Index.Entry e) {
        int i = e.heapIndex;
        if (i < 0 || i >= size || heap[i] != e) {
            throw new IllegalStateException("not in this heap");
        }
        removeAt(i);
    }

    private void removeAt(int i) {
        Index.Entry removed = heap[i];
        size--;
        Index.Entry last = heap[size];
        heap[size] = null;
        removed.heapIndex = -1;
        if (i < size) {
            // The last entry fills the hole: it may belong further down or, from the middle, further up.
            heap[i] = last;
            last.heapIndex = i;
            siftDown(i);
            if (heap[i] == last) {
                siftUp(i);
            }
        }
        if (heap.length > MIN_CAPACITY && size < heap.length / 4) {
            heap = Arrays.copyOf(heap, Math.max(MIN_CAPACITY, heap.length / 2)); // a drained queue gives its memory back
        }
    }

    private void siftUp(int i) {
        Index.Entry e = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Index.Entry p = heap[parent];
            if (order.compare(e, p) >= 0) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = e;
        e.heapIndex = i;
    }

    private void siftDown(int i) {
        Index.Entry e = heap[i];
        int half = size >>> 1; // the entries below it have children
        while (i < half) {
            int child = 2 * i + 1;
            Index.Entry c = heap[child];
            int right = child + 1;
            if (right < size && order.compare(heap[right], c) < 0) {
                child = right;
                c = heap[right];
            }
            if (order.compare(e, c) <= 0) {
                break;
            }
            heap[i] = c;
            c.heapIndex = i;
            i = child;
        }
        heap[i] = e;
        e.heapIndex = i;
    }
}
