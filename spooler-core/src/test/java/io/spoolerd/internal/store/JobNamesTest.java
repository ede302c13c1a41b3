package io.spoolerd.internal.store;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spoolerd.InvalidJobException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobNamesTest {

    private static final Clock UTC = Clock.systemUTC();

    @Test
    void idsAre26CharactersOfCrockfordBase32CarryingTheirTime() {
        long before = System.currentTimeMillis();
        String id = JobIds.next(UTC);
        long after = System.currentTimeMillis();
        assertEquals(26, id.length());
        assertEquals(JobIds.LENGTH, id.length());
        assertTrue(id.matches("[0-7][0-9A-HJKMNP-TV-Z]{25}"), id);
        long millis = JobIds.millisOf(id);
        assertTrue(millis >= before && millis <= after + 1, "time of " + id + ": " + millis);
        assertTrue(JobIds.isId(id, 0));
    }

    @Test
    void idsStrictlyIncreaseInATightLoop() {
        String previous = JobIds.next(UTC);
        for (int i = 0; i < 200_000; i++) {
            String id = JobIds.next(UTC);
            assertEquals(26, id.length());
            if (id.compareTo(previous) <= 0) {
                throw new AssertionError("id " + i + " " + id + " does not follow " + previous);
            }
            previous = id;
        }
    }

    @Test
    void idsStrictlyIncreaseWhenTheClockStandsStillOrGoesBack() {
        Clock frozen = Clock.fixed(Instant.parse("2020-01-01T00:00:00Z"), ZoneOffset.UTC);
        String previous = JobIds.next(UTC);
        for (int i = 0; i < 10_000; i++) {
            String id = JobIds.next(i % 2 == 0 ? frozen : UTC);
            assertTrue(id.compareTo(previous) > 0, id + " after " + previous);
            previous = id;
        }
    }

    @Test
    void idsAreUniqueAcrossThreads() throws Exception {
        int threads = 8;
        int each = 20_000;
        Set<String> all = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    String previous = "";
                    for (int i = 0; i < each; i++) {
                        String id = JobIds.next(UTC);
                        assertTrue(id.compareTo(previous) > 0, "increasing within a thread too");
                        assertTrue(all.add(id), "duplicate " + id);
                        previous = id;
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * each, all.size());
    }

    @Test
    void canonicalNameRoundTrips() {
        String arrival = JobIds.next(UTC);
        long arrivalMillis = JobIds.millisOf(arrival);

        String plain = JobNames.format(arrival, 0, null, null);
        assertEquals(arrival + ".json", plain);
        assertEquals(new JobNames.Canonical(arrival, 0, arrivalMillis, false, null), JobNames.parse(plain));
        assertEquals(arrival, JobNames.idOf(plain));

        String all = JobNames.format(arrival, -5, 1_790_000_000_123L, "report-2026.11:a@b+c=d");
        assertEquals(arrival + "-p-5-t1790000000123-kreport-2026.11:a@b+c=d.json", all);
        JobNames.Canonical c = JobNames.parse(all);
        assertEquals(new JobNames.Canonical(arrival, -5, 1_790_000_000_123L, true, "report-2026.11:a@b+c=d"), c);
        assertEquals("report-2026.11:a@b+c=d", c.id());
        assertEquals("report-2026.11:a@b+c=d", JobNames.idOf(all));
        assertEquals(JobNames.Kind.JOB, JobNames.kindOf(all));
    }

    @Test
    void canonicalNameRoundTripsForEveryCombination() {
        int[] priorities = {0, 1, -1, 7, -42, 999_999_999, -999_999_999, 1_000_000_000, Integer.MAX_VALUE, Integer.MIN_VALUE};
        Long[] dues = {null, 0L, 1L, 1_700_000_000_000L, 253_402_300_799_999L /* 9999-12-31 */,
            -1L, -86_400_000L, Long.MAX_VALUE, Long.MIN_VALUE};
        String[] userIds = {null, "k", "a-p5", "x-t12", "y-k3", "id.json", "0", "_", "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "a".repeat(128)};
        for (int priority : priorities) {
            for (Long due : dues) {
                for (String userId : userIds) {
                    String arrival = JobIds.next(UTC);
                    String name = JobNames.format(arrival, priority, due, userId);
                    JobNames.Canonical c = JobNames.parse(name);
                    String what = name + " from p=" + priority + " t=" + due + " k=" + userId;
                    assertNotNull(c, what);
                    assertEquals(arrival, c.arrivalId(), what);
                    assertEquals(priority, c.priority(), what);
                    assertEquals(due != null, c.explicitDue(), what);
                    assertEquals(due != null ? due : JobIds.millisOf(arrival), c.dueMillis(), what);
                    assertEquals(userId, c.userId(), what);
                    assertEquals(userId != null ? userId : arrival, JobNames.idOf(name), what);
                    assertEquals(name, JobNames.format(c.arrivalId(), c.priority(), c.explicitDue() ? c.dueMillis() : null,
                            c.userId()), what);
                    assertTrue(name.length() <= 255, "fits a file name: " + name.length());
                }
            }
        }
    }

    @Test
    void withDueKeepsArrivalPriorityAndUserId() {
        String arrival = JobIds.next(UTC);
        String name = JobNames.format(arrival, -3, null, "mine");
        String retried = JobNames.withDue(name, 1_800_000_000_000L);
        assertEquals(arrival + "-p-3-t1800000000000-kmine.json", retried);
        String again = JobNames.withDue(retried, 1_800_000_000_500L);
        assertEquals(arrival + "-p-3-t1800000000500-kmine.json", again);
        JobNames.Canonical c = JobNames.parse(again);
        assertEquals(new JobNames.Canonical(arrival, -3, 1_800_000_000_500L, true, "mine"), c);
        assertEquals(arrival + "-t5.json", JobNames.withDue(arrival + ".json", 5));
    }

    @Test
    void withDueLeavesHandMadeNamesAlone() {
        assertEquals("job1.json", JobNames.withDue("job1.json", 1_800_000_000_000L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"job1.json", "01ARZ3NDEKTSV4RRFFQ69G5FA.json" /* 25 chars */, "01ARZ3NDEKTSV4RRFFQ69G5FAV.jsonl",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV-x.json", "01ARZ3NDEKTSV4RRFFQ69G5FAV-p.json", "01ARZ3NDEKTSV4RRFFQ69G5FAV-p1.5.json",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV-t-.json", "01ARZ3NDEKTSV4RRFFQ69G5FAV-k.json", "01ARZ3NDEKTSV4RRFFQ69G5FAV-k.x.json",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV-t5-p1.json", "81ARZ3NDEKTSV4RRFFQ69G5FAV.json", "01ARZ3NDEKTSV4RRFFQ69G5FAI.json",
        "01arz3ndektsv4rrffq69g5fav.json", "01ARZ3NDEKTSV4RRFFQ69G5FAV-p99999999999.json",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV-p2147483648.json", "01ARZ3NDEKTSV4RRFFQ69G5FAV-t99999999999999999999.json"})
    void otherNamesAreNotCanonical(String name) {
        assertNull(JobNames.parse(name), name);
    }

    @Test
    void idOfAHandMadeNameIsItsStem() {
        assertEquals("job1", JobNames.idOf("job1.json"));
        assertEquals("batch", JobNames.stem("batch.jsonl"));
        assertEquals("x.tmp", JobNames.stem("x.tmp"));
    }

    @Test
    void kindsOfNamesInTheDropZone() {
        assertEquals(JobNames.Kind.JOB, JobNames.kindOf("job1.json"));
        assertEquals(JobNames.Kind.BATCH, JobNames.kindOf("jobs.jsonl"));
        for (String ignored : List.of(".job1.json", ".x.tmp", "job1.json.tmp", ".job1.json.swp", "job1.json~", "README",
                ".json", ".jsonl", "job1.JSON", ".spoolerd", "failed", "bad", "job1.json.reason")) {
            assertEquals(JobNames.Kind.IGNORED, JobNames.kindOf(ignored), ignored);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "A", "0", "_x", "report-2026-11", "user@example.com", "a:b", "a+b=c", "a.b.c",
        "x-", "x.", "x..y"})
    void allowedIds(String id) {
        assertTrue(JobNames.isValidId(id), id);
        assertDoesNotThrow(() -> JobNames.checkId(id));
    }

    @Test
    void idsUpTo128Characters() {
        assertTrue(JobNames.isValidId("a".repeat(128)));
        assertFalse(JobNames.isValidId("a".repeat(129)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", ".hidden", "-dash", "a/b", "a\\b", "a b", "a\nb", "../etc/passwd", "caf\u00e9",
        "a*", "a?", "a\"b", "a'b", "a#b", "a%b", "a,b", "a;b", "a\u0000b"})
    void refusedIds(String id) {
        assertFalse(JobNames.isValidId(id), id);
        InvalidJobException e = assertThrows(InvalidJobException.class, () -> JobNames.checkId(id));
        assertTrue(e.getMessage().startsWith("\"id\" must be 1 to 128 characters of A-Z a-z 0-9 _ . : @ + = -"), e.getMessage());
    }

    @Test
    void nullIdIsRefused() {
        assertFalse(JobNames.isValidId(null));
        assertThrows(InvalidJobException.class, () -> JobNames.checkId(null));
    }

    @Test
    void canonicalNamesSortByArrival() {
        List<String> names = new ArrayList<>();
        int[] priorities = {5, -5, 0, 100};
        for (int i = 0; i < 1000; i++) {
            names.add(JobNames.format(JobIds.next(UTC), priorities[i % 4], i % 3 == 0 ? 1L : null, i % 5 == 0 ? "u" + i : null));
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null);
        assertEquals(names, sorted);
        assertEquals(names.size(), new HashSet<>(names).size());
    }
}
