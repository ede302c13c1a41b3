package io.spoolerd.internal.store;

/**
 * A canonical job name, {@code <arrival-id>[-p<priority>][-t<due-millis>][-k<user-id>].json}, taken
 * apart by hand with its arrival id as two longs. The daemon's start-up scan parses every name in the
 * drop zone (a million with a deep spool), where a regular expression per name was slow, and its
 * index keeps these numbers instead of the name.
 *
 * <p>The grammar is the one {@link JobNames#format} writes, and a little wider: numbers may have
 * leading zeros and a priority may be written as {@code -p0}. Such a name is canonical but not
 * {@linkplain #isFormatted() formatted}: format would write it otherwise, so it cannot be rebuilt
 * from its facts.
 */
public final class CanonicalName {

    private static final int MAX_PRIORITY_DIGITS = 10;
    private static final int MAX_DUE_DIGITS = 19;
    private static final int MAX_USER_ID = 128;
    private static final int SUFFIX = JobNames.JOB_SUFFIX.length();

    private final String name;
    private final long idHigh;
    private final long idLow;
    private final int priority;
    private final long dueMillis;
    private final boolean explicitDue;
    /** Where the user id starts in the name, or -1. */
    private final int userIdStart;
    private final boolean formatted;

    private CanonicalName(String name, long idHigh, long idLow, int priority, long dueMillis, boolean explicitDue,
            int userIdStart, boolean formatted) {
        this.name = name;
        this.idHigh = idHigh;
        this.idLow = idLow;
        this.priority = priority;
        this.dueMillis = dueMillis;
        this.explicitDue = explicitDue;
        this.userIdStart = userIdStart;
        this.formatted = formatted;
    }

    /** The parts of a canonical name, or null for any other name. */
    public static CanonicalName parse(String name) {
        int end = name.length() - SUFFIX; // where ".json" starts
        if (end < JobIds.LENGTH || !name.endsWith(JobNames.JOB_SUFFIX) || name.charAt(0) > '7') {
            return null; // 48-bit times start with 0..7
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < JobIds.LENGTH; i++) {
            int v = JobIds.valueOf(name.charAt(i));
            if (v < 0) {
                return null;
            }
            high = (high << 5) | (low >>> 59);
            low = (low << 5) | v;
        }
        int pos = JobIds.LENGTH;
        boolean formatted = true;
        int priority = 0;
        if (name.startsWith("-p", pos)) {
            int numberEnd = numberEnd(name, pos + 2, end, MAX_PRIORITY_DIGITS);
            if (numberEnd < 0) {
                return null;
            }
            try {
                priority = Integer.parseInt(name, pos + 2, numberEnd, 10);
            } catch (NumberFormatException e) {
                return null; // beyond an int: not a name format() writes
            }
            formatted = priority != 0 && isPlain(name, pos + 2, numberEnd); // format() leaves out -p0
            pos = numberEnd;
        }
        boolean explicitDue = false;
        long due = high >>> 16; // the arrival time
        if (name.startsWith("-t", pos)) {
            int numberEnd = numberEnd(name, pos + 2, end, MAX_DUE_DIGITS);
            if (numberEnd < 0) {
                return null;
            }
            try {
                due = Long.parseLong(name, pos + 2, numberEnd, 10);
            } catch (NumberFormatException e) {
                return null;
            }
            explicitDue = true;
            formatted &= isPlain(name, pos + 2, numberEnd);
            pos = numberEnd;
        }
        int userIdStart = -1;
        if (name.startsWith("-k", pos)) {
            userIdStart = pos + 2;
            if (!isUserId(name, userIdStart, end)) {
                return null;
            }
            pos = end;
        }
        if (pos != end) {
            return null;
        }
        return new CanonicalName(name, high, low, priority, due, explicitDue, userIdStart, formatted);
    }

    /** The canonical name of an arrival id given as two longs, with no user id: what format() writes. */
    public static String format(long idHigh, long idLow, int priority, boolean explicitDue, long dueMillis) {
        StringBuilder b = new StringBuilder(JobIds.LENGTH + 40);
        JobIds.append(b, idHigh, idLow);
        return JobNames.appendFacts(b, priority, explicitDue, dueMillis, null);
    }

    /** The upper 64 bits of the arrival id: its 48-bit time, then 16 random bits. */
    public long idHigh() {
        return idHigh;
    }

    /**
     * The lower 64 bits of the arrival id. Arrival ids sort as their 128 bits do, compared unsigned,
     * {@link #idHigh()} first: the alphabet is in ASCII order and all ids have 26 characters.
     */
    public long idLow() {
        return idLow;
    }

    public String arrivalId() {
        return name.substring(0, JobIds.LENGTH);
    }

    public int priority() {
        return priority;
    }

    /** The {@code -t} value, or else the arrival time. */
    public long dueMillis() {
        return dueMillis;
    }

    public boolean explicitDue() {
        return explicitDue;
    }

    public boolean hasUserId() {
        return userIdStart >= 0;
    }

    public String userId() {
        return userIdStart < 0 ? null : name.substring(userIdStart, name.length() - SUFFIX);
    }

    /** Whether the name is exactly what {@link JobNames#format} writes for its parts (so they can stand for it). */
    public boolean isFormatted() {
        return formatted;
    }

    /** The end of {@code -?[0-9]{1,maxDigits}} at {@code from}, or -1. */
    private static int numberEnd(String s, int from, int limit, int maxDigits) {
        int digits = from < limit && s.charAt(from) == '-' ? from + 1 : from;
        int i = digits;
        while (i < limit && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i == digits || i - digits > maxDigits ? -1 : i;
    }

    /** A number as Long.toString writes it: no leading zero, no "-0". */
    private static boolean isPlain(String s, int from, int end) {
        int digits = s.charAt(from) == '-' ? from + 1 : from;
        return s.charAt(digits) != '0' || (end - digits == 1 && digits == from);
    }

    /** A user id ({@link JobNames#isValidId}): 1 to 128 of A-Z a-z 0-9 _ . : @ + = -, not starting with . or -. */
    static boolean isUserId(String s, int from, int end) {
        if (end <= from || end - from > MAX_USER_ID || !isIdStart(s.charAt(from))) {
            return false;
        }
        for (int i = from + 1; i < end; i++) {
            char c = s.charAt(i);
            if (!isIdStart(c) && c != '.' && c != ':' && c != '@' && c != '+' && c != '=' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isIdStart(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }
}
