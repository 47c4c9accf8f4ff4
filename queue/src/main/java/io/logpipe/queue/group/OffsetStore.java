package io.logpipe.queue.group;

import io.logpipe.common.io.AtomicFile;
import io.logpipe.common.io.FormatVersion;
import io.logpipe.queue.util.FramedRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable record of committed offsets: {@code consumer-offsets.log} in the first log dir, an append-only file of
 * records, each {@code [int32 payload length][int32 CRC32C of payload][payload]} ({@link FramedRecords}). One OffsetCommit request is one
 * record, so a commit is recovered whole or not at all. A record is written before the commit is acknowledged: the
 * write lands in the page cache, which survives kill -9; fsync follows log.flush.interval.messages/ms like the logs.
 *
 * <p>Recovery reads records until the first one that is incomplete or fails its CRC (a write torn by a crash), drops
 * that tail, and rewrites the file as a snapshot of the live offsets (temp file, fsync, atomic rename). The same
 * compaction runs when the file has grown well beyond the live state.
 *
 * <p>Payload: {@code int8 version(0), int8 type, string group, string protocolType, int32 count, entries}; a COMMIT
 * entry is {@code string topic, int32 partition, int64 offset, int32 leaderEpoch, nullable string metadata,
 * int64 commitTimestamp}; a DELETE entry is {@code string topic, int32 partition}; DELETE_GROUP has no entries.
 * Strings are int16 length + UTF-8 (-1 for null).
 *
 * <p>{@code version} is the {@link FormatVersion} of the record, carried by every record since the first release (so
 * this file's legacy format is version 0, not 1). A record of a newer version stops the broker's start with a
 * message naming the file and the versions; the file is not compacted, so nothing in it is lost.
 */
public final class OffsetStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetStore.class);

    public static final String FILE_NAME = "consumer-offsets.log";
    static final FormatVersion FORMAT = new FormatVersion("queue offsets store", 0);
    private static final byte VERSION = (byte) FORMAT.current();
    private static final byte COMMIT = 1;
    private static final byte DELETE = 2;
    private static final byte DELETE_GROUP = 3;
    private static final long MIN_COMPACTION_BYTES = 16 << 20;

    /** The state of one group as the file holds it. */
    public static final class StoredGroup {
        public String protocolType = "";
        public final Map<TopicPartition, CommittedOffset> offsets = new LinkedHashMap<>();
    }

    private final Path file;
    private final long flushIntervalMessages;
    private final long flushIntervalMs;
    private FileChannel channel;
    private long liveBytesAtCompaction;
    private long unflushedRecords;
    private long lastFlushMs = System.currentTimeMillis();
    private IOException failure;

    private OffsetStore(Path file, long flushIntervalMessages, long flushIntervalMs) {
        this.file = file;
        this.flushIntervalMessages = flushIntervalMessages;
        this.flushIntervalMs = flushIntervalMs;
    }

    /** Opens (creating or recovering) the store in {@code dir}; {@code loaded} receives the recovered offsets. */
    public static OffsetStore open(Path dir, long flushIntervalMessages, long flushIntervalMs,
                                   Map<String, StoredGroup> loaded) throws IOException {
        Files.createDirectories(dir);
        OffsetStore store = new OffsetStore(dir.resolve(FILE_NAME), flushIntervalMessages, flushIntervalMs);
        store.recover(loaded);
        store.compact(loaded);
        return store;
    }

    private void recover(Map<String, StoredGroup> groups) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            ByteBuffer all = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 8));
            while (all.hasRemaining() && in.read(all) >= 0) {
                // read to the end
            }
            all.flip();
            int records = FramedRecords.read(all, file, FORMAT, payload -> apply(payload, groups));
            long valid = all.position();
            if (valid < size) {
                LOG.warn("{}: dropped a torn tail of {} bytes after {} complete commit records", file, size - valid,
                        records);
            }
            LOG.info("{}: recovered committed offsets of {} groups from {} records", file, groups.size(), records);
        }
    }

    private static void apply(ByteBuffer payload, Map<String, StoredGroup> groups) {
        ByteBuffer in = payload.duplicate();
        byte version = in.get();
        if (version != VERSION) {
            throw new IllegalStateException("unknown record version " + version);
        }
        byte type = in.get();
        String groupId = readString(in);
        String protocolType = readString(in);
        int count = in.getInt();
        if (type == DELETE_GROUP) {
            groups.remove(groupId);
            return;
        }
        StoredGroup group = groups.computeIfAbsent(groupId, g -> new StoredGroup());
        if (protocolType != null && !protocolType.isEmpty()) {
            group.protocolType = protocolType;
        }
        for (int i = 0; i < count; i++) {
            TopicPartition tp = new TopicPartition(readString(in), in.getInt());
            if (type == COMMIT) {
                long offset = in.getLong();
                int epoch = in.getInt();
                String metadata = readString(in);
                long timestamp = in.getLong();
                group.offsets.put(tp, new CommittedOffset(offset, epoch, metadata, timestamp));
            } else if (type == DELETE) {
                group.offsets.remove(tp);
            } else {
                throw new IllegalStateException("unknown record type " + type);
            }
        }
    }

    /** Appends {@code record}; returns once the bytes are in the file. */
    synchronized void append(OffsetRecord record) throws IOException {
        if (record instanceof OffsetRecord.Commit c) {
            commit(c.groupId(), c.protocolType(), c.offsets());
        } else if (record instanceof OffsetRecord.Delete d) {
            delete(d.groupId(), d.partitions());
        } else {
            deleteGroup(record.groupId());
        }
    }

    /** Appends the commit of {@code offsets} by {@code groupId}; returns once the bytes are in the file. */
    public synchronized void commit(String groupId, String protocolType, Map<TopicPartition, CommittedOffset> offsets)
            throws IOException {
        append(commitRecord(groupId, protocolType, offsets));
    }

    private static ByteBuffer commitRecord(String groupId, String protocolType,
                                           Map<TopicPartition, CommittedOffset> offsets) {
        int size = 2 + sizeOf(groupId) + sizeOf(protocolType) + 4;
        for (var e : offsets.entrySet()) {
            size += sizeOf(e.getKey().topic()) + 4 + 8 + 4 + sizeOf(e.getValue().metadata()) + 8;
        }
        ByteBuffer payload = ByteBuffer.allocate(size);
        payload.put(VERSION).put(COMMIT);
        writeString(payload, groupId);
        writeString(payload, protocolType);
        payload.putInt(offsets.size());
        for (var e : offsets.entrySet()) {
            writeString(payload, e.getKey().topic());
            payload.putInt(e.getKey().partition());
            CommittedOffset c = e.getValue();
            payload.putLong(c.offset()).putInt(c.leaderEpoch());
            writeString(payload, c.metadata());
            payload.putLong(c.commitTimestampMs());
        }
        return payload.flip();
    }

    /** Appends the removal of {@code partitions} from {@code groupId}'s committed offsets. */
    public synchronized void delete(String groupId, Collection<TopicPartition> partitions) throws IOException {
        int size = 2 + sizeOf(groupId) + sizeOf("") + 4;
        for (TopicPartition tp : partitions) {
            size += sizeOf(tp.topic()) + 4;
        }
        ByteBuffer payload = ByteBuffer.allocate(size);
        payload.put(VERSION).put(DELETE);
        writeString(payload, groupId);
        writeString(payload, "");
        payload.putInt(partitions.size());
        for (TopicPartition tp : partitions) {
            writeString(payload, tp.topic());
            payload.putInt(tp.partition());
        }
        append(payload.flip());
    }

    /** Appends the removal of the whole group. */
    public synchronized void deleteGroup(String groupId) throws IOException {
        ByteBuffer payload = ByteBuffer.allocate(2 + sizeOf(groupId) + sizeOf("") + 4);
        payload.put(VERSION).put(DELETE_GROUP);
        writeString(payload, groupId);
        writeString(payload, "");
        payload.putInt(0);
        append(payload.flip());
    }

    private void append(ByteBuffer payload) throws IOException {
        if (failure != null || channel == null) {
            throw new IOException("offset store is unusable after an earlier error: " + failure, failure);
        }
        long start = channel.size();
        try {
            FramedRecords.write(channel, payload);
        } catch (IOException e) {
            // A torn record in the middle of the file would hide every later one from recovery: cut it off.
            try {
                channel.truncate(start);
            } catch (IOException truncateFailed) {
                failure = e;
            }
            throw e;
        }
        unflushedRecords++;
        if (unflushedRecords >= flushIntervalMessages) {
            flush();
        }
    }

    /** Fsyncs when log.flush.interval.ms has passed since the last fsync; called periodically. */
    public synchronized void maybeFlush(long nowMs) throws IOException {
        if (unflushedRecords > 0 && flushIntervalMs != Long.MAX_VALUE && nowMs - lastFlushMs >= flushIntervalMs) {
            flush();
        }
    }

    private void flush() throws IOException {
        channel.force(false);
        unflushedRecords = 0;
        lastFlushMs = System.currentTimeMillis();
    }

    /** True when the file has grown enough beyond the live state that rewriting it is worth it. */
    public synchronized boolean needsCompaction() throws IOException {
        return channel.size() > Math.max(MIN_COMPACTION_BYTES, 4 * liveBytesAtCompaction);
    }

    /**
     * Rewrites the file as one COMMIT record per group holding {@code live}, replacing the old file atomically. If
     * the rewrite fails, the old file stays in use.
     */
    public synchronized void compact(Map<String, StoredGroup> live) throws IOException {
        if (channel != null) {
            channel.force(false);
        }
        AtomicFile.write(file, out -> {
            for (var e : live.entrySet()) {
                FramedRecords.write(out, commitRecord(e.getKey(), e.getValue().protocolType, e.getValue().offsets));
            }
        });
        if (channel != null) {
            channel.close();
            channel = null;
        }
        try {
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            failure = e;
            throw e;
        }
        liveBytesAtCompaction = channel.size();
        unflushedRecords = 0;
        lastFlushMs = System.currentTimeMillis();
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel != null) {
            channel.force(false);
            channel.close();
            channel = null;
        }
    }

    private static int sizeOf(String s) {
        return 2 + (s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length);
    }

    private static void writeString(ByteBuffer out, String s) {
        if (s == null) {
            out.putShort((short) -1);
            return;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("string of " + bytes.length + " bytes is too long to store");
        }
        out.putShort((short) bytes.length).put(bytes);
    }

    private static String readString(ByteBuffer in) {
        short length = in.getShort();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** For tests and tools: the offsets a store file holds, read without modifying it. */
    public static Map<String, StoredGroup> read(Path dir) throws IOException {
        Map<String, StoredGroup> groups = new HashMap<>();
        new OffsetStore(dir.resolve(FILE_NAME), Long.MAX_VALUE, Long.MAX_VALUE).recover(groups);
        return groups;
    }
}
