package io.spoolerd.internal.store;

import io.spoolerd.InvalidJobException;

/**
 * File names of jobs. Names written by the API and {@code submit} describe the job well enough to
 * order it without opening the file: {@code <arrival-id>[-p<priority>][-t<due-millis>][-k<user-id>].json}.
 * They start with a time-ordered id, so they sort by arrival. Any other {@code *.json} name is a
 * hand-dropped job, read once to learn the same facts.
 */
public final class JobNames {

    public static final String JOB_SUFFIX = ".json";
    public static final String BATCH_SUFFIX = ".jsonl";

    private JobNames() {}

    /** What a name in the drop zone is. */
    public enum Kind { JOB, BATCH, IGNORED }

    public static Kind kindOf(String name) {
        if (name.startsWith(".")) {
            return Kind.IGNORED;
        }
        if (name.endsWith(JOB_SUFFIX) && name.length() > JOB_SUFFIX.length()) {
            return Kind.JOB;
        }
        if (name.endsWith(BATCH_SUFFIX) && name.length() > BATCH_SUFFIX.length()) {
            return Kind.BATCH;
        }
        return Kind.IGNORED;
    }

    public static void checkId(String id) {
        if (!isValidId(id)) {
            throw new InvalidJobException("\"id\" must be 1 to 128 characters of A-Z a-z 0-9 _ . : @ + = -"
                    + " not starting with '.' or '-', got " + (id == null ? "null" : "\"" + id + "\""));
        }
    }

    /** Ids chosen by producers: safe in a file name, no leading dot, no path separators. */
    public static boolean isValidId(String id) {
        return id != null && CanonicalName.isUserId(id, 0, id.length());
    }

    /** The canonical name of a new job. */
    public static String format(String arrivalId, int priority, Long dueMillis, String userId) {
        return appendFacts(new StringBuilder(arrivalId), priority, dueMillis != null, dueMillis == null ? 0 : dueMillis, userId);
    }

    /** The rest of a canonical name after its arrival id. */
    static String appendFacts(StringBuilder b, int priority, boolean explicitDue, long dueMillis, String userId) {
        if (priority != 0) {
            b.append("-p").append(priority);
        }
        if (explicitDue) {
            b.append("-t").append(dueMillis);
        }
        if (userId != null) {
            b.append("-k").append(userId);
        }
        return b.append(JOB_SUFFIX).toString();
    }

    /** The same job renamed for a new due time (a retry), keeping its arrival id, priority and user id. */
    public static String withDue(String name, long dueMillis) {
        Canonical c = parse(name);
        if (c == null) {
            return name;
        }
        return format(c.arrivalId(), c.priority(), dueMillis, c.userId());
    }

    /** The facts a canonical name carries, or null for a hand-made name. */
    public static Canonical parse(String name) {
        CanonicalName c = CanonicalName.parse(name);
        return c == null ? null : new Canonical(c.arrivalId(), c.priority(), c.dueMillis(), c.explicitDue(), c.userId());
    }

    /** The job id a name stands for without opening it: the user id, the arrival id, or the stem. */
    public static String idOf(String name) {
        Canonical c = parse(name);
        if (c != null) {
            return c.id();
        }
        return stem(name);
    }

    public static String stem(String name) {
        if (name.endsWith(JOB_SUFFIX)) {
            return name.substring(0, name.length() - JOB_SUFFIX.length());
        }
        if (name.endsWith(BATCH_SUFFIX)) {
            return name.substring(0, name.length() - BATCH_SUFFIX.length());
        }
        return name;
    }

    /**
     * @param dueMillis the name's {@code -t} value, or else the arrival time
     * @param explicitDue whether the name carries {@code -t}
     */
    public record Canonical(String arrivalId, int priority, long dueMillis, boolean explicitDue, String userId) {
        public String id() {
            return userId != null ? userId : arrivalId;
        }
    }
}
