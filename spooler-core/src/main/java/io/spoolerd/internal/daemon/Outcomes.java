package io.spoolerd.internal.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spoolerd.InvalidJobException;
import io.spoolerd.internal.store.DurableWrite;
import io.spoolerd.internal.store.JobCodec;
import io.spoolerd.internal.store.JobFile;
import io.spoolerd.internal.store.JobFiles;
import io.spoolerd.internal.store.JobNames;
import io.spoolerd.internal.store.SpoolDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Applies what happened to a claimed job to the directory: delete (or done/), rewrite with its
 * history and put back for a retry, or move to failed/. None of this is fsynced: a crash only
 * means the job runs again, which at-least-once allows. Every outcome is one log line.
 */
final class Outcomes {

    private static final System.Logger LOG = Daemon.LOG;

    private final DaemonConfig config;
    private final SpoolDirectory dir;
    private final Path myClaims;
    private final RetryPolicy retry;
    private final Index index;
    /** Claims whose move to failed/ or done/ failed (say, an unwritable directory): tried again each tick. */
    private final java.util.List<StuckMove> stuck = new java.util.ArrayList<>();

    private record StuckMove(Path claim, Path target, String name, String jobId) {}

    /** Retries whose rewrite failed (say, a full disk): kept claimed and tried again each tick. */
    private final java.util.List<PendingRetry> pendingRetries = new java.util.ArrayList<>();

    private record PendingRetry(Path claim, ObjectNode node, String queueName, int priority, long due, String jobId) {}

    Outcomes(DaemonConfig config, SpoolDirectory dir, Path myClaims, RetryPolicy retry, Index index) {
        this.config = config;
        this.dir = dir;
        this.myClaims = myClaims;
        this.retry = retry;
        this.index = index;
    }

    /**
     * A job a worker ran. The common case costs no file work here: an ok job's claim was deleted by
     * the worker. Anything else is applied to the claim, which is read for it.
     */
    void finished(Worker.Result r, long now) {
        long duration = r.durationMicros() / 1000;
        if (r.outcome().equals("ok") && !config.keepDone) {
            if (!r.deleted()) {
                try {
                    Files.deleteIfExists(myClaims.resolve(r.name()));
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.ERROR, "job " + r.id() + ": could not delete its claim after ok: " + e
                            + "; it stays in " + myClaims + " and runs again after a restart");
                }
            }
            log(r.id(), r.task(), r.attempt(), "ok", duration, null, "");
            return;
        }
        Daemon.Running job = load(r.name(), now - duration, now);
        if (job != null) {
            apply(job, r.outcome(), r.delayMillis(), r.error(), now);
        }
    }

    /** A claimed job whose worker died (or was killed) under it: an attempt that ended in error. */
    void died(String name, long startedMillis, String why, long now) {
        Daemon.Running job = load(name, startedMillis, now);
        if (job != null) {
            apply(job, "error", null, why, now);
        }
    }

    /**
     * A claimed job read back for its outcome; null when it cannot be (then it is back in the drop
     * zone for the scan to judge, or left claimed for recovery when not even that works).
     */
    private Daemon.Running load(String name, long startedMillis, long now) {
        Path claim = myClaims.resolve(name);
        try {
            JobFile job = JobCodec.parse(JobFiles.read(claim, config.maxJobBytes), name);
            return new Daemon.Running(name, claim, job, job.idOr(name), job.attempts() + 1, startedMillis);
        } catch (NoSuchFileException e) {
            LOG.log(System.Logger.Level.ERROR, "job file " + name + " vanished from " + myClaims + " before its outcome was recorded");
        } catch (IOException | InvalidJobException e) {
            LOG.log(System.Logger.Level.ERROR, "job file " + name + " cannot be read back for its outcome: " + e.getMessage()
                    + "; it goes back to the queue as it is");
            try {
                backToQueue(claim, name);
            } catch (IOException again) {
                LOG.log(System.Logger.Level.ERROR, "could not return " + name + " to the queue: " + again
                        + "; it stays in " + myClaims + " and is returned when a daemon next starts");
            }
        }
        return null;
    }

    /** Whether a job of this name is held in this daemon's claims directory for a later move. */
    boolean holds(String name) {
        for (PendingRetry r : pendingRetries) {
            if (r.claim().getFileName().toString().equals(name)) {
                return true;
            }
        }
        for (StuckMove m : stuck) {
            if (m.claim().getFileName().toString().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** {@code outcome} is ok, retry, error, fail or ignore, as the worker protocol says. */
    void apply(Daemon.Running job, String outcome, Long delayMillis, String error, long now) {
        long duration = now - job.startedMillis();
        try {
            switch (outcome) {
                case "ok" -> {
                    if (config.keepDone) {
                        ObjectNode node = JobCodec.withOutcome(job.job().node(), job.attempt(),
                                JobCodec.historyEntry(Instant.ofEpochMilli(now), "ok", null, duration), null);
                        rewrite(job.claim(), node);
                        dir.moveInto(job.claim(), dir.done(), job.name());
                    } else {
                        Files.deleteIfExists(job.claim());
                    }
                    log(job, "ok", duration, null, "");
                }
                case "ignore" -> {
                    String name = backToQueue(job.claim(), job.name());
                    index.putJob(name, job.job().priority(), now + config.retryDelay.toMillis(), now);
                    log(job, "ignore", duration, null, ", not offered again here for " + DaemonConfig.seconds(config.retryDelay));
                }
                case "fail" -> toFailed(job, "fail", error, duration, now);
                case "retry" -> retryOrFail(job, "retry", delayMillis, error, duration, now);
                default -> retryOrFail(job, "error", null, error, duration, now);
            }
        } catch (IOException e) {
            // The claim stays where it is; recovery returns it to the queue when this daemon stops or dies.
            LOG.log(System.Logger.Level.ERROR, "job " + job.id() + ": could not record outcome " + outcome + ": " + e
                    + "; the job stays claimed in " + myClaims + " and runs again after a restart");
        }
    }

    /** A job stopped by a daemon shutdown: back to the queue as it was, no attempt counted. */
    void returnToQueue(String name, String id, long now) {
        try {
            backToQueue(myClaims.resolve(name), name);
            LOG.log(System.Logger.Level.INFO, "job " + id + " returned to the queue (daemon stopping), attempt not counted");
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "job " + id + ": could not return it to the queue: " + e
                    + "; it stays in " + myClaims + " and is returned when a daemon next starts");
        }
    }

    private void retryOrFail(Daemon.Running job, String outcome, Long delayMillis, String error, long duration, long now)
            throws IOException {
        int attempts = job.attempt();
        if (!retry.mayRetry(attempts, job.job().maxAttempts())) {
            toFailed(job, outcome, error, duration, now);
            return;
        }
        Duration delay = delayMillis != null ? Duration.ofMillis(delayMillis) : retry.delayAfter(attempts);
        Instant retryAt = Instant.ofEpochMilli(now + delay.toMillis());
        ObjectNode node = JobCodec.withOutcome(job.job().node(), attempts,
                JobCodec.historyEntry(Instant.ofEpochMilli(now), outcome, error, duration), retryAt);
        long due = Math.max(retryAt.toEpochMilli(), job.job().at() == null ? 0 : job.job().at().toEpochMilli());
        String queueName = JobNames.withDue(job.name(), retryAt.toEpochMilli());
        if (!rewrite(job.claim(), node)) {
            // Without its new attempt count the job would come back as if never tried, at the first delay, for as
            // long as the disk is full. It stays claimed instead, and goes back once its history is written.
            pendingRetries.add(new PendingRetry(job.claim(), node, queueName, job.job().priority(), due, job.id()));
            log(job, outcome, duration, error, ", but its history cannot be written: it stays claimed and is queued again"
                    + " once the write succeeds (tried every tick)");
            return;
        }
        String name = backToQueue(job.claim(), queueName);
        index.putJob(name, job.job().priority(), due, now);
        log(job, outcome, duration, error, ", next try in " + DaemonConfig.seconds(delay));
    }

    private void toFailed(Daemon.Running job, String outcome, String error, long duration, long now) throws IOException {
        ObjectNode node = JobCodec.withOutcome(job.job().node(), job.attempt(),
                JobCodec.historyEntry(Instant.ofEpochMilli(now), outcome, error, duration), null);
        rewrite(job.claim(), node);
        try {
            Path target = dir.moveInto(job.claim(), dir.failed(), job.name());
            log(job, outcome, duration, error, ", moved to " + dir.root().relativize(target));
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            stuck.add(new StuckMove(job.claim(), dir.failed(), job.name(), job.id()));
            log(job, outcome, duration, error, ", but cannot move it to failed/ (" + e
                    + "); it stays claimed and the move is tried again every tick");
        }
    }

    /** Tries again the moves to failed/ and the retry rewrites that failed; each succeeds once the disk allows. */
    void retryStuckMoves() {
        retryPendingRetries();
        for (java.util.Iterator<StuckMove> it = stuck.iterator(); it.hasNext(); ) {
            StuckMove m = it.next();
            try {
                Path target = dir.moveInto(m.claim(), m.target(), m.name());
                it.remove();
                LOG.log(System.Logger.Level.INFO, "job " + m.jobId() + " moved to " + dir.root().relativize(target) + " at last");
            } catch (NoSuchFileException e) {
                it.remove();
            } catch (IOException e) {
                // still not writable: keep it, the next tick tries again
            }
        }
    }

    /**
     * Before the daemon exits: retries whose history still cannot be written go back to the queue as
     * they are (no attempt counted, as for a stop), rather than waiting in claims/ for a recovery.
     */
    void beforeExit() {
        retryStuckMoves();
        for (PendingRetry r : pendingRetries) {
            try {
                backToQueue(r.claim(), r.queueName());
                LOG.log(System.Logger.Level.WARNING, "job " + r.jobId() + " returned to the queue without its last history entry"
                        + " (it could not be written)");
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "job " + r.jobId() + ": could not return it to the queue: " + e
                        + "; it stays in " + myClaims + " and is returned when a daemon next starts");
            }
        }
        pendingRetries.clear();
    }

    private void retryPendingRetries() {
        for (java.util.Iterator<PendingRetry> it = pendingRetries.iterator(); it.hasNext(); ) {
            PendingRetry r = it.next();
            if (!Files.exists(r.claim(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                it.remove(); // the spool directory was removed under us
                continue;
            }
            try {
                DurableWrite.write(r.claim().getParent(), r.claim().getFileName().toString(), JobCodec.encode(r.node()), false,
                        dir.modes());
                String name = backToQueue(r.claim(), r.queueName());
                long now = config.clock.millis();
                index.putJob(name, r.priority(), Math.max(r.due(), now), now);
                it.remove();
                LOG.log(System.Logger.Level.INFO, "job " + r.jobId() + ": history written at last, queued again");
            } catch (IOException e) {
                // still no room: the next tick tries again
            }
        }
    }

    /**
     * Returns the claims of a dead daemon to the queue. Each file is first claimed by this daemon
     * (an atomic rename), so two daemons recovering the same owner never both return one job.
     */
    int recoverClaims(Path owner, String ownerId, long now) throws IOException {
        int returned = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(owner)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                JobNames.Kind kind = JobNames.kindOf(name);
                if (kind == JobNames.Kind.IGNORED) {
                    Files.deleteIfExists(file); // a temp file of an unfinished rewrite
                    continue;
                }
                Path mine = myClaims.resolve(name);
                try {
                    if (!SpoolDirectory.moveNoReplace(file, mine)) {
                        continue; // one of ours has that name right now: the next round takes it
                    }
                } catch (NoSuchFileException e) {
                    continue; // another daemon got it first
                }
                if (kind == JobNames.Kind.BATCH) {
                    backToQueue(mine, name);
                } else {
                    returnDead(mine, name, ownerId, now);
                }
                returned++;
            }
        }
        try {
            Files.deleteIfExists(owner);
            Files.deleteIfExists(dir.daemons().resolve(ownerId + DaemonRegistry.SUFFIX));
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // something arrived meanwhile; the next round takes it
        }
        return returned;
    }

    private void returnDead(Path claim, String name, String ownerId, long now) throws IOException {
        Daemon.Running running = load(name, now, now); // one that does not parse goes back as it is: the scan judges it
        if (running == null) {
            return;
        }
        JobFile job = running.job();
        String why = "daemon " + ownerId + " died while the job was claimed";
        int attempts = running.attempt();
        if (!retry.mayRetry(attempts, job.maxAttempts())) {
            toFailed(running, "error", why, 0, now);
            return;
        }
        ObjectNode node = JobCodec.withOutcome(job.node(), attempts,
                JobCodec.historyEntry(Instant.ofEpochMilli(now), "error", why, 0), null);
        long due = job.at() == null ? now : Math.min(now, job.at().toEpochMilli());
        if (!rewrite(claim, node)) {
            // As for a retry: queued without its attempt it would come back as never tried, for as long as the disk is full.
            pendingRetries.add(new PendingRetry(claim, node, name, job.priority(), due, running.id()));
            log(running, "error", 0, why, ", but its history cannot be written: it stays claimed and is queued again"
                    + " once the write succeeds (tried every tick)");
            return;
        }
        String queued = backToQueue(claim, name);
        index.putJob(queued, job.priority(), due, now);
        log(running, "error", 0, why, ", returned to the queue");
    }

    /**
     * Renames a claimed file back into the drop zone under {@code name}, or a suffixed name when a
     * producer has dropped a new file with that name meanwhile; returns the name it got.
     */
    String backToQueue(Path claim, String name) throws IOException {
        return dir.moveInto(claim, dir.root(), name).getFileName().toString();
    }

    /** Moves a file that is not a job into bad/ with a {@code .reason} next to it. */
    void toBad(Path file, String name, String reason) {
        try {
            Path target = dir.moveIntoWithReason(file, dir.bad(), name, (reason + "\n").getBytes(StandardCharsets.UTF_8));
            LOG.log(System.Logger.Level.WARNING, "bad job file " + name + " moved to " + dir.root().relativize(target) + ": " + reason);
        } catch (NoSuchFileException e) {
            // someone else moved it first
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "could not move bad file " + name + " to bad/: " + e + " (" + reason + ")");
        }
    }

    /** Replaces the claimed file's content through a temp file and a rename; on failure the old content stays. */
    private boolean rewrite(Path claim, ObjectNode node) {
        try {
            DurableWrite.write(claim.getParent(), claim.getFileName().toString(), JobCodec.encode(node), false, dir.modes());
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "could not record history in " + claim.getFileName() + ": " + e
                    + "; the job keeps its previous content");
            return false;
        }
    }

    private static void log(Daemon.Running job, String outcome, long duration, String error, String then) {
        log(job.id(), job.job().task(), job.attempt(), outcome, duration, error, then);
    }

    private static void log(String id, String task, int attempt, String outcome, long duration, String error, String then) {
        StringBuilder line = new StringBuilder("job ").append(id).append(' ').append(outcome)
                .append(": task=").append(task).append(" attempt=").append(attempt)
                .append(" duration_ms=").append(duration);
        if (error != null) {
            line.append(" error=\"").append(error.replace("\"", "'")).append('"');
        }
        line.append(then);
        LOG.log(outcome.equals("ok") || outcome.equals("ignore") ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                line.toString());
    }
}
