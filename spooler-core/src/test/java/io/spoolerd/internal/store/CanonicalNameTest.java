package io.spoolerd.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CanonicalNameTest {

    /** The regular expression the parser replaced, kept here as the reference it must agree with. */
    private static final Pattern REFERENCE = Pattern.compile(
            "([0-7][0-9A-HJKMNP-TV-Z]{25})(?:-p(-?\\d{1,10}))?(?:-t(-?\\d{1,19}))?(?:-k([A-Za-z0-9_][A-Za-z0-9_.:@+=-]{0,127}))?\\.json");

    @Test
    void theArrivalIdAsTwoLongsSortsAsItsText() {
        List<String> ids = new ArrayList<>();
        Random random = new Random(4);
        String alphabet = JobIds.ALPHABET;
        for (int i = 0; i < 20_000; i++) {
            if (i % 2 == 0) {
                ids.add(JobIds.next(Clock.systemUTC()));
            } else {
                StringBuilder b = new StringBuilder().append(alphabet.charAt(random.nextInt(8)));
                for (int k = 1; k < JobIds.LENGTH; k++) {
                    b.append(alphabet.charAt(random.nextInt(32)));
                }
                ids.add(b.toString());
            }
        }
        ids.add("00000000000000000000000000");
        ids.add("7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
        CanonicalName previous = null;
        String previousId = null;
        for (String id : ids) {
            CanonicalName c = CanonicalName.parse(id + ".json");
            assertNotNull(c, id);
            StringBuilder b = new StringBuilder();
            JobIds.append(b, c.idHigh(), c.idLow());
            assertEquals(id, b.toString());
            assertEquals(JobIds.millisOf(id), c.idHigh() >>> 16, id);
            if (previous != null) {
                int byBits = Long.compareUnsigned(previous.idHigh(), c.idHigh());
                if (byBits == 0) {
                    byBits = Long.compareUnsigned(previous.idLow(), c.idLow());
                }
                assertEquals(Integer.signum(previousId.compareTo(id)), Integer.signum(byBits), previousId + " vs " + id);
            }
            previous = c;
            previousId = id;
        }
    }

    @Test
    void formattedNamesAreRebuiltFromTheirParts() {
        String a = JobIds.next(Clock.systemUTC());
        for (String name : List.of(a + ".json", a + "-p5.json", a + "-p-5.json", a + "-t0.json", a + "-t-12.json",
                a + "-p2147483647-t9223372036854775807.json", a + "-p-2147483648-t-9223372036854775808.json")) {
            CanonicalName c = CanonicalName.parse(name);
            assertTrue(c.isFormatted(), name);
            assertFalse(c.hasUserId(), name);
            assertEquals(name, CanonicalName.format(c.idHigh(), c.idLow(), c.priority(), c.explicitDue(), c.dueMillis()));
        }
        for (String name : List.of(a + "-p0.json", a + "-p05.json", a + "-p-0.json", a + "-t00.json", a + "-t-0.json",
                a + "-t012.json")) {
            CanonicalName c = CanonicalName.parse(name);
            assertNotNull(c, name);
            assertFalse(c.isFormatted(), name);
        }
        assertTrue(CanonicalName.parse(a + "-kme.json").hasUserId());
        assertEquals("me", CanonicalName.parse(a + "-kme.json").userId());
    }

    /** The hand-written parser accepts exactly what the regular expression did, with the same parts. */
    @Test
    void agreesWithTheRegularExpressionOnMangledNames() {
        Random random = new Random(5);
        String[] pieces = {"-p", "-t", "-k", "-", "0", "00", "7", "12", "-1", "999999999999", "2147483648", ".json", ".", "x",
            "A", "_", "@", "+", "=", ":", "é", "j", "son", "9223372036854775808", "-p1", "-t5", "-kid"};
        int canonical = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder b = new StringBuilder();
            b.append(i % 3 == 0 ? JobIds.next(Clock.systemUTC()) : "01ARZ3NDEKTSV4RRFFQ69G5FAV");
            if (random.nextInt(20) == 0) {
                b.setCharAt(random.nextInt(26), "0189IOULZa-".charAt(random.nextInt(11)));
            }
            int n = random.nextInt(5);
            for (int k = 0; k < n; k++) {
                b.append(pieces[random.nextInt(pieces.length)]);
            }
            if (random.nextInt(4) != 0) {
                b.append(".json");
            }
            String name = b.toString();
            if (assertSameAsReference(name)) {
                canonical++;
            }
        }
        assertTrue(canonical > 20_000 && canonical < 180_000, canonical + " of the mangled names canonical: both kinds tried");
        assertSameAsReference("01ARZ3NDEKTSV4RRFFQ69G5FAV-k" + "a".repeat(128) + ".json");
        assertSameAsReference("01ARZ3NDEKTSV4RRFFQ69G5FAV-k" + "a".repeat(129) + ".json");
        assertSameAsReference("01ARZ3NDEKTSV4RRFFQ69G5FAV-p-2147483648.json");
        assertSameAsReference("01ARZ3NDEKTSV4RRFFQ69G5FAV-p-2147483649.json");
        assertSameAsReference("01ARZ3NDEKTSV4RRFFQ69G5FAV-p+1.json");
        assertSameAsReference("01ARZ3NDEKTSV4RRFFQ69G5FAV-t+1.json");
        assertSameAsReference("01ARZ3NDEKTSV4RRFFQ69G5FAV-t\u0661.json"); // an Arabic-Indic digit: not \\d
    }

    /** Whether the name is canonical. */
    private static boolean assertSameAsReference(String name) {
        Matcher m = REFERENCE.matcher(name);
        JobNames.Canonical expected = null;
        if (m.matches()) {
            try {
                int priority = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
                long due = m.group(3) == null ? JobIds.millisOf(m.group(1)) : Long.parseLong(m.group(3));
                expected = new JobNames.Canonical(m.group(1), priority, due, m.group(3) != null, m.group(4));
            } catch (NumberFormatException e) {
                expected = null;
            }
        }
        assertEquals(expected, JobNames.parse(name), name);
        if (expected == null) {
            assertNull(CanonicalName.parse(name), name);
        }
        return expected != null;
    }
}
