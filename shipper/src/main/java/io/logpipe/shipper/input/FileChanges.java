package io.logpipe.shipper.input;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the idle crawler as soon as a directory of an open file changes (inotify on Linux, through Java's
 * WatchService), so an appended line is read at once instead of after the idle backoff. Polling stays the fallback:
 * the wait never outlasts the backoff, so a file system that reports nothing (NFS, some container mounts) or a symlink
 * target elsewhere is still read within it. Only the crawler thread uses it.
 */
final class FileChanges implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileChanges.class);

    /** Null when the platform has no watch service: every wait is then a plain sleep. */
    private final WatchService watcher;
    private final Map<Path, WatchKey> watched = new HashMap<>();
    /** The files being read (as matched and as resolved), counted: two harvesters may have opened the same name. */
    private final Map<Path, Integer> reading = new HashMap<>();

    private FileChanges(WatchService watcher) {
        this.watcher = watcher;
    }

    static FileChanges open() {
        try {
            return new FileChanges(FileSystems.getDefault().newWatchService());
        } catch (IOException | UnsupportedOperationException e) {
            LOG.info("no file change notification here ({}); files are polled", e.toString());
            return new FileChanges(null);
        }
    }

    /**
     * A harvester opened {@code file}: watches its directory, and that of its real path when it is a link. Returns
     * the paths to give {@link #forget} when it closes.
     */
    List<Path> watch(Path file) {
        List<Path> paths = new ArrayList<>(2);
        paths.add(file.toAbsolutePath());
        try {
            Path real = file.toRealPath();
            if (!real.equals(paths.get(0))) {
                paths.add(real);
            }
        } catch (IOException gone) {
            // already removed: nothing more to watch
        }
        for (Path p : paths) {
            reading.merge(p, 1, Integer::sum);
            if (watcher != null) {
                register(p.getParent());
            }
        }
        return paths;
    }

    /** The harvester of these paths (from {@link #watch}) closed: a change to them now asks for a scan. */
    void forget(List<Path> paths) {
        for (Path p : paths) {
            reading.computeIfPresent(p, (k, n) -> n == 1 ? null : n - 1);
        }
    }

    private void register(Path dir) {
        if (dir == null || watched.containsKey(dir)) {
            return;
        }
        try {
            watched.put(dir, dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot watch {} ({}); it is polled", dir, e.toString());
            watched.put(dir, null);
        }
    }

    /** What a wait saw. */
    enum Change {
        /** Nothing, or the platform cannot tell: the wait lasted its full time. */
        NONE,
        /** A file being read was written to. */
        MODIFIED,
        /**
         * A file appeared in a watched directory (a rotation's new file), or one that is not being read (closed
         * when inactive) was written to: worth a scan before scan_frequency.
         */
        SCAN
    }

    /** Waits until something in a watched directory changes, or {@code nanos} passed (0: only looks). */
    Change await(long nanos) throws InterruptedException {
        if (watcher == null) {
            if (nanos > 0) {
                TimeUnit.NANOSECONDS.sleep(nanos);
            }
            return Change.NONE;
        }
        WatchKey key = nanos > 0 ? watcher.poll(nanos, TimeUnit.NANOSECONDS) : watcher.poll();
        Change change = Change.NONE;
        for (; key != null; key = watcher.poll()) {
            Path dir = (Path) key.watchable();
            for (WatchEvent<?> event : key.pollEvents()) {
                Change seen = event.kind() == StandardWatchEventKinds.ENTRY_MODIFY
                        && reading.containsKey(dir.resolve((Path) event.context())) ? Change.MODIFIED : Change.SCAN;
                change = seen.compareTo(change) > 0 ? seen : change;
            }
            if (!key.reset()) {
                watched.values().remove(key); // the directory went away
            }
        }
        return change;
    }

    @Override
    public void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                LOG.debug("closing the watch service: {}", e.toString());
            }
        }
    }
}
