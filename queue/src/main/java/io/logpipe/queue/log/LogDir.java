package io.logpipe.queue.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of {@code log.dirs} and whether it takes writes. The first I/O error writing a partition in it (a full disk,
 * a failing device) takes the whole dir offline, as Kafka does: produce to any of its partitions is answered
 * KAFKA_STORAGE_ERROR at once, other dirs keep working. Unlike Kafka, which waits for a restart, the dir comes back by
 * itself once a probe write (a page, fsynced) succeeds again, say after space was freed: the failed appends were
 * rolled back, so its partitions are as they were before the first failure. Reads keep being served while offline:
 * with one replica there is no other copy to move consumers to, and what is on disk is intact.
 */
public final class LogDir {
    private static final Logger LOG = LoggerFactory.getLogger(LogDir.class);
    static final String PROBE_FILE = ".write-probe";

    private final Path path;
    private volatile String offlineReason;
    private volatile boolean everOffline;

    public LogDir(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    public boolean isOnline() {
        return offlineReason == null;
    }

    /** True when the dir went offline at some point since the broker started. */
    public boolean wasEverOffline() {
        return everOffline;
    }

    /** Throws KafkaStorageException while the dir is offline. */
    public void ensureOnline(Object what) {
        String reason = offlineReason;
        if (reason != null) {
            throw new KafkaStorageException(what + " is unavailable: its log dir " + path + " is offline after "
                    + reason + "; it comes back once writes succeed again");
        }
    }

    /** Takes the dir offline after {@code failure} (logged once, not per refused request). */
    public synchronized void markOffline(Object what, IOException failure) {
        everOffline = true;
        if (offlineReason == null) {
            offlineReason = failure.toString();
            LOG.error("log dir {} is offline: writing {} failed: {}; produce to its partitions answers "
                    + "KAFKA_STORAGE_ERROR until a write succeeds again", path, what, failure.toString());
        }
    }

    /** When offline, tries a small fsynced write; brings the dir back online when it succeeds. */
    public synchronized boolean probe() {
        if (offlineReason == null) {
            return true;
        }
        Path probe = path.resolve(PROBE_FILE);
        try {
            try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer page = ByteBuffer.allocate(64 * 1024);
                while (page.hasRemaining()) {
                    channel.write(page);
                }
                channel.force(true);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException e) {
            return false;
        }
        LOG.info("log dir {} is writable again (it was offline after {}); its partitions take produce again", path,
                offlineReason);
        offlineReason = null;
        return true;
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
