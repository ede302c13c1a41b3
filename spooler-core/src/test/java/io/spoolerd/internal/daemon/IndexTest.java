package io.spoolerd.internal.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spoolerd.internal.store.JobIds;
import io.spoolerd.internal.store.JobNames;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class IndexTest {

    private static final long NOW = 1_800_000_000_000L;

    @Test
    void readyJobsComeOutByPriorityThenDueThenName() {
        Index index = new Index();
        String a = id();
        String b = id();
        index.putJob(b + ".json", 0, 10, NOW);
        index.putJob(a + "-p1.json", 1, 5, NOW);
        index.putJob("zzz.json", -1, 20, NOW);
        index.putJob("aaa.json", 0, 10, NOW); // same priority and due as b: the name decides, "0..." < "a"
        index.putJob(a + ".json", 0, 10, NOW);
        assertEquals(List.of("zzz.json", a + ".json", b + ".json", "aaa.json", a + "-p1.json"), drain(index));
    }

    @Test
    void waitingJobsComeDueInTimeThenNameOrder() {
        Index index = new Index();
        String a = id();
        index.putJob("late.json", -5, NOW + 300, NOW);
        index.putJob(a + "-t" + (NOW + 100) + ".json", 0, NOW + 100, NOW);
        index.putJob("b.json", 9, NOW + 100, NOW);
        index.putJob("a.json", 9, NOW + 200, NOW);
        assertEquals(NOW + 100, index.nextDue(NOW));
        assertFalse(index.hasReady(NOW));
        assertTrue(index.hasReady(NOW + 100));
        assertEquals(Map.of(Index.State.READY, 2, Index.State.WAITING, 2), nonZero(index.counts(NOW + 100)));
        assertEquals(NOW + 200, index.nextDue(NOW + 100));
        // promoted together, they then run by priority
        assertEquals(List.of("late.json", a + "-t" + (NOW + 100) + ".json", "b.json", "a.json"), drain(index, NOW + 300));
        assertEquals(Long.MAX_VALUE, index.nextDue(NOW + 300));
    }

    @Test
    void namesKeepTheirOwnSpelling() {
        Index index = new Index();
        String a = id();
        List<String> names = List.of(
                a + ".json", a + "-p3.json", a + "-p-3.json", a + "-t5.json", a + "-p3-t-7.json", // rebuilt from numbers
                a + "-kuser.json", a + "-p2-kuser.json", // a user id: kept as text
                a + "-p0.json", a + "-p03.json", a + "-t05.json", a + "-t-0.json", // canonical, but not as format() writes them
                a + "x.json", "job1.json", a.toLowerCase() + ".json", "\u00e9t\u00e9.json");
        for (String name : names) {
            index.putJob(name, 0, 1, NOW);
        }
        assertEquals(names.size(), index.size());
        for (String name : names) {
            Index.Entry e = index.get(name);
            assertNotNull(e, name);
            assertEquals(name, e.name());
            assertTrue(index.contains(name));
        }
        assertNull(index.get(a + "-p+3.json"));
        assertNull(index.get(a + "-t5-p3.json"));
        List<String> sorted = new ArrayList<>(names);
        Collections.sort(sorted);
        assertEquals(sorted, drain(index), "same priority and due: String order of the names");
    }

    @Test
    void aCanonicalNameStaysFoundWhenItsOrderFieldsChange() {
        Index index = new Index();
        String name = id() + "-p2.json";
        index.putJob(name, 2, NOW - 1, NOW);
        Index.Entry e = index.get(name);
        index.putJob(name, 7, NOW + 50, NOW); // as the claim path does: another time, another priority
        assertSame(e, index.get(name));
        assertEquals(name, e.name());
        assertEquals(7, e.priority());
        assertEquals(NOW + 50, e.due());
        assertEquals(Index.State.WAITING, e.state());
        index.putJob(name, 2, NOW - 1, NOW);
        assertSame(e, index.get(name));
        assertEquals(name, e.name());
        index.remove(name);
        assertNull(index.get(name));
        assertEquals(0, index.size());
    }

    @Test
    void namesOfOneMillisecondSortByName() {
        // ids made in a tight loop share their millisecond, so their due times tie and the names decide
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String a = id();
            names.add(a + ".json");
            if (i % 10 == 0) {
                names.add(a + "-kuser.json"); // same id, kept as text
                names.add(a + "x.json"); // not canonical, starts with the same id
                names.add(a + "-t" + JobIds.millisOf(a) + ".json"); // same id, same due, a different name
            }
        }
        List<String> shuffled = new ArrayList<>(names);
        Collections.shuffle(shuffled, new Random(3));
        Index index = new Index();
        for (String name : shuffled) {
            index.putJob(name, 0, JobIds.millisOf(name), NOW);
        }
        List<String> sorted = new ArrayList<>(names);
        Collections.sort(sorted);
        assertEquals(sorted, drain(index));
    }

    @Test
    void removalFromTheMiddleOfAHeapKeepsTheOrder() {
        Random random = new Random(1);
        Index index = new Index();
        Map<String, long[]> queued = new HashMap<>(); // name -> priority, due
        for (int i = 0; i < 3000; i++) {
            String name = i % 4 == 0 ? "hand" + i + ".json" : id() + ".json";
            long priority = random.nextInt(5);
            long due = NOW + random.nextInt(2000) - 1000; // half ready, half waiting
            index.putJob(name, (int) priority, due, NOW);
            queued.put(name, new long[] {priority, due});
        }
        for (String name : new ArrayList<>(queued.keySet())) {
            if (random.nextInt(3) == 0) {
                index.remove(name);
                queued.remove(name);
            }
        }
        List<String> expected = new ArrayList<>(queued.keySet());
        expected.sort(Comparator.<String>comparingLong(n -> queued.get(n)[0]).thenComparingLong(n -> queued.get(n)[1])
                .thenComparing(n -> n));
        assertEquals(expected, drain(index, Long.MAX_VALUE));
        assertEquals(0, index.size());
    }

    @Test
    void jobsAreFoundByTheIdTheirNamesSay() {
        Index index = new Index();
        String a = id();
        String b = id();
        String c = id();
        index.putJob(a + ".json", 0, NOW, NOW);
        index.putJob(b + "-p3-t" + (NOW + 60_000) + ".json", 3, NOW + 60_000, NOW);
        index.putJob(c + "-korder-7.json", 0, NOW, NOW);
        index.putJob(c + "-korder-7x.json", 0, NOW, NOW); // the same arrival id twice, other user ids
        index.putJob("hand.json", 0, NOW, NOW);

        assertTrue(index.holdsId(a));
        assertTrue(index.holdsId(b), "priority and due in the name");
        assertTrue(index.holdsId("order-7"));
        assertFalse(index.holdsId(c), "a name with a user id is the job of that id, not of its arrival id");
        assertFalse(index.holdsId("hand"), "a hand-dropped name says no id: its file does");
        assertFalse(index.holdsId("order-8"));
        assertFalse(index.holdsId(id()));

        index.putJob(a + ".json", 0, NOW + 5, NOW); // rescheduled: the name is kept as a string now
        assertTrue(index.holdsId(a));
        index.remove(a + ".json");
        assertFalse(index.holdsId(a));
        index.remove(c + "-korder-7.json");
        assertFalse(index.holdsId("order-7"));
        assertTrue(index.holdsId("order-7x"));
        index.putJob(c + "-korder-7.json", 0, NOW, NOW);
        index.putJob(id() + "-korder-7.json", 0, NOW, NOW); // two queued jobs of one id (a hand-made name)
        index.remove(c + "-korder-7.json");
        assertTrue(index.holdsId("order-7"), "counted as often as it is held");
    }

    @Test
    void idFingerprintsAreAMultiset() {
        IdFingerprints set = new IdFingerprints();
        Random random = new Random(7);
        Map<Long, Integer> model = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            long f = IdFingerprints.of("id-" + random.nextInt(3000));
            if (random.nextBoolean()) {
                set.add(f);
                model.merge(f, 1, Integer::sum);
            } else {
                set.remove(f);
                model.computeIfPresent(f, (k, n) -> n == 1 ? null : n - 1);
            }
            long probe = IdFingerprints.of("id-" + random.nextInt(3000));
            assertEquals(model.containsKey(probe), set.contains(probe));
        }
        assertEquals(model.values().stream().mapToInt(Integer::intValue).sum(), set.size());
    }

    @Test
    void parkedNamesAreKnownButNotOffered() {
        Index index = new Index();
        String name = id() + ".json";
        index.park(name, Index.State.UNKNOWN_TASK, "no task named \"x\" here");
        index.park("broken.json", Index.State.PENDING_BAD, "not JSON");
        assertNull(index.pollReady(NOW));
        assertEquals(Index.State.UNKNOWN_TASK, index.get(name).state());
        assertEquals("no task named \"x\" here", index.reason(index.get(name)));
        assertEquals(List.of("broken.json"), index.inState(Index.State.PENDING_BAD).stream().map(Index.Entry::name).toList());
        index.putJob(name, 0, NOW, NOW);
        assertNull(index.reason(index.get(name)));
        assertEquals(name, index.pollReady(NOW).name());
        assertEquals(Map.of(Index.State.PENDING_BAD, 1), nonZero(index.counts(NOW)));
    }

    @Test
    void aPolledEntryStaysKnownUntilTheCallerDecides() {
        Index index = new Index();
        String name = id() + ".json";
        index.putJob(name, 0, NOW, NOW);
        Index.Entry e = index.pollReady(NOW);
        assertNull(e.state());
        assertSame(e, index.get(name));
        assertEquals(Map.of(), nonZero(index.counts(NOW)));
        index.putJob(name, e.priority(), NOW + 10, NOW); // put back for later
        assertEquals(Index.State.WAITING, index.get(name).state());
    }

    @Test
    void aFullScanForgetsWhatItDidNotSee() {
        Index index = new Index();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String name = i % 3 == 0 ? "hand" + i + ".json" : id() + ".json";
            names.add(name);
            index.putJob(name, 0, NOW + (i % 2) * 1000, NOW);
            index.markSeen(index.get(name), 1);
        }
        for (int i = 0; i < names.size(); i += 2) {
            index.markSeen(index.get(names.get(i)), 2);
        }
        index.forgetUnseen(2);
        assertEquals(250, index.size());
        for (int i = 0; i < names.size(); i++) {
            assertEquals(i % 2 == 0, index.contains(names.get(i)), names.get(i));
        }
        assertEquals(250, drain(index, Long.MAX_VALUE).size());
    }

    /** The compact index against the obvious one (a HashMap and two TreeSets of plain records), over random operations. */
    @Test
    void randomOperationsMatchASimpleModel() {
        Random random = new Random(6);
        List<String> pool = namePool(random);
        Index index = new Index();
        Model model = new Model();
        long now = NOW;
        long scan = 1;
        for (int op = 0; op < 100_000; op++) {
            String name = pool.get(random.nextInt(pool.size()));
            String what = "op " + op + " on " + name;
            int dice = random.nextInt(100);
            if (dice < 35) {
                int priority = random.nextInt(5) - 2;
                long due = now + random.nextInt(2000) - 1000;
                if (random.nextBoolean()) {
                    // the facts the name itself carries, as the scan puts them (keeps canonical entries compact)
                    var c = JobNames.parse(name);
                    if (c != null) {
                        priority = c.priority();
                        due = c.dueMillis();
                    }
                }
                index.putJob(name, priority, due, now);
                model.putJob(name, priority, due, now);
            } else if (dice < 42) {
                Index.State state = List.of(Index.State.UNKNOWN_TASK, Index.State.PENDING_BAD, Index.State.NOT_A_FILE)
                        .get(random.nextInt(3));
                index.park(name, state, "why " + op);
                model.park(name, state);
            } else if (dice < 52) {
                index.remove(name);
                model.remove(name);
            } else if (dice < 80) {
                Index.Entry e = index.pollReady(now);
                Ref r = model.pollReady(now);
                assertEquals(r == null ? null : r.name, e == null ? null : e.name(), what);
                if (e != null) {
                    assertEquals(r.priority, e.priority(), what);
                    assertEquals(r.due, e.due(), what);
                    assertSame(e, index.get(e.name()), what);
                }
            } else if (dice < 88) {
                Index.Entry e = index.get(name);
                Ref r = model.byName.get(name);
                assertEquals(r != null, e != null, what);
                assertEquals(r != null, index.contains(name), what);
                if (e != null) {
                    assertEquals(name, e.name(), what);
                    assertEquals(r.state, e.state(), what);
                    if (r.state == Index.State.READY || r.state == Index.State.WAITING) {
                        assertEquals(r.priority, e.priority(), what);
                        assertEquals(r.due, e.due(), what);
                    }
                    index.markSeen(e, scan);
                    r.seen = scan;
                }
            } else if (dice < 90) {
                assertEquals(model.nextDue(now), index.nextDue(now), what);
                assertEquals(model.counts(), nonZero(index.counts(now)), what);
                assertEquals(model.byName.size(), index.size(), what);
                assertEquals(model.inState(Index.State.PENDING_BAD),
                        index.inState(Index.State.PENDING_BAD).stream().map(Index.Entry::name).collect(Collectors.toSet()), what);
            } else if (dice < 91) {
                index.forgetUnseen(scan);
                model.forgetUnseen(scan);
                scan++;
            } else {
                now += random.nextInt(300);
            }
        }
        assertEquals(model.byName.size(), index.size());
        List<String> rest = new ArrayList<>();
        for (Ref r; (r = model.pollReady(Long.MAX_VALUE)) != null; ) {
            rest.add(r.name);
        }
        assertEquals(rest, drain(index, Long.MAX_VALUE));
    }

    /** Canonical names (some sharing an arrival id), names with user ids, odd spellings and hand-made names. */
    private static List<String> namePool(Random random) {
        List<String> pool = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String a = id();
            pool.add(a + ".json");
            if (i % 3 == 0) {
                pool.add(a + "-p" + (random.nextInt(5) - 2) + ".json");
            }
            if (i % 4 == 0) {
                pool.add(a + "-t" + (NOW + random.nextInt(2000) - 1000) + ".json");
            }
            if (i % 5 == 0) {
                pool.add(a + "-p1-t" + (NOW + random.nextInt(2000) - 1000) + "-kuser" + i + ".json");
            }
            if (i % 7 == 0) {
                pool.add(a + "-p01.json");
                pool.add(a + "hand.json");
                pool.add(a.substring(0, 20) + ".json");
            }
            if (i % 2 == 0) {
                pool.add("job" + i + ".json");
            }
        }
        return pool;
    }

    private static final class Ref {
        final String name;
        int priority;
        long due;
        Index.State state;
        long seen;

        Ref(String name) {
            this.name = name;
        }
    }

    /** The index as it was before it was made compact: plain objects in a HashMap and two TreeSets. */
    private static final class Model {
        final Map<String, Ref> byName = new HashMap<>();
        final TreeSet<Ref> ready = new TreeSet<>(Comparator.<Ref>comparingInt(r -> r.priority)
                .thenComparingLong(r -> r.due).thenComparing(r -> r.name));
        final TreeSet<Ref> waiting = new TreeSet<>(Comparator.<Ref>comparingLong(r -> r.due).thenComparing(r -> r.name));

        void putJob(String name, int priority, long due, long now) {
            Ref r = detach(name);
            r.priority = priority;
            r.due = due;
            attach(r, due <= now ? Index.State.READY : Index.State.WAITING);
        }

        void park(String name, Index.State state) {
            attach(detach(name), state);
        }

        void remove(String name) {
            Ref r = byName.remove(name);
            if (r != null) {
                ready.remove(r);
                waiting.remove(r);
            }
        }

        Ref pollReady(long now) {
            promote(now);
            Ref r = ready.pollFirst();
            if (r != null) {
                r.state = null;
            }
            return r;
        }

        long nextDue(long now) {
            promote(now);
            return waiting.isEmpty() ? Long.MAX_VALUE : waiting.first().due;
        }

        Map<Index.State, Integer> counts() {
            Map<Index.State, Integer> counts = new HashMap<>();
            for (Ref r : byName.values()) {
                if (r.state != null) {
                    counts.merge(r.state, 1, Integer::sum);
                }
            }
            return counts;
        }

        Set<String> inState(Index.State state) {
            return byName.values().stream().filter(r -> r.state == state).map(r -> r.name).collect(Collectors.toSet());
        }

        void forgetUnseen(long scan) {
            for (Ref r : new ArrayList<>(byName.values())) {
                if (r.seen != scan) {
                    remove(r.name);
                }
            }
        }

        private void promote(long now) {
            while (!waiting.isEmpty() && waiting.first().due <= now) {
                Ref r = waiting.pollFirst();
                r.state = Index.State.READY;
                ready.add(r);
            }
        }

        private Ref detach(String name) {
            Ref r = byName.computeIfAbsent(name, Ref::new);
            ready.remove(r);
            waiting.remove(r);
            return r;
        }

        private void attach(Ref r, Index.State state) {
            r.state = state;
            if (state == Index.State.READY) {
                ready.add(r);
            } else if (state == Index.State.WAITING) {
                waiting.add(r);
            }
        }
    }

    private static String id() {
        return JobIds.next(Clock.systemUTC());
    }

    private static List<String> drain(Index index) {
        return drain(index, NOW);
    }

    /** Polls every ready job in order, and forgets it as a successful claim does. */
    private static List<String> drain(Index index, long now) {
        List<String> out = new ArrayList<>();
        for (Index.Entry e; (e = index.pollReady(now)) != null; ) {
            out.add(e.name());
            index.remove(e.name());
        }
        return out;
    }

    private static Map<Index.State, Integer> nonZero(Map<Index.State, Integer> counts) {
        Map<Index.State, Integer> out = new HashMap<>(counts);
        out.values().removeIf(n -> n == 0);
        return out;
    }
}
