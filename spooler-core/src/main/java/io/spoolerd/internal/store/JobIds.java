package io.spoolerd.internal.store;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.SplittableRandom;

/**
 * Time-ordered unique ids in the ULID layout: 48 bits of Unix milliseconds and 80 random bits,
 * 26 characters of Crockford base 32. Within one process ids are strictly increasing (the random
 * part counts up inside a millisecond), so names built from them sort by arrival.
 */
public final class JobIds {

    static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public static final int LENGTH = 26;
    /** The value of each ASCII character in {@link #ALPHABET}, -1 for the others: no indexOf per character. */
    private static final byte[] VALUES = new byte[128];

    static {
        java.util.Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            VALUES[ALPHABET.charAt(i)] = (byte) i;
        }
    }

    /**
     * The random part of each new millisecond. Seeded once from {@link SecureRandom}, so processes
     * draw independent sequences, but not a {@code SecureRandom} itself: on Linux that reads
     * {@code /dev/urandom} on every call, 30-110 µs of a producer's {@code spool()} after a pause
     * (the common case: one job now and then). Ids need to be unique, not secret. Guarded by LOCK.
     */
    private static final SplittableRandom RANDOM = new SplittableRandom(new SecureRandom().nextLong());
    private static final Object LOCK = new Object();
    private static long lastMillis = -1;
    private static long randomHigh; // 16 bits
    private static long randomLow;  // 64 bits

    private JobIds() {}

    public static String next(Clock clock) {
        long millis;
        long high;
        long low;
        synchronized (LOCK) {
            millis = Math.max(clock.millis(), lastMillis);
            if (millis == lastMillis) {
                randomLow++;
                if (randomLow == 0) {
                    randomHigh = (randomHigh + 1) & 0xFFFF;
                    if (randomHigh == 0) {
                        millis++; // 80 bits exhausted inside one millisecond: borrow the next one
                    }
                }
            } else {
                randomHigh = RANDOM.nextInt(1 << 16);
                randomLow = RANDOM.nextLong() & 0x7FFF_FFFF_FFFF_FFFFL; // room to count up
            }
            lastMillis = millis;
            high = randomHigh;
            low = randomLow;
        }
        return encode(millis, high, low);
    }

    /** The millisecond timestamp of an id, or -1 when it is not one. */
    public static long millisOf(String id) {
        if (id.length() < 10) {
            return -1;
        }
        long millis = 0;
        for (int i = 0; i < 10; i++) {
            int v = valueOf(id.charAt(i));
            if (v < 0) {
                return -1;
            }
            millis = (millis << 5) | v;
        }
        return millis;
    }

    static boolean isId(CharSequence s, int from) {
        if (s.length() - from < LENGTH) {
            return false;
        }
        for (int i = from; i < from + LENGTH; i++) {
            if (valueOf(s.charAt(i)) < 0) {
                return false;
            }
        }
        return s.charAt(from) <= '7'; // 48-bit timestamps start with 0..7
    }

    /** The 5-bit value of an id character, or -1. */
    static int valueOf(char c) {
        return c < VALUES.length ? VALUES[c] : -1;
    }

    /** Appends the 26 characters of the id whose bits are {@code high} and {@code low}. */
    static void append(StringBuilder b, long high, long low) {
        for (int shift = LENGTH * 5 - 5; shift >= 0; shift -= 5) {
            b.append(ALPHABET.charAt(fiveBits(high, low, shift)));
        }
    }

    /** Bits {@code shift .. shift+4} of the 128-bit number high:low. */
    private static int fiveBits(long high, long low, int shift) {
        if (shift >= 64) {
            return (int) (high >>> (shift - 64)) & 31;
        }
        long bits = low >>> shift;
        if (shift > 59) {
            bits |= high << (64 - shift); // straddles the two longs
        }
        return (int) bits & 31;
    }

    private static String encode(long millis, long high16, long low64) {
        char[] out = new char[LENGTH];
        // 10 chars of time (50 bits, top 2 zero)
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET.charAt((int) (millis & 31));
            millis >>>= 5;
        }
        // 16 chars of randomness: 80 bits = high16 ++ low64
        for (int i = 25; i >= 10; i--) {
            out[i] = ALPHABET.charAt((int) (low64 & 31));
            low64 = (low64 >>> 5) | ((high16 & 31) << 59);
            high16 >>>= 5;
        }
        return new String(out);
    }
}
