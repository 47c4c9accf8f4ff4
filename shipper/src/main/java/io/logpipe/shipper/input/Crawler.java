package io.logpipe.shipper.input;

import io.logpipe.shipper.config.InputConfig;
import io.logpipe.shipper.registry.FileIdentity;
import io.logpipe.shipper.registry.FileState;
import io.logpipe.shipper.registry.Registry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that finds and reads files for every input: it rescans each input's globs every
 * {@code scan_frequency}, opens new files at their registry offset, and reads the open ones round-robin. One
 * thread for all files keeps the footprint small; when the output falls behind, the event queue blocks it.
 *
 * <p>Rotation: a file that no scan finds any more (renamed, removed, or its link re-pointed) keeps its descriptor
 * and is read to its end before it is closed, so no line written before the rotation is lost; the new file at the
 * path is a new identity, read from 0. Truncation (copytruncate) restarts the file at 0.
 */
public final class Crawler implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Crawler.class);
    private static final int READS_PER_TURN = 16;
    private static final long MAX_IDLE_NANOS = 100_000_000L;
    /** A directory where files keep appearing must not make the crawler scan without pause. */
    private static final long MIN_EARLY_SCAN_GAP_NANOS = 100_000_000L;

    private final List<InputConfig> inputs;
    private final Registry registry;
    private final EventSink sink;
    private final Map<String, Harvester> open = new LinkedHashMap<>();
    private final long[] nextScan;
    private final boolean[] scannedOnce;
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong harvestersStarted = new AtomicLong();
    private final AtomicLong harvestersClosed = new AtomicLong();
    private final FileChanges changes = FileChanges.open();
    private final Set<String> reported = new HashSet<>();
    private volatile boolean running = true;

    public Crawler(List<InputConfig> inputs, Registry registry, EventSink sink) {
        this.inputs = inputs;
        this.registry = registry;
        this.sink = sink;
        this.nextScan = new long[inputs.size()];
        this.scannedOnce = new boolean[inputs.size()];
    }

    public void stop() {
        running = false;
    }

    /** How many scans of the inputs' globs have completed (for tests and monitoring: "has it looked yet?"). */
    public long scans() {
        return scans.get();
    }

    /** Harvesters started since the shipper started (filebeat's filebeat.harvester.started). */
    public long harvestersStarted() {
        return harvestersStarted.get();
    }

    /** Harvesters closed since the shipper started (filebeat's filebeat.harvester.closed). */
    public long harvestersClosed() {
        return harvestersClosed.get();
    }

    /** Number of files open right now (for progress reports, monitoring and tests). */
    public synchronized int openFiles() {
        return open.size();
    }

    @Override
    public void run() {
        long idle = 1_000_000L;
        try {
            while (running && !Thread.currentThread().isInterrupted()) {
                long now = System.nanoTime();
                for (int i = 0; i < inputs.size(); i++) {
                    if (now - nextScan[i] >= 0) {
                        try {
                            scan(i);
                        } catch (RuntimeException e) {
                            LOG.error("scanning {} failed: {}; trying again at the next scan", inputs.get(i)
                                    .describe(), e.toString());
                        }
                        nextScan[i] = System.nanoTime() + inputs.get(i).scanFrequency().toNanos();
                        scans.incrementAndGet();
                    }
                }
                boolean progress = readRound();
                // Busy: only look whether a file appeared. Idle: wait for a change, at most the backoff (polling).
                FileChanges.Change change = changes.await(progress ? 0 : idle);
                if (change == FileChanges.Change.SCAN) {
                    // a rotation's new file, or a closed one written again: scan now rather than at scan_frequency
                    for (int i = 0; i < inputs.size(); i++) {
                        long earliest = nextScan[i] - inputs.get(i).scanFrequency().toNanos() + MIN_EARLY_SCAN_GAP_NANOS;
                        nextScan[i] = earliest - nextScan[i] < 0 ? earliest : nextScan[i];
                    }
                }
                if (progress || change != FileChanges.Change.NONE) {
                    idle = 1_000_000L;
                } else {
                    idle = Math.min(idle * 2, MAX_IDLE_NANOS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            changes.close();
            synchronized (this) {
                for (Harvester h : open.values()) {
                    h.close(false);
                }
                open.clear();
            }
        }
    }

    private boolean readRound() throws InterruptedException {
        boolean progress = false;
        long now = System.nanoTime();
        List<Harvester> snapshot;
        synchronized (this) {
            snapshot = new ArrayList<>(open.values());
        }
        for (Harvester h : snapshot) {
            try {
                if (h.poll(READS_PER_TURN) > 0) {
                    progress = true;
                    continue;
                }
                String why = closeReason(h, now);
                if (why != null) {
                    close(h, why);
                }
            } catch (IOException | RuntimeException | StackOverflowError e) {
                // one bad file (or a pattern that overflows on a huge line) must not stop the others
                LOG.error("reading {} failed: {}; closing it (it is retried at the next scan)", h.path, e.toString());
                close(h, "read error");
            }
        }
        return progress;
    }

    private String closeReason(Harvester h, long now) throws IOException {
        InputConfig in = h.input;
        if (h.gone && h.removed && in.closeRemoved() && h.atEof()) {
            return "removed, read to the end";
        }
        if (h.gone && !h.removed && in.closeRenamed() && h.atEof()) {
            return "renamed, read to the end";
        }
        if (in.closeEof() && h.atEof()) {
            return "end of file (close_eof)";
        }
        if (h.inactive(now)) {
            return "inactive for " + in.closeInactive().toSeconds() + "s" + (h.gone ? " (renamed away)" : "");
        }
        return null;
    }

    private void close(Harvester h, String why) {
        h.close(true);
        synchronized (this) {
            open.remove(h.state.identity().key());
        }
        harvestersClosed.incrementAndGet();
        changes.forget(h.watchedPaths);
        LOG.info("closed {} at offset {}: {}", h.path, h.readOffset(), why);
        if (h.removed && h.input.cleanRemoved()) {
            registry.remove(h.state);
        }
    }

    /** Scans input {@code i} once; public for {@code test config}. */
    void scan(int i) throws InterruptedException {
        InputConfig input = inputs.get(i);
        Map<String, Path> mine = new HashMap<>();
        synchronized (this) {
            for (Harvester h : open.values()) {
                if (h.input == input) {
                    mine.put(h.state.identity().key(), h.path);
                }
            }
        }
        ScanResult result = new FileScanner(input).scan(mine);
        for (ScanResult.Skipped s : result.skipped()) {
            if (reported.add(s.path() + "|" + s.reason())) {
                LOG.info("{}: not harvesting {}: {}", input.describe(), s.path(), s.reason());
            }
        }
        Set<String> seen = new HashSet<>();
        for (ScanResult.Candidate c : result.files()) {
            String key = c.key();
            seen.add(key);
            Harvester h;
            synchronized (this) {
                h = open.get(key);
            }
            if (h != null) {
                if (h.input != input) {
                    if (reported.add(c.path() + "|other")) {
                        LOG.warn("{}: {} is already harvested by {}; it is read once", input.describe(), c.path(),
                                h.input.describe());
                    }
                    continue;
                }
                h.gone = false;
                try {
                    h.verifyContent();
                } catch (IOException e) {
                    LOG.warn("checking {}: {}", h.path, e.toString());
                }
                continue;
            }
            start(input, c, !scannedOnce[i]);
        }
        List<Harvester> mineNow;
        synchronized (this) {
            mineNow = new ArrayList<>(open.values());
        }
        for (Harvester h : mineNow) {
            if (h.input == input && !seen.contains(h.state.identity().key())) {
                if (!h.gone) {
                    LOG.info("{} is no longer at any matched path (renamed, removed or link re-pointed); "
                            + "reading it to the end", h.path);
                }
                h.gone = true;
                FileIdentity id = h.state.identity();
                h.removed = h.removed || OpenFiles.isDeleted(id.device(), id.inode());
            }
        }
        scannedOnce[i] = true;
        if (input.cleanRemoved()) {
            cleanRemoved(seen);
        }
    }

    private void start(InputConfig input, ScanResult.Candidate c, boolean firstScan) {
        FileChannel ch = null;
        try {
            ch = Harvester.open(c.path());
            Map<String, Object> attrs = Files.readAttributes(c.path(), "unix:dev,ino");
            if ((Long) attrs.get("dev") != c.device() || (Long) attrs.get("ino") != c.inode()) {
                ch.close();
                return; // replaced between scan and open: the next scan sees the new file
            }
            ContentHead head = ContentHead.read(ch); // the only look at the file's first bytes while opening it
            FileIdentity id = head.identity(c.device(), c.inode());
            long size = ch.size();
            FileState state = registry.find(id);
            long start;
            boolean fresh = false;
            if (state != null && head.startsWith(state.identity())) {
                start = state.readOffset();
                if (size < start) {
                    LOG.info("{} is shorter ({} bytes) than its registry offset {}: it was truncated; reading from 0",
                            c.path(), size, start);
                    state.restart(id);
                    start = 0;
                } else if (id.fingerprintLength() > state.identity().fingerprintLength()) {
                    state.identity(id);
                }
                if (!state.source().equals(c.path().toString()) || !state.inputType().equals(input.type())) {
                    state.source(c.path().toString(), input.type());
                }
            } else {
                if (state != null) {
                    LOG.info("{} reuses the inode of {} but has other content: reading it from 0", c.path(),
                            state.source());
                    registry.remove(state);
                }
                start = input.tailFiles() && firstScan ? size : 0;
                state = registry.create(id, c.path().toString(), input.type(), start);
                fresh = true;
            }
            if (!fresh && size == start && !input.closeInactive().isZero()) {
                ch.close(); // nothing new since it was last closed; the next scan looks again
                return;
            }
            Harvester h = new Harvester(input, c.path(), state, ch, start, head, sink);
            synchronized (this) {
                open.put(id.key(), h);
            }
            harvestersStarted.incrementAndGet();
            h.watchedPaths = changes.watch(c.path());
            LOG.info("harvesting {}{} from offset {}", c.path(), c.target() == null ? "" : " (-> " + c.target() + ")",
                    start);
        } catch (IOException e) {
            LOG.warn("cannot open {}: {}", c.path(), e.toString());
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    /** Drops registry entries of files that are closed and no longer exist at their recorded path. */
    private void cleanRemoved(Set<String> seen) {
        Set<String> openKeys;
        synchronized (this) {
            openKeys = new HashSet<>(open.keySet());
        }
        for (FileState s : registry.all()) {
            String key = s.identity().key();
            if (openKeys.contains(key) || seen.contains(key)) {
                continue;
            }
            Path source = Path.of(s.source());
            boolean stillThere;
            try {
                Map<String, Object> a = Files.readAttributes(source, "unix:dev,ino");
                stillThere = (Long) a.get("dev") == s.identity().device() && (Long) a.get("ino") == s.identity().inode();
            } catch (IOException e) {
                stillThere = false;
            }
            if (!stillThere) {
                registry.remove(s);
            }
        }
    }

    /** For {@code test config}: what each input would harvest now, and why other matching paths are skipped. */
    public static Map<InputConfig, ScanResult> preview(List<InputConfig> inputs) {
        Map<InputConfig, ScanResult> out = new LinkedHashMap<>();
        for (InputConfig in : inputs) {
            out.put(in, new FileScanner(in).scan(Map.of()));
        }
        return out;
    }
}
