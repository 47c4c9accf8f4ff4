package io.logpipe.queue.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition's log: a directory {@code <topic>-<partition>} of segments. Appends are serialised by the partition's
 * lock; reads take no lock, they read up to the end position published after each append.
 *
 * <p>Appends run on the network event loops, so no fsync is theirs: that of a segment that rolls, and that which
 * {@code log.flush.interval.messages} makes due, run on the {@code flusher} (the log manager's maintenance thread, as
 * Kafka's roll schedules its flush on the scheduler; the produce answer waits for the second), and the recovery point
 * passes the data once that fsync is done. No fsync holds the partition's lock, so appends go on meanwhile. At most one rolled segment waits for its fsync: a
 * roll that finds the previous one still waiting fsyncs it itself. So after an unclean stop only the active segment
 * and the one before it can hold unsynced bytes, and those two are what recovery re-validates.
 *
 * <p>A segment retention removes leaves the log at once but keeps its files, renamed {@code *.deleted} and still
 * open, for {@code file.delete.delay.ms}: a fetch already handed a slice of it sends it whole. Only then are the
 * files closed and deleted ({@link #deleteRenamedSegments}); what a stop leaves renamed is deleted at the next open.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    /** The end of the log as readers may see it: the active segment, its size and the next offset. */
    private record End(LogSegment segment, int position, long nextOffset) {
    }

    /**
     * The outcome of an append: the first and last offsets given, whether it was a retry already written, and when
     * {@code log.flush.interval.messages} made it due for an fsync, that fsync (run on the flusher; already complete
     * otherwise, or when it failed: then exceptionally, with a KafkaStorageException).
     */
    public record AppendResult(long firstOffset, long lastOffset, boolean duplicate, CompletableFuture<Void> flushed) {
        public AppendResult(long firstOffset, long lastOffset, boolean duplicate) {
            this(firstOffset, lastOffset, duplicate, NOTHING_TO_FLUSH);
        }
    }

    private static final CompletableFuture<Void> NOTHING_TO_FLUSH = CompletableFuture.completedFuture(null);

    /** What a fetch gets: a slice of a segment file (or nothing), plus the offsets around it. */
    public record ReadResult(FileRecords records, long highWatermark, long logStartOffset, long lastStableOffset) {
        public ReadResult(FileRecords records, long highWatermark, long logStartOffset) {
            this(records, highWatermark, logStartOffset, highWatermark);
        }

        public int sizeInBytes() {
            return records == null ? 0 : records.sizeInBytes();
        }
    }

    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final Path dir;
    private final LogDir logDir;
    private volatile LogConfig config;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final ProducerStateManager producers = new ProducerStateManager();
    private final PartitionTransactions transactions = new PartitionTransactions();
    private final Set<Runnable> appendListeners = ConcurrentHashMap.newKeySet();
    private volatile End end;
    /**
     * Kafka's recovery point: every offset below it has been fsynced (the flush policy, a roll or a clean close), so
     * the bytes from it to the log end may still sit only in the page cache.
     */
    private volatile long recoveryPoint;
    private volatile long lastFlushMs = System.currentTimeMillis();
    /** Set when a failed append could not be rolled back: the active segment's tail is recovered before the next. */
    private boolean tornTail;
    /** Segments out of the log, renamed, waiting for their delete time; oldest first. Guarded by this. */
    private final java.util.ArrayDeque<RenamedSegment> renamed = new java.util.ArrayDeque<>();

    private record RenamedSegment(LogSegment segment, long deleteAtMs) {
    }

    /** Runs the fsync of rolled segments. */
    private final Executor flusher;
    /** The rolled segment whose fsync has not finished yet, and the offset the recovery point may pass after it. */
    private final AtomicReference<RolledSegment> unsyncedRoll = new AtomicReference<>();

    private record RolledSegment(LogSegment segment, long endOffset) {
    }

    private PartitionLog(TopicPartition topicPartition, Uuid topicId, Path dir, LogDir logDir, LogConfig config,
                         Executor flusher) {
        this.flusher = flusher;
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.dir = dir;
        this.logDir = logDir;
        this.config = config;
    }

    /**
     * Opens the partition in {@code dir}, creating it when missing. After an unclean stop ({@code cleanShutdown}
     * false) the active segment and the one before it are re-validated batch by batch, a torn tail is cut off and
     * their indexes rebuilt. A roll's fsync runs on the rolling thread (see the class for the flusher).
     */
    public static PartitionLog open(Path dir, TopicPartition tp, Uuid topicId, LogConfig config, boolean cleanShutdown)
            throws IOException {
        return open(dir, new LogDir(dir.getParent()), tp, topicId, config, cleanShutdown);
    }

    /** As {@link #open(Path, TopicPartition, Uuid, LogConfig, boolean)}, inside {@code logDir}'s health. */
    public static PartitionLog open(Path dir, LogDir logDir, TopicPartition tp, Uuid topicId, LogConfig config,
                                    boolean cleanShutdown) throws IOException {
        return open(dir, logDir, tp, topicId, config, cleanShutdown, Runnable::run);
    }

    /** As the open above, with the fsync of each roll run on {@code flusher}. */
    public static PartitionLog open(Path dir, LogDir logDir, TopicPartition tp, Uuid topicId, LogConfig config,
                                    boolean cleanShutdown, Executor flusher) throws IOException {
        Files.createDirectories(dir);
        PartitionLog log = new PartitionLog(tp, topicId, dir, logDir, config, flusher);
        log.load(cleanShutdown);
        return log;
    }

    private void load(boolean cleanShutdown) throws IOException {
        List<Long> baseOffsets = new ArrayList<>();
        List<Path> transactionFiles = new ArrayList<>();
        int leftovers = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(LogSegment.DELETED_SUFFIX)) {
                    // removed by retention before the stop, its delete delay cut short by it: no fetch reads it now
                    Files.deleteIfExists(file);
                    leftovers++;
                } else if (name.endsWith(".log") && name.length() == 24) {
                    baseOffsets.add(Long.parseLong(name.substring(0, 20)));
                } else if (name.endsWith(TransactionIndex.SUFFIX) || name.endsWith(TransactionSnapshot.SUFFIX)) {
                    transactionFiles.add(file);
                }
            }
        }
        for (Path file : transactionFiles) {
            // the transaction files of a segment whose log is gone (a release before them removed it)
            String name = file.getFileName().toString();
            if (name.length() < 20 || !Files.exists(dir.resolve(name.substring(0, 20) + ".log"))) {
                Files.deleteIfExists(file);
                leftovers++;
            }
        }
        if (leftovers > 0) {
            LOG.info("{}: deleted {} file(s) of segments retention had removed before the stop", topicPartition,
                    leftovers);
        }
        baseOffsets.sort(null);
        java.util.Set<Long> recovered = new java.util.HashSet<>();
        for (int i = 0; i < baseOffsets.size(); i++) {
            long base = baseOffsets.get(i);
            boolean active = i == baseOffsets.size() - 1;
            LogSegment segment = LogSegment.open(dir, base, config.indexIntervalBytes(), config.maxIndexSize());
            long nextBase = active ? Long.MAX_VALUE : baseOffsets.get(i + 1);
            if (!cleanShutdown && i >= baseOffsets.size() - 2) {
                // the active segment, and the last rolled one, whose fsync may not have run (see the class)
                int cut = segment.recover();
                recovered.add(base);
                if (cut > 0) {
                    LOG.warn("{}: recovery cut {} bytes of torn or corrupt data off the tail of {}", topicPartition,
                            cut, segment);
                }
                if (!active) {
                    segment.flush();
                }
            } else if (!segment.offsetIndex().isConsistent(nextBase, segment.sizeInBytes())
                    || segment.offsetIndex().entries() == 0 && segment.sizeInBytes() > config.indexIntervalBytes()) {
                LOG.info("{}: rebuilding the indexes of {}", topicPartition, segment);
                segment.recover();
                recovered.add(base);
            } else if (active && !segment.tailIsIntact()) {
                // a clean stop after a write that failed and could not be undone: the log decides, not the index
                LOG.warn("{}: the tail of {} does not match its index; recovering it from the log", topicPartition,
                        segment);
                segment.recover();
                recovered.add(base);
            } else if (active) {
                segment.loadTimestamps();
            }
            if (!active) {
                segment.offsetIndex().trimToValidSize();
                segment.timeIndex().trimToValidSize();
            }
            segments.put(base, segment);
        }
        if (segments.isEmpty()) {
            segments.put(0L, LogSegment.open(dir, 0, config.indexIntervalBytes(), config.maxIndexSize()));
        }
        LogSegment active = segments.lastEntry().getValue();
        long next = active.readNextOffset();
        end = new End(active, active.sizeInBytes(), next);
        // older segments were fsynced when they rolled; after an unclean stop the re-read active segment was not
        recoveryPoint = cleanShutdown ? next : active.baseOffset();
        rebuildProducerState(recovered);
    }

    /**
     * Brings the transaction and producer state to the log end without reading every segment: from the
     * {@link TransactionSnapshot} where the replay starts, the batch headers of the segments after it are replayed.
     * The replay starts at the last two segments (their idempotent producers' sequences are kept, so retries from
     * producers that outlived a restart dedupe), earlier when a segment recovery re-read ({@code recovered}: after an
     * unclean stop the last two, the only ones that can hold unsynced bytes) or a segment without a whole
     * {@code .txnindex} comes earlier, and earlier still while the snapshot there is missing or torn (down to the
     * first segment, which starts from its snapshot or from nothing). The {@code .txnindex} of each of those
     * segments is rebuilt from its ABORT markers; every other segment's is trusted as written and fsynced. Missing
     * snapshots of replayed segments are written.
     */
    private void rebuildProducerState(java.util.Set<Long> recovered) throws IOException {
        List<LogSegment> all = new ArrayList<>(segments.values());
        int count = all.size();
        boolean[] rebuild = new boolean[count];
        int from = Math.max(0, count - 2);
        for (int i = 0; i < count; i++) {
            LogSegment segment = all.get(i);
            rebuild[i] = recovered.contains(segment.baseOffset()) || !segment.transactionIndex().usable();
            if (rebuild[i]) {
                from = Math.min(from, i);
            }
        }
        TransactionSnapshot.State state = all.get(from).readTransactionSnapshot();
        while (state == null && from > 0) {
            from--;
            state = all.get(from).readTransactionSnapshot();
        }
        if (from < count - 2) {
            LOG.info("{}: replaying the batch headers of {} segment(s) from {} for the transaction state",
                    topicPartition, count - from, all.get(from));
        }
        if (state != null) {
            state.epochs().forEach(producers::fence);
            state.open().forEach((producerId, firstOffset) ->
                    transactions.onTransactionalBatch(producerId, locate(firstOffset)));
        }
        for (int i = from; i < count; i++) {
            LogSegment segment = all.get(i);
            boolean recent = i >= count - 2;
            if (i > from && segment.readTransactionSnapshot() == null) {
                writeSnapshot(segment);
            }
            if (rebuild[i]) {
                segment.transactionIndex().reset();
            }
            for (FileChannelRecordBatch batch : segment.records().batches()) {
                if (batch.isTransactional()) {
                    if (batch.isControlBatch()) {
                        ControlRecordType type = controlType(batch);
                        long offset = batch.baseOffset();
                        long stable = transactions.lastStableOffsetWithout(batch.producerId(), offset + 1);
                        PartitionTransactions.Start started = transactions.onMarker(batch.producerId(), type, offset);
                        if (rebuild[i] && started != null && type == ControlRecordType.ABORT) {
                            segment.transactionIndex().append(new TransactionIndex.Entry(batch.producerId(),
                                    started.firstOffset(), offset, stable));
                        }
                        producers.onMarker(batch.producerId(), batch.producerEpoch(), coordinatorEpoch(batch),
                                batch.maxTimestamp());
                        continue;
                    }
                    transactions.onTransactionalBatch(batch.producerId(), new PartitionTransactions.Start(
                            batch.baseOffset(), segment.baseOffset(), batch.position()));
                }
                // transactional producers from every replayed segment too, so DescribeProducers knows the epoch
                // and last write of a transaction left open there
                if ((recent || batch.isTransactional()) && batch.hasProducerId()) {
                    producers.update(batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                            batch.lastSequence(), batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp());
                }
            }
            if (rebuild[i]) {
                segment.transactionIndex().flush();
            }
        }
    }

    /** Where the batch at {@code firstOffset} is, for an open transaction a snapshot names. */
    private PartitionTransactions.Start locate(long firstOffset) {
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(firstOffset);
        if (entry != null) {
            FileRecords.LogOffsetPosition found = entry.getValue().translateOffset(firstOffset,
                    entry.getValue().sizeInBytes());
            if (found != null && found.offset >= firstOffset) {
                return new PartitionTransactions.Start(firstOffset, entry.getKey(), found.position);
            }
        }
        // before the log start: retention removed the segment the transaction began in
        return new PartitionTransactions.Start(firstOffset, Long.MIN_VALUE, 0);
    }

    /** The transaction state at the log end, into the snapshot of {@code segment}, which begins there. */
    private void writeSnapshot(LogSegment segment) {
        try {
            segment.writeTransactionSnapshot(new TransactionSnapshot.State(transactions.firstOffsets(),
                    producers.fencedEpochs()));
        } catch (IOException e) {
            // not fatal: a start without it replays from an earlier segment
            LOG.warn("{}: could not write the transaction snapshot of {}: {}", topicPartition, segment, e.toString());
        }
    }

    /** The coordinator epoch of a COMMIT or ABORT marker batch; -1 for a control batch of another kind. */
    private static int coordinatorEpoch(RecordBatch batch) {
        try (var records = batch.streamingIterator(org.apache.kafka.common.utils.BufferSupplier.NO_CACHING)) {
            if (!records.hasNext()) {
                return -1;
            }
            org.apache.kafka.common.record.Record record = records.next();
            ControlRecordType type = ControlRecordType.parse(record.key());
            // only this broker writes control batches (Produce refuses them), so a marker's value is whole
            return type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT
                    ? EndTransactionMarker.deserialize(record).coordinatorEpoch() : -1;
        }
    }

    private static ControlRecordType controlType(RecordBatch batch) {
        try (var records = batch.streamingIterator(org.apache.kafka.common.utils.BufferSupplier.NO_CACHING)) {
            return records.hasNext() ? ControlRecordType.parse(records.next().key()) : ControlRecordType.UNKNOWN;
        }
    }

    /**
     * Appends validated batches: assigns offsets in place in their headers, rolls the segment when due and writes
     * the bytes as they are. A retry of a batch the producer already wrote gets the earlier offsets back.
     */
    public AppendResult append(BatchValidator.Validated batch) throws IOException {
        AppendResult result;
        CompletableFuture<Void> flushed = NOTHING_TO_FLUSH;
        synchronized (this) {
            ProducerStateManager.BatchMetadata duplicate = producers.check(batch.producerId(), batch.producerEpoch(),
                    batch.firstSeq(), batch.lastSeq());
            if (duplicate != null) {
                return new AppendResult(duplicate.firstOffset(), duplicate.lastOffset(), true);
            }
            logDir.ensureOnline(topicPartition);
            long first = end.nextOffset();
            long next = first;
            long maxTimestamp = RecordBatch.NO_TIMESTAMP;
            for (MutableRecordBatch b : batch.records().batches()) {
                long delta = b.lastOffset() - b.baseOffset();
                b.setLastOffset(next + delta);
                next += delta + 1;
                maxTimestamp = Math.max(maxTimestamp, b.maxTimestamp());
            }
            try {
                if (tornTail) {
                    recoverTornTail();
                }
                LogSegment segment = maybeRoll(batch.records().sizeInBytes(), maxTimestamp, next - 1);
                int position = segment.sizeInBytes();
                segment.append(batch.records(), batch.batches());
                if (batch.records().firstBatch().isTransactional()) {
                    transactions.onTransactionalBatch(batch.producerId(),
                            new PartitionTransactions.Start(first, segment.baseOffset(), position));
                }
                producers.update(batch.producerId(), batch.producerEpoch(), batch.firstSeq(), batch.lastSeq(), first,
                        next - 1, maxTimestamp);
                end = new End(segment, segment.sizeInBytes(), next);
                if (unflushedMessages() >= config.flushIntervalMessages()) {
                    flushed = flushOnFlusher(end);
                }
            } catch (IOException e) {
                tornTail |= e instanceof LogSegment.TornSegmentException;
                logDir.markOffline(topicPartition, e);
                throw new KafkaStorageException("writing " + topicPartition + " failed: " + e.getMessage(), e);
            }
            result = new AppendResult(first, next - 1, false, flushed);
        }
        for (Runnable listener : appendListeners) {
            listener.run();
        }
        return result;
    }

    /**
     * Writes the COMMIT or ABORT marker of {@code producerId}'s transaction (a control batch built by kafka-clients'
     * {@code MemoryRecords.withEndTransactionMarker}) at the log end: its data batches become visible to read_committed
     * fetches (commit) or listed as aborted (abort), and the producer's older epochs are fenced here.
     */
    public long appendEndTxnMarker(long producerId, short epoch, ControlRecordType type, int coordinatorEpoch,
                                   long timestamp) throws IOException {
        return appendMarker(producerId, epoch, type, coordinatorEpoch, timestamp, false);
    }

    /**
     * A marker a WriteTxnMarkers request asks for (kafka-transactions abort of a hanging transaction): checked first
     * as Kafka's partition checks it (InvalidProducerEpochException for an epoch older than the producer's,
     * TransactionCoordinatorFencedException for an older coordinator epoch), then written as the coordinator's are.
     */
    public long writeTxnMarker(long producerId, short epoch, ControlRecordType type, int coordinatorEpoch,
                               long timestamp) throws IOException {
        return appendMarker(producerId, epoch, type, coordinatorEpoch, timestamp, true);
    }

    private long appendMarker(long producerId, short epoch, ControlRecordType type, int coordinatorEpoch,
                              long timestamp, boolean check) throws IOException {
        long offset;
        synchronized (this) {
            if (check) {
                producers.checkMarker(producerId, epoch, coordinatorEpoch);
            }
            logDir.ensureOnline(topicPartition);
            offset = end.nextOffset();
            MemoryRecords marker = MemoryRecords.withEndTransactionMarker(offset, timestamp, 0, producerId, epoch,
                    new EndTransactionMarker(type, coordinatorEpoch));
            try {
                if (tornTail) {
                    recoverTornTail();
                    offset = end.nextOffset();
                    marker = MemoryRecords.withEndTransactionMarker(offset, timestamp, 0, producerId, epoch,
                            new EndTransactionMarker(type, coordinatorEpoch));
                }
                LogSegment segment = maybeRoll(marker.sizeInBytes(), timestamp, offset);
                PartitionTransactions.Start started = transactions.openStart(producerId);
                TransactionIndex.Entry aborted = started == null || type != ControlRecordType.ABORT ? null
                        : new TransactionIndex.Entry(producerId, started.firstOffset(), offset,
                                transactions.lastStableOffsetWithout(producerId, offset + 1));
                segment.appendMarker(marker, aborted);
                transactions.onMarker(producerId, type, offset);
                producers.onMarker(producerId, epoch, coordinatorEpoch, timestamp);
                end = new End(segment, segment.sizeInBytes(), offset + 1);
                if (unflushedMessages() >= config.flushIntervalMessages()) {
                    // a marker's caller does not wait for it: the coordinator's log holds the outcome durably
                    flushOnFlusher(end);
                }
            } catch (IOException e) {
                tornTail |= e instanceof LogSegment.TornSegmentException;
                logDir.markOffline(topicPartition, e);
                throw new KafkaStorageException("writing a transaction marker to " + topicPartition + " failed: "
                        + e.getMessage(), e);
            }
        }
        for (Runnable listener : appendListeners) {
            listener.run();
        }
        return offset;
    }

    /**
     * One producer of this partition as DescribeProducers reports it: its epoch, last sequence, the timestamp of its
     * last write, the coordinator epoch of its last marker and where its open transaction starts (-1 for none).
     */
    public record ActiveProducer(long producerId, short epoch, int lastSequence, long lastTimestamp,
                                 int coordinatorEpoch, long currentTxnStartOffset) {
    }

    /**
     * Every producer with state here (DescribeProducers). A transaction whose start a snapshot named but whose
     * batches were not replayed at open has no producer state: it is reported with epoch 0 and no last write
     * (-1), which kafka-transactions find-hanging takes as long past.
     */
    public synchronized List<ActiveProducer> activeProducers() {
        Map<Long, Long> open = transactions.firstOffsets();
        List<ActiveProducer> result = new ArrayList<>();
        for (ProducerStateManager.Described p : producers.describeAll()) {
            Long start = open.remove(p.producerId());
            result.add(new ActiveProducer(p.producerId(), p.epoch(), p.lastSequence(), p.lastTimestamp(),
                    p.coordinatorEpoch(), start == null ? -1 : start));
        }
        open.forEach((producerId, start) -> result.add(new ActiveProducer(producerId, (short) 0,
                RecordBatch.NO_SEQUENCE, RecordBatch.NO_TIMESTAMP, -1, start)));
        return result;
    }

    /**
     * The last stable offset: the first offset of the earliest transaction still open here, or the log end. A
     * read_committed consumer reads below it only.
     */
    public long lastStableOffset() {
        PartitionTransactions.Start open = transactions.firstOpen();
        return open == null ? end.nextOffset() : open.firstOffset();
    }

    /**
     * The aborted transactions a read_committed fetch of [{@code from}, {@code to}) must name, from the
     * {@code .txnindex} files: those of the segment holding {@code from} and of the later ones (an ABORT marker can
     * lie past {@code to}), until an entry's last stable offset shows every transaction begun below {@code to} had
     * ended.
     */
    public List<org.apache.kafka.common.message.FetchResponseData.AbortedTransaction> abortedTransactions(long from,
                                                                                                          long to) {
        List<org.apache.kafka.common.message.FetchResponseData.AbortedTransaction> result = new ArrayList<>();
        Long start = segments.floorKey(from);
        for (LogSegment segment : (start == null ? segments : segments.tailMap(start, true)).values()) {
            try {
                if (segment.transactionIndex().collect(from, to, result)) {
                    break;
                }
            } catch (IOException e) {
                if (segments.get(segment.baseOffset()) != segment) {
                    continue; // removed by retention while this fetch read it: none of its entries matter now
                }
                logDir.markOffline(topicPartition, e);
                throw new KafkaStorageException("reading " + segment.transactionIndex().file() + " failed: "
                        + e.getMessage(), e);
            }
        }
        return result;
    }

    /** After an append that could not be rolled back: cuts the active segment back to its last whole batch. */
    private void recoverTornTail() throws IOException {
        LogSegment active = end.segment();
        int cut = active.recover();
        end = new End(active, active.sizeInBytes(), active.readNextOffset());
        tornTail = false;
        LOG.warn("{}: cut {} bytes of a failed write off {}; the log ends at offset {}", topicPartition, cut, active,
                end.nextOffset());
    }

    private LogSegment maybeRoll(int bytes, long maxTimestamp, long lastOffset) throws IOException {
        LogSegment active = end.segment();
        boolean full = active.sizeInBytes() > 0 && (long) active.sizeInBytes() + bytes > config.segmentBytes();
        boolean old = active.sizeInBytes() > 0 && active.rollingBasedTimestamp() != RecordBatch.NO_TIMESTAMP
                && maxTimestamp - active.rollingBasedTimestamp() > config.rollMs();
        boolean offsetsOverflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (!(full || old || active.indexFull() || offsetsOverflow)) {
            return active;
        }
        long base = end.nextOffset();
        active.onBecomeInactive();
        RolledSegment previous = unsyncedRoll.getAndSet(new RolledSegment(active, base));
        if (previous != null) {
            // its fsync has not run yet: at most one rolled segment may wait for one
            syncRolled(previous);
        }
        flusher.execute(this::syncPendingRoll);
        LogSegment rolled = LogSegment.open(dir, base, config.indexIntervalBytes(), config.maxIndexSize());
        writeSnapshot(rolled);
        segments.put(base, rolled);
        LOG.debug("{}: rolled to a new segment at offset {}", topicPartition, base);
        return rolled;
    }

    /** On the flusher: fsyncs the rolled segment still waiting, if a later roll has not done it already. */
    private void syncPendingRoll() {
        RolledSegment pending = unsyncedRoll.get();
        if (pending == null) {
            return;
        }
        try {
            syncRolled(pending);
            unsyncedRoll.compareAndSet(pending, null);
        } catch (IOException e) {
            logDir.markOffline(topicPartition, e);
            LOG.error("{}: fsync of the rolled segment {} failed: {}", topicPartition, pending.segment(), e.toString());
        }
    }

    private void syncRolled(RolledSegment rolled) throws IOException {
        if (segments.get(rolled.segment().baseOffset()) == rolled.segment()) {
            // (a segment retention already removed needs no fsync: its data is gone from the log)
            rolled.segment().flush();
        }
        advanceRecoveryPoint(rolled.endOffset());
    }

    private void advanceRecoveryPoint(long offset) {
        synchronized (unsyncedRoll) {
            recoveryPoint = Math.max(recoveryPoint, offset);
        }
    }

    /**
     * Reads from {@code offset}: up to {@code maxBytes}, or the whole first batch when {@code minOneBatch} and it is
     * larger. An offset past the end, or before the start, throws OffsetOutOfRangeException.
     */
    public ReadResult read(long offset, int maxBytes, boolean minOneBatch) {
        return read(offset, maxBytes, minOneBatch, false);
    }

    /**
     * As {@link #read(long, int, boolean)}; with {@code committedOnly} (read_committed) only up to the last stable
     * offset. The LSO is the start of a batch, so the slice still ends on a batch boundary.
     */
    public ReadResult read(long offset, int maxBytes, boolean minOneBatch, boolean committedOnly) {
        End snapshot = end;
        long highWatermark = snapshot.nextOffset();
        if (committedOnly) {
            PartitionTransactions.Start open = transactions.firstOpen();
            if (open != null && open.firstOffset() < snapshot.nextOffset()) {
                LogSegment segment = segments.get(open.segmentBase());
                if (segment == null) {
                    // retention removed where the transaction began (it stayed open past retention.ms): the LSO
                    // stays put, so nothing after it is served before the transaction ends
                    return new ReadResult(null, highWatermark, logStartOffset(), open.firstOffset());
                }
                snapshot = new End(segment, open.position(), open.firstOffset());
            }
        }
        long stable = snapshot.nextOffset();
        long logStart = logStartOffset();
        if (offset >= stable && offset <= highWatermark) {
            return new ReadResult(null, highWatermark, logStart, stable);
        }
        if (offset > highWatermark || offset < logStart) {
            throw new org.apache.kafka.common.errors.OffsetOutOfRangeException("offset " + offset + " of "
                    + topicPartition + " is outside [" + logStart + ", " + highWatermark + "]");
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        while (entry != null) {
            LogSegment segment = entry.getValue();
            int maxPosition = segment == snapshot.segment() ? snapshot.position() : segment.sizeInBytes();
            FileRecords slice = segment.read(offset, maxBytes, maxPosition, minOneBatch);
            if (slice != null) {
                return new ReadResult(slice, highWatermark, logStart, stable);
            }
            if (segment == snapshot.segment()) {
                break;
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return new ReadResult(null, highWatermark, logStart, stable);
    }

    /** The first offset whose record timestamp is at or above {@code timestamp}, or null when there is none. */
    public FileRecords.TimestampAndOffset offsetForTimestamp(long timestamp) {
        long logStart = logStartOffset();
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestampSoFar() >= timestamp || segment == end.segment()) {
                FileRecords.TimestampAndOffset found = segment.findOffsetByTimestamp(timestamp, logStart);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** The offset and timestamp of the record with the largest timestamp (ListOffsets MAX_TIMESTAMP). */
    public FileRecords.TimestampAndOffset maxTimestampAndOffset() {
        FileRecords.TimestampAndOffset best = null;
        for (LogSegment segment : segments.values()) {
            for (FileChannelRecordBatch batch : segment.records().batches()) {
                if (best == null || batch.maxTimestamp() > best.timestamp) {
                    best = new FileRecords.TimestampAndOffset(batch.maxTimestamp(), batch.lastOffset(),
                            java.util.Optional.empty());
                }
            }
        }
        return best;
    }

    /**
     * Removes from the log the whole segments that fall out of the retention time or size (never the active one):
     * the log starts after them at once; their files are renamed and deleted {@code file.delete.delay.ms} later.
     */
    public synchronized int deleteExpiredSegments(long nowMs) throws IOException {
        LogConfig config = this.config;
        int deleted = 0;
        long totalBytes = 0;
        for (LogSegment segment : segments.values()) {
            totalBytes += segment.sizeInBytes();
        }
        while (segments.size() > 1) {
            LogSegment oldest = segments.firstEntry().getValue();
            boolean expired = config.retentionMs() >= 0 && oldest.maxTimestampSoFar() != RecordBatch.NO_TIMESTAMP
                    && nowMs - oldest.maxTimestampSoFar() > config.retentionMs();
            boolean oversize = config.retentionBytes() >= 0 && totalBytes - oldest.sizeInBytes() >= config.retentionBytes();
            if (!expired && !oversize) {
                break;
            }
            segments.remove(oldest.baseOffset());
            totalBytes -= oldest.sizeInBytes();
            oldest.renameForDeletion();
            renamed.addLast(new RenamedSegment(oldest, nowMs + config.fileDeleteDelayMs()));
            deleted++;
        }
        return deleted;
    }

    /** Closes and deletes the files of removed segments whose delete delay has passed; returns how many. */
    public synchronized int deleteRenamedSegments(long nowMs) throws IOException {
        int deleted = 0;
        while (!renamed.isEmpty() && renamed.peekFirst().deleteAtMs() <= nowMs) {
            renamed.removeFirst().segment().delete();
            deleted++;
        }
        return deleted;
    }

    /** Segments removed from the log whose files are not deleted yet. */
    public synchronized int renamedSegmentCount() {
        return renamed.size();
    }

    /** Switches to new settings (a topic's altered overrides); the next append and retention check use them. */
    public void updateConfig(LogConfig config) {
        this.config = config;
    }

    public LogConfig config() {
        return config;
    }

    public void addAppendListener(Runnable listener) {
        appendListeners.add(listener);
    }

    public void removeAppendListener(Runnable listener) {
        appendListeners.remove(listener);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    public Path dir() {
        return dir;
    }

    public LogDir logDir() {
        return logDir;
    }

    public long logEndOffset() {
        return end.nextOffset();
    }

    /** Allocates nothing (a fetch asks it of every partition, idle ones included); {@code firstEntry()} would. */
    public long logStartOffset() {
        try {
            return segments.firstKey();
        } catch (java.util.NoSuchElementException empty) {
            return end.nextOffset();
        }
    }

    public int segmentCount() {
        return segments.size();
    }

    public List<LogSegment> segments() {
        return List.copyOf(segments.values());
    }

    public long sizeInBytes() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.sizeInBytes();
        }
        return total;
    }

    /** The offset up to which (exclusive) the log is known to be on disk. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    /** Records appended since the last fsync (Kafka's UnifiedLog.unflushedMessages). */
    public long unflushedMessages() {
        return end.nextOffset() - recoveryPoint;
    }

    /** Flushes when {@code log.flush.interval.ms} has passed since the last flush and something is unflushed. */
    public void maybeFlushOnTime(long nowMs) throws IOException {
        if (unflushedMessages() > 0 && nowMs - lastFlushMs >= config.flushIntervalMs()) {
            flushUpTo(end);
        }
    }

    /** Fsyncs the log up to its current end, on the calling thread. */
    public void flush() throws IOException {
        flushUpTo(end);
    }

    private CompletableFuture<Void> flushOnFlusher(End upTo) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        flusher.execute(() -> {
            try {
                if (recoveryPoint < upTo.nextOffset()) {
                    // to the end as it is now, so the appends made since, each due for an fsync, find theirs done
                    flushUpTo(end);
                }
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(new KafkaStorageException("fsync of " + topicPartition + " failed: "
                        + e.getMessage(), e));
            }
        });
        return done;
    }

    /**
     * Fsyncs the segment {@code upTo} ends in (and a rolled one still waiting), then moves the recovery point to
     * its end. Not under the partition's lock: appends to the segment may go on while it is fsynced. A flush that
     * an earlier one already covered does nothing.
     */
    private void flushUpTo(End upTo) throws IOException {
        if (recoveryPoint >= upTo.nextOffset()) {
            return;
        }
        LogSegment segment = upTo.segment();
        try {
            if (segments.get(segment.baseOffset()) == segment) {
                // (one retention removed meanwhile needs none: its data is gone from the log)
                segment.flush();
            }
        } catch (IOException e) {
            logDir.markOffline(topicPartition, e);
            throw e;
        }
        // the active segment's fsync covers only it: a rolled segment still waiting for its own keeps the point
        RolledSegment pending = unsyncedRoll.get();
        if (pending != null) {
            syncRolled(pending);
            unsyncedRoll.compareAndSet(pending, null);
        }
        advanceRecoveryPoint(upTo.nextOffset());
        lastFlushMs = System.currentTimeMillis();
    }

    @Override
    public synchronized void close() throws IOException {
        // a stop ends the fetches the delay was for
        deleteRenamedSegments(Long.MAX_VALUE);
        for (LogSegment segment : segments.values()) {
            segment.flush();
            segment.close();
        }
        unsyncedRoll.set(null);
        advanceRecoveryPoint(end.nextOffset());
    }

    /** Deletes every segment and the directory. */
    public synchronized void delete() throws IOException {
        deleteRenamedSegments(Long.MAX_VALUE);
        for (LogSegment segment : segments.values()) {
            segment.delete();
        }
        segments.clear();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return topicPartition.toString();
    }
}
