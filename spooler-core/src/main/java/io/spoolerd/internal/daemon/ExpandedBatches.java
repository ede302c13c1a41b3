package io.spoolerd.internal.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.internal.store.DurableWrite;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobIds;
import io.spoolerd.internal.store.JobNames;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Batches whose lines have become job files of their own, kept in the drop zone until the last of
 * those jobs is gone (SPEC 2: "the batch file goes away when all its jobs have"). A marker,
 * {@code .spoolerd/batches/<batch name>}, written durably before the expanded batch is put back,
 * says that the batch is not to be expanded again, and which job files are its: the names
 * {@code <stem>-<line>[.<n>].json}, and the canonical names whose arrival id lies between the first
 * and the last arrival id of its lines (the ids {@code spoolAll} writes). Every full scan counts
 * those names in the drop zone and in all claims; a batch none of whose jobs two full scans in a
 * row saw is deleted, then its marker. A name of another job that happens to match only keeps the
 * batch a little longer; a batch is never deleted while one of its jobs waits or runs.
 */
final class ExpandedBatches {

    private static final System.Logger LOG = System.getLogger(ExpandedBatches.class.getName());

    /** A batch put back after its expansion, identified by its size and mtime (a batch dropped anew under its name is another one). */
    private static final class Pending {
        final String name;
        final String stem;
        final String firstId;
        final String lastId;
        final long size;
        final long mtime;
        /** The scan during which it was expanded or found: counting starts with the next one. */
        final long since;
        int live;
        int emptyScans;

        Pending(String name, String stem, String firstId, String lastId, long size, long mtime, long since) {
            this.name = name;
            this.stem = stem;
            this.firstId = firstId;
            this.lastId = lastId;
            this.size = size;
            this.mtime = mtime;
            this.since = since;
        }

        boolean is(BasicFileAttributes attrs) {
            return attrs.size() == size && attrs.lastModifiedTime().toMillis() == mtime;
        }
    }

    private final SpoolDirectory dir;
    private final Map<String, Pending> byName = new HashMap<>();
    private final Map<String, Pending> byStem = new HashMap<>();
    /** Batches with canonical job names, by their first arrival id. */
    private final TreeMap<String, List<Pending>> byFirstId = new TreeMap<>();
    /** The widest [first, last] of any of them, in milliseconds: how far back from a name's id to look. */
    private long maxSpanMillis;

    ExpandedBatches(SpoolDirectory dir) {
        this.dir = dir;
    }

    /**
     * Whether the batch file {@code name} (its attributes: {@code attrs}) was expanded already, by
     * any daemon: its jobs are files of their own, and it only waits for them to be gone.
     */
    boolean isExpanded(String name, BasicFileAttributes attrs, long scan) {
        Pending p = byName.get(name);
        if (p == null) {
            p = load(name, scan);
        }
        if (p == null) {
            return false;
        }
        if (!p.is(attrs)) {
            forget(p); // dropped anew under the name of a batch that was; maybe expanded by another daemon already
            p = load(name, scan);
            if (p != null && p.is(attrs)) {
                return true;
            }
            if (p != null) {
                forget(p);
            }
            deleteMarker(name); // a marker of the batch before: this one is new
            return false;
        }
        return true;
    }

    /**
     * Records, durably, that the batch {@code name} (size and mtime in {@code attrs}) is expanded
     * into job files {@code <stem>-<line>.json} and canonical names of arrival ids {@code firstId}
     * to {@code lastId} (null when none).
     */
    void expanded(String name, String stem, String firstId, String lastId, BasicFileAttributes attrs, long scan)
            throws IOException {
        ObjectNode marker = JobCodec.mapper().createObjectNode();
        marker.put("stem", stem);
        marker.put("first_id", firstId);
        marker.put("last_id", lastId);
        marker.put("size", attrs.size());
        marker.put("mtime_ms", attrs.lastModifiedTime().toMillis());
        dir.modes().createDirectory(dir.batches());
        DurableWrite.write(dir.batches(), name, JobCodec.encode(marker), true, dir.modes());
        add(new Pending(name, stem, firstId, lastId, attrs.size(), attrs.lastModifiedTime().toMillis(), scan));
    }

    /** The batch went away at once after all (its name was taken meanwhile): no marker. */
    void discard(String name) {
        Pending p = byName.get(name);
        if (p != null) {
            forget(p);
        }
        deleteMarker(name);
    }

    /** A name seen in the drop zone or in claims during a full scan: maybe a job of a pending batch. */
    void seen(String name) {
        if (byName.isEmpty() || !name.endsWith(JobNames.JOB_SUFFIX)) {
            return;
        }
        String base = name.substring(0, name.length() - JobNames.JOB_SUFFIX.length());
        int dot = base.lastIndexOf('.');
        if (dot > 0 && digits(base, dot + 1)) {
            base = base.substring(0, dot); // a suffix given on a name clash
        }
        int dash = base.lastIndexOf('-');
        if (dash > 0 && digits(base, dash + 1)) {
            Pending p = byStem.get(base.substring(0, dash));
            if (p != null) {
                p.live++;
            }
        }
        if (!byFirstId.isEmpty()) {
            JobNames.Canonical c = JobNames.parse(name);
            if (c != null) {
                String id = c.arrivalId();
                long earliest = JobIds.millisOf(id) - maxSpanMillis;
                for (Map.Entry<String, List<Pending>> e : byFirstId.headMap(id, true).descendingMap().entrySet()) {
                    if (JobIds.millisOf(e.getKey()) < earliest) {
                        break;
                    }
                    for (Pending p : e.getValue()) {
                        if (id.compareTo(p.lastId) <= 0) {
                            p.live++;
                        }
                    }
                }
            }
        }
    }

    /**
     * After a full scan that saw the drop zone's names (each passed to {@link #seen}): counts the
     * claims too, and deletes the batches none of whose jobs this scan and the one before saw.
     */
    void afterScan(long scan) {
        if (byName.isEmpty()) {
            return;
        }
        try {
            for (Path owner : SpoolDirectory.listDirectories(dir.claims())) {
                try (DirectoryStream<Path> names = Files.newDirectoryStream(owner)) {
                    for (Path p : names) {
                        seen(p.getFileName().toString());
                    }
                } catch (NoSuchFileException gone) {
                    // its daemon stopped meanwhile
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list the claims: " + e + "; expanded batches are kept for now");
            resetCounts();
            return;
        }
        for (Pending p : new ArrayList<>(byName.values())) {
            if (p.since >= scan) {
                continue; // expanded during this scan: its jobs may not all have been listed
            }
            p.emptyScans = p.live == 0 ? p.emptyScans + 1 : 0;
            if (p.emptyScans >= 2) {
                finish(p);
            }
        }
        resetCounts();
    }

    private void finish(Pending p) {
        Path file = dir.root().resolve(p.name);
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile() || !p.is(attrs)) {
                forget(p); // another batch under its name now: its marker, if any, is not ours to remove
                return;
            }
            Files.delete(file); // before the marker: a crash in between leaves a marker without a batch
            LOG.log(System.Logger.Level.INFO, "batch " + p.name + ": all of its jobs are done, the batch file is removed");
        } catch (NoSuchFileException gone) {
            // removed by another daemon, or by hand
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove the finished batch " + p.name + ": " + e);
            return;
        }
        forget(p);
        deleteMarker(p.name);
    }

    private Pending load(String name, long scan) {
        Path marker = dir.batches().resolve(name);
        JsonNode m;
        try {
            m = JobCodec.mapper().readTree(Files.readAllBytes(marker));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the batch marker " + marker + ": " + e + "; the batch is taken as new");
            return null;
        }
        if (m == null || !m.path("stem").isTextual() || !m.path("size").canConvertToLong()) {
            return null;
        }
        Pending p = new Pending(name, m.get("stem").asText(), text(m, "first_id"), text(m, "last_id"),
                m.get("size").asLong(), m.path("mtime_ms").asLong(), scan);
        add(p);
        return p;
    }

    private static String text(JsonNode m, String field) {
        return m.path(field).isTextual() ? m.get(field).asText() : null;
    }

    private void add(Pending p) {
        Pending old = byName.get(p.name);
        if (old != null) {
            forget(old);
        }
        byName.put(p.name, p);
        byStem.put(p.stem, p);
        if (p.firstId != null && p.lastId != null) {
            byFirstId.computeIfAbsent(p.firstId, k -> new ArrayList<>()).add(p);
            maxSpanMillis = Math.max(maxSpanMillis, JobIds.millisOf(p.lastId) - JobIds.millisOf(p.firstId));
        }
    }

    private void forget(Pending p) {
        byName.remove(p.name);
        byStem.remove(p.stem, p);
        if (p.firstId != null) {
            List<Pending> same = byFirstId.get(p.firstId);
            if (same != null && same.remove(p) && same.isEmpty()) {
                byFirstId.remove(p.firstId);
            }
        }
    }

    private void deleteMarker(String name) {
        try {
            Files.deleteIfExists(dir.batches().resolve(name));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove the batch marker for " + name + ": " + e);
        }
    }

    private void resetCounts() {
        for (Pending p : byName.values()) {
            p.live = 0;
        }
    }

    private static boolean digits(String s, int from) {
        if (from >= s.length()) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
