package io.logpipe.queue.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.InvalidRecordException;

/**
 * One segment of a partition: {@code <base offset>.log} holding v2 record batches exactly as producers sent them
 * (with the broker's offsets written in), plus its {@code .index} and {@code .timeindex}, its {@code .txnindex}
 * (the transactions aborted in it, {@link TransactionIndex}) and, for a segment the log rolled to, its
 * {@code .txnsnapshot} (the transaction state where it begins, {@link TransactionSnapshot}).
 */
public final class LogSegment implements AutoCloseable {
    /**
     * Kafka's suffix for the files of a segment that retention removed from the log but that fetches may still be
     * sending from; they are deleted after {@code file.delete.delay.ms}, or at the next start after a crash.
     */
    public static final String DELETED_SUFFIX = ".deleted";

    private final long baseOffset;
    private final FileRecords log;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final TransactionIndex transactionIndex;
    private volatile Path snapshotFile;
    /** A snapshot written and not fsynced yet; guarded by this. */
    private boolean snapshotUnsynced;
    private final int indexIntervalBytes;
    private int bytesSinceLastIndexEntry;
    private volatile long maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestampSoFar = -1;
    private long rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
    private final AtomicLong flushes = new AtomicLong();

    private LogSegment(long baseOffset, FileRecords log, OffsetIndex offsetIndex, TimeIndex timeIndex,
                       TransactionIndex transactionIndex, Path snapshotFile, int indexIntervalBytes) {
        this.baseOffset = baseOffset;
        this.log = log;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.transactionIndex = transactionIndex;
        this.snapshotFile = snapshotFile;
        this.indexIntervalBytes = indexIntervalBytes;
    }

    /** Opens (or creates) the segment with base offset {@code baseOffset} in {@code dir}. */
    public static LogSegment open(Path dir, long baseOffset, int indexIntervalBytes, int maxIndexSize)
            throws IOException {
        Path logFile = dir.resolve(fileName(baseOffset, ".log"));
        boolean existed = Files.exists(logFile);
        FileRecords records = FileRecords.open(logFile.toFile(), existed, 0, false);
        OffsetIndex index = new OffsetIndex(dir.resolve(fileName(baseOffset, ".index")), baseOffset, maxIndexSize);
        TimeIndex times = new TimeIndex(dir.resolve(fileName(baseOffset, ".timeindex")), baseOffset, maxIndexSize);
        Path txnFile = dir.resolve(fileName(baseOffset, TransactionIndex.SUFFIX));
        // a new segment's index exists from the start, so a missing one means "never built" (an older release)
        TransactionIndex aborted = existed ? TransactionIndex.open(txnFile) : TransactionIndex.create(txnFile);
        LogSegment segment = new LogSegment(baseOffset, records, index, times, aborted,
                dir.resolve(fileName(baseOffset, TransactionSnapshot.SUFFIX)), indexIntervalBytes);
        if (times.entries() > 0) {
            segment.maxTimestampSoFar = times.lastTimestamp();
            segment.offsetOfMaxTimestampSoFar = times.lastOffset();
        }
        return segment;
    }

    /** Kafka's file name: the base offset as 20 digits, then the suffix. */
    public static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int sizeInBytes() {
        return log.sizeInBytes();
    }

    public FileRecords records() {
        return log;
    }

    public OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    public TimeIndex timeIndex() {
        return timeIndex;
    }

    public TransactionIndex transactionIndex() {
        return transactionIndex;
    }

    /** Writes the transaction state where this segment begins (see {@link TransactionSnapshot}); no fsync yet. */
    synchronized void writeTransactionSnapshot(TransactionSnapshot.State state) throws IOException {
        TransactionSnapshot.write(snapshotFile, baseOffset, state);
        snapshotUnsynced = true;
    }

    /** The transaction state where this segment begins, or null when it has no whole snapshot. */
    TransactionSnapshot.State readTransactionSnapshot() throws IOException {
        return TransactionSnapshot.read(snapshotFile, baseOffset);
    }

    /**
     * Appends a transaction marker batch and, for an ABORT that ends a transaction with data here, its
     * {@code .txnindex} entry: the entry first, so a failed entry write leaves the log as it was, and a failed log
     * write takes the entry back off. Should that too fail, the segment is torn (recovery cuts the index back to the
     * log).
     */
    public void appendMarker(MemoryRecords marker, TransactionIndex.Entry aborted) throws IOException {
        if (aborted != null) {
            transactionIndex.append(aborted);
        }
        try {
            append(marker, 1);
        } catch (IOException | RuntimeException e) {
            if (aborted != null) {
                try {
                    transactionIndex.truncateTo(aborted.lastOffset());
                } catch (IOException undo) {
                    IOException failed = new IOException("could not take the aborted-transaction entry at offset "
                            + aborted.lastOffset() + " back off " + transactionIndex.file() + " after a failed write ("
                            + e + "): " + undo, undo);
                    throw new TornSegmentException(failed);
                }
            }
            throw e;
        }
    }

    public long maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    /** The timestamp that {@code log.roll.ms} counts from: the first batch's max timestamp. */
    public long rollingBasedTimestamp() {
        return rollingBasedTimestamp;
    }

    public boolean indexFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    /**
     * Appends batches whose offsets are already assigned, as one transaction: room for their index entries is
     * claimed on disk first, then the log is written, then the indexes. A failed or short log write is rolled back
     * (the file cut back to where it was), so on an IOException the segment is as it was before the call: a full
     * disk never leaves a torn batch behind, nor an index entry pointing at bytes that are not there.
     */
    public void append(MemoryRecords records, int batchCount) throws IOException {
        offsetIndex.reserve(batchCount);
        timeIndex.reserve(batchCount);
        int start = log.sizeInBytes();
        try {
            int written = log.append(records);
            if (written != records.sizeInBytes()) {
                throw new IOException("short write to " + log.file() + ": " + written + " of "
                        + records.sizeInBytes() + " bytes");
            }
        } catch (IOException | RuntimeException e) {
            rollBackTo(start, e);
            throw e;
        }
        int position = start;
        for (var batch : records.batches()) {
            indexBatch(batch.lastOffset(), batch.maxTimestamp(), position, batch.sizeInBytes());
            position += batch.sizeInBytes();
        }
    }

    private void rollBackTo(int size, Exception cause) throws IOException {
        try {
            log.truncateTo(size);
        } catch (IOException | RuntimeException e) {
            IOException failed = new IOException("could not cut " + log.file() + " back to " + size
                    + " bytes after a failed write (" + cause + "): " + e, e);
            throw new TornSegmentException(failed);
        }
    }

    /** A failed write that could not be undone: the segment's tail must be recovered before it takes appends. */
    public static final class TornSegmentException extends IOException {
        TornSegmentException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private void indexBatch(long lastOffset, long maxTimestamp, int position, int size) {
        if (rollingBasedTimestamp == RecordBatch.NO_TIMESTAMP && maxTimestamp != RecordBatch.NO_TIMESTAMP) {
            rollingBasedTimestamp = maxTimestamp;
        }
        if (maxTimestamp > maxTimestampSoFar) {
            maxTimestampSoFar = maxTimestamp;
            offsetOfMaxTimestampSoFar = lastOffset;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            offsetIndex.append(lastOffset, position);
            if (offsetOfMaxTimestampSoFar >= 0) {
                timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
            }
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += size;
    }

    /**
     * Where to read from for {@code offset}: the first batch whose last offset is at or above it, or null when the
     * segment holds nothing at or after it below {@code maxPosition}.
     */
    public FileRecords.LogOffsetPosition translateOffset(long offset, int maxPosition) {
        int start = offsetIndex.lookup(offset);
        FileRecords upTo = log.slice(0, maxPosition);
        return upTo.searchForOffsetFromPosition(offset, start);
    }

    /**
     * Reads batches from the one holding {@code offset}, up to {@code maxBytes} but at least that whole first batch
     * when {@code minOneBatch}, never past {@code maxPosition} (the end as of when the read was planned). The result
     * is a slice of the file: its bytes go to the socket as they are.
     */
    public FileRecords read(long offset, int maxBytes, int maxPosition, boolean minOneBatch) {
        FileRecords.LogOffsetPosition start = translateOffset(offset, maxPosition);
        if (start == null) {
            return null;
        }
        int available = maxPosition - start.position;
        int size = Math.min(available, maxBytes);
        if (minOneBatch && size < start.size) {
            size = Math.min(available, start.size);
        }
        return log.slice(start.position, size);
    }

    /** The first offset at or after {@code startOffset} whose record timestamp is at least {@code timestamp}. */
    public FileRecords.TimestampAndOffset findOffsetByTimestamp(long timestamp, long startOffset) {
        long fromOffset = Math.max(timeIndex.lookup(timestamp), startOffset);
        int position = offsetIndex.lookup(fromOffset);
        return log.searchForTimestamp(timestamp, position, startOffset);
    }

    /**
     * Re-reads the whole segment after an unclean stop: checks each batch (size, magic, CRC, increasing offsets),
     * truncates the file at the first bad or torn batch and rebuilds both indexes. Returns the bytes cut off.
     */
    public int recover() throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        bytesSinceLastIndexEntry = 0;
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestampSoFar = -1;
        rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
        int validBytes = 0;
        long expectedNext = baseOffset;
        try {
            for (FileChannelRecordBatch batch : log.batches()) {
                if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                    break;
                }
                batch.ensureValid();
                if (batch.baseOffset() < expectedNext) {
                    break;
                }
                // a rebuilt index writes pages a trim gave back: claim them first, as an append does
                offsetIndex.reserve(1);
                timeIndex.reserve(1);
                indexBatch(batch.lastOffset(), batch.maxTimestamp(), validBytes, batch.sizeInBytes());
                validBytes += batch.sizeInBytes();
                expectedNext = batch.lastOffset() + 1;
            }
        } catch (CorruptRecordException | InvalidRecordException e) {
            // Stop at the first batch that does not check out; everything after it is cut off below.
        }
        int truncated = log.sizeInBytes() - validBytes;
        if (truncated > 0) {
            log.truncateTo(validBytes);
        }
        // entries of ABORT markers that did not make it into the log
        transactionIndex.truncateTo(expectedNext);
        return truncated;
    }

    /** The offset after the last batch, read from the file's tail (header reads only, from the last index entry). */
    public long readNextOffset() {
        int count = offsetIndex.entries();
        int start = count == 0 ? 0 : offsetIndex.positionAt(count - 1);
        long next = baseOffset;
        for (FileChannelRecordBatch batch : log.batchesFrom(start)) {
            next = batch.lastOffset() + 1;
        }
        return next;
    }

    /**
     * True when the log agrees with its index at the tail: the last index entry points at a batch ending at the
     * entry's offset, and whole batches follow it up to the file's end. Header reads only, from the last entry.
     */
    public boolean tailIsIntact() {
        int count = offsetIndex.entries();
        int start = count == 0 ? 0 : offsetIndex.positionAt(count - 1);
        if (start > log.sizeInBytes() || count > 0 && start == log.sizeInBytes()) {
            return false;
        }
        long position = start;
        boolean first = true;
        for (FileChannelRecordBatch batch : log.batchesFrom(start)) {
            if (first && count > 0 && batch.lastOffset() != offsetIndex.lastOffset()) {
                return false;
            }
            first = false;
            position += batch.sizeInBytes();
        }
        return position == log.sizeInBytes();
    }

    /** Seeds the time bookkeeping of a cleanly reopened active segment, so rolling and time lookups continue right. */
    void loadTimestamps() {
        int count = offsetIndex.entries();
        int start = count == 0 ? 0 : offsetIndex.positionAt(count - 1);
        boolean first = true;
        for (FileChannelRecordBatch batch : log.batchesFrom(start)) {
            if (first && count == 0) {
                rollingBasedTimestamp = batch.maxTimestamp();
            }
            first = false;
            if (batch.maxTimestamp() > maxTimestampSoFar) {
                maxTimestampSoFar = batch.maxTimestamp();
                offsetOfMaxTimestampSoFar = batch.lastOffset();
            }
        }
        if (rollingBasedTimestamp == RecordBatch.NO_TIMESTAMP) {
            for (FileChannelRecordBatch batch : log.batches()) {
                rollingBasedTimestamp = batch.maxTimestamp();
                break;
            }
        }
    }

    /**
     * Called when the segment stops taking appends: records the final time entry and trims the index files. No
     * fsync: the caller appends on an event loop and leaves that to its flusher.
     */
    public void onBecomeInactive() throws IOException {
        if (offsetOfMaxTimestampSoFar >= 0) {
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
        }
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    /** How many times {@link #flush()} has fsynced this segment, Kafka's LogFlushStats counted per segment. */
    public long flushCount() {
        return flushes.get();
    }

    public void flush() throws IOException {
        flushes.incrementAndGet();
        log.flush();
        offsetIndex.flush();
        timeIndex.flush();
        transactionIndex.flush();
        syncSnapshot();
    }

    private synchronized void syncSnapshot() throws IOException {
        if (snapshotUnsynced) {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(snapshotFile,
                    java.nio.file.StandardOpenOption.READ)) {
                channel.force(true);
            } catch (java.nio.file.NoSuchFileException gone) {
                // removed by retention meanwhile
            }
            snapshotUnsynced = false;
        }
    }

    @Override
    public void close() throws IOException {
        if (offsetOfMaxTimestampSoFar >= 0) {
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
        }
        offsetIndex.close();
        timeIndex.close();
        transactionIndex.close();
        log.close();
    }

    /**
     * Renames the segment's files to {@code *.deleted}, keeping them open: a fetch that was handed a slice of the log
     * or reads the indexes goes on reading until {@link #delete()} closes and removes them.
     */
    public void renameForDeletion() throws IOException {
        log.renameTo(new java.io.File(log.file().getPath() + DELETED_SUFFIX));
        offsetIndex.renameTo(offsetIndex.file.resolveSibling(offsetIndex.file.getFileName() + DELETED_SUFFIX));
        timeIndex.renameTo(timeIndex.file.resolveSibling(timeIndex.file.getFileName() + DELETED_SUFFIX));
        transactionIndex.renameTo(transactionIndex.file().resolveSibling(transactionIndex.file().getFileName()
                + DELETED_SUFFIX));
        synchronized (this) {
            Path renamedSnapshot = snapshotFile.resolveSibling(snapshotFile.getFileName() + DELETED_SUFFIX);
            if (Files.exists(snapshotFile)) {
                Files.move(snapshotFile, renamedSnapshot, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            snapshotFile = renamedSnapshot;
        }
    }

    /** Deletes the segment's files: log, indexes, transaction index and snapshot. */
    public void delete() throws IOException {
        offsetIndex.delete();
        timeIndex.delete();
        transactionIndex.delete();
        synchronized (this) {
            Files.deleteIfExists(snapshotFile);
        }
        log.closeHandlers();
        log.deleteIfExists();
    }

    @Override
    public String toString() {
        return log.file().toString();
    }
}
