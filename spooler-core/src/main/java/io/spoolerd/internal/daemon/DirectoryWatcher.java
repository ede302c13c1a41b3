package io.spoolerd.internal.daemon;

import io.spoolerd.internal.Threads;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * File-system events (inotify on Linux) for the drop zone, so a new file is noticed at once. Only
 * a speed-up: events can be lost or unavailable (NFS), and the periodic scan stays the floor.
 * Files created, moved in or written are reported; removals are not (see {@link #start}).
 */
final class DirectoryWatcher implements AutoCloseable {

    private final WatchService service;
    private volatile boolean healthy = true;

    private DirectoryWatcher(WatchService service) {
        this.service = service;
    }

    /** Starts watching, or returns null (and the daemon polls only) when the file system cannot. */
    static DirectoryWatcher start(Path root, Consumer<Daemon.Event> sink) {
        try {
            WatchService service = root.getFileSystem().newWatchService();
            // No removals: every job a worker claims is one, so watching them would cost an event per job.
            // A name that went away is found by the worker's claim ("gone") or dropped by the next scan.
            root.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            DirectoryWatcher watcher = new DirectoryWatcher(service);
            Threads.start("drop-zone-watcher", () -> watcher.pump(sink));
            return watcher;
        } catch (IOException | UnsupportedOperationException e) {
            Daemon.LOG.log(System.Logger.Level.WARNING, "no file-system events for " + root + " (" + e
                    + "); polling every --frequency only");
            return null;
        }
    }

    boolean healthy() {
        return healthy;
    }

    private void pump(Consumer<Daemon.Event> sink) {
        try {
            while (true) {
                WatchKey key = service.take();
                List<String> names = new ArrayList<>();
                boolean overflow = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        overflow = true;
                    } else if (event.context() instanceof Path p) {
                        names.add(p.toString());
                    }
                }
                if (!key.reset()) {
                    healthy = false;
                    Daemon.LOG.log(System.Logger.Level.ERROR, "the drop zone is no longer watchable (removed?); polling only");
                    sink.accept(new Daemon.FilesChanged(List.of(), true));
                    return;
                }
                sink.accept(new Daemon.FilesChanged(names, overflow));
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            healthy = false;
        }
    }

    @Override
    public void close() {
        healthy = false;
        try {
            service.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
