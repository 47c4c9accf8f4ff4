package io.logpipe.queue.txn;

import io.logpipe.common.io.FormatVersion;
import io.logpipe.queue.util.FramedRecords;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import io.logpipe.common.io.AtomicFile;
import io.logpipe.queue.group.CommittedOffset;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable state of the transaction coordinator: {@code transactions.log} in the first log dir, an append-only
 * file of records {@code [int32 payload length][int32 CRC32C of payload][payload]} ({@link FramedRecords}), each the whole state of one
 * transactional id after a change (the last record of an id wins). Every record is written and fsynced before the
 * request that caused it is answered, so an acknowledged InitProducerId, AddPartitionsToTxn, TxnOffsetCommit or
 * EndTxn survives kill -9.
 *
 * <p>Payload: {@code int8 version} (the {@link FormatVersion}, 0; a newer one stops the start with the file left as
 * it is), {@code string transactionalId, int64 producerId, int16 epoch, int32 timeoutMs,
 * int8 state (TransactionState id), int64 startMs, int64 lastUpdateMs, int32 partitionCount, (string topic,
 * int32 partition)*, int32 groupCount, (string group, int32 offsetCount, (string topic, int32 partition,
 * int64 offset, int32 leaderEpoch, string metadata)*)*}. Strings are Java's modified UTF-8 with a uint16 length
 * ({@code DataOutput.writeUTF}).
 *
 * <p>Recovery reads records up to the first incomplete or CRC-failing one (a write torn by the crash), drops that
 * tail and rewrites the file as a snapshot of the live state (temp file, fsync, atomic rename); the same compaction
 * runs when the file has grown well past the live state.
 */
final class TransactionLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionLog.class);
    static final String FILE_NAME = "transactions.log";
    static final FormatVersion FORMAT = new FormatVersion("queue transaction log", 0);
    private static final byte VERSION = (byte) FORMAT.current();
    private static final long MIN_COMPACTION_BYTES = 4 << 20;

    private final Path file;
    private FileChannel channel;
    private long bytesAtCompaction;

    private TransactionLog(Path file) {
        this.file = file;
    }

    /** Opens (creating or recovering) the log in {@code dir}; {@code loaded} receives the recovered state by id. */
    static TransactionLog open(Path dir, Map<String, TransactionMetadata> loaded) throws IOException {
        Files.createDirectories(dir);
        TransactionLog log = new TransactionLog(dir.resolve(FILE_NAME));
        log.recover(loaded);
        log.compact(loaded.values());
        return log;
    }

    private void recover(Map<String, TransactionMetadata> loaded) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer all = ByteBuffer.wrap(bytes);
        int records = FramedRecords.read(all, file, FORMAT, payload -> {
            TransactionMetadata txn = decode(payload);
            loaded.put(txn.transactionalId, txn);
        });
        if (all.position() < bytes.length) {
            LOG.warn("{}: dropped a torn tail of {} bytes after {} complete records", file,
                    bytes.length - all.position(), records);
        }
        LOG.info("{}: recovered {} transactional ids from {} records", file, loaded.size(), records);
    }

    /** Writes {@code txn}'s state and fsyncs; returns once it is on disk. */
    synchronized void append(TransactionMetadata txn) throws IOException {
        FramedRecords.write(channel, ByteBuffer.wrap(encode(txn)));
        channel.force(false);
    }

    /** True when the file is much larger than a snapshot would be. */
    synchronized boolean needsCompaction() throws IOException {
        long size = channel.size();
        return size > MIN_COMPACTION_BYTES && size > 4 * bytesAtCompaction;
    }

    /** Rewrites the file as one record per transactional id (temp file, fsync, rename). */
    synchronized void compact(Collection<TransactionMetadata> live) throws IOException {
        if (channel != null) {
            channel.close();
        }
        AtomicFile.write(file, out -> {
            for (TransactionMetadata txn : live) {
                FramedRecords.write(out, ByteBuffer.wrap(encode(txn)));
            }
        });
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        bytesAtCompaction = channel.size();
    }

    static byte[] encode(TransactionMetadata txn) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(VERSION);
        out.writeUTF(txn.transactionalId);
        out.writeLong(txn.producerId);
        out.writeShort(txn.epoch);
        out.writeInt(txn.timeoutMs);
        out.writeByte(txn.state.id);
        out.writeLong(txn.startMs);
        out.writeLong(txn.lastUpdateMs);
        out.writeInt(txn.partitions.size());
        for (TopicPartition tp : txn.partitions) {
            out.writeUTF(tp.topic());
            out.writeInt(tp.partition());
        }
        out.writeInt(txn.pendingOffsets.size());
        for (var group : txn.pendingOffsets.entrySet()) {
            out.writeUTF(group.getKey());
            out.writeInt(group.getValue().size());
            for (var e : group.getValue().entrySet()) {
                out.writeUTF(e.getKey().topic());
                out.writeInt(e.getKey().partition());
                out.writeLong(e.getValue().offset());
                out.writeInt(e.getValue().leaderEpoch());
                out.writeUTF(e.getValue().metadata());
            }
        }
        out.flush();
        return bytes.toByteArray();
    }

    static TransactionMetadata decode(ByteBuffer payload) throws IOException {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        byte version = in.readByte();
        if (version != VERSION) {
            throw new IOException("unknown record version " + version);
        }
        String id = in.readUTF();
        long producerId = in.readLong();
        short epoch = in.readShort();
        int timeoutMs = in.readInt();
        TransactionState state = TransactionState.of(in.readByte());
        long startMs = in.readLong();
        long lastUpdateMs = in.readLong();
        TransactionMetadata txn = new TransactionMetadata(id, producerId, epoch, timeoutMs, state, lastUpdateMs);
        txn.startMs = startMs;
        int partitions = in.readInt();
        for (int i = 0; i < partitions; i++) {
            txn.partitions.add(new TopicPartition(in.readUTF(), in.readInt()));
        }
        int groups = in.readInt();
        for (int g = 0; g < groups; g++) {
            String group = in.readUTF();
            int count = in.readInt();
            Map<TopicPartition, CommittedOffset> offsets = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                TopicPartition tp = new TopicPartition(in.readUTF(), in.readInt());
                long offset = in.readLong();
                int leaderEpoch = in.readInt();
                offsets.put(tp, new CommittedOffset(offset, leaderEpoch, in.readUTF(), lastUpdateMs));
            }
            txn.pendingOffsets.put(group, offsets);
        }
        if (in.available() > 0) {
            throw new IOException(in.available() + " bytes left over after the record");
        }
        return txn;
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
