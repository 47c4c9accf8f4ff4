package io.logpipe.queue.log;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.RecordBatch;

/**
 * What an idempotent producer last wrote to one partition: its epoch and its last five batches (a producer has at
 * most five requests in flight), so that a retried batch is answered with its first offsets instead of being
 * appended twice, and a gap in sequence numbers is refused; also the timestamp of its last write and the coordinator
 * epoch of its last transaction marker, which DescribeProducers reports and WriteTxnMarkers checks. Guarded by the
 * partition's lock.
 */
final class ProducerStateManager {
    static final int CACHED_BATCHES = 5;

    /** A batch a producer appended: its sequence range and the offsets the broker gave it. */
    record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    /** One producer as DescribeProducers reports it (-1 for what this partition has not seen). */
    record Described(long producerId, short epoch, int lastSequence, long lastTimestamp, int coordinatorEpoch) {
    }

    private static final class ProducerEntry {
        short epoch;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(CACHED_BATCHES);
        /** The max timestamp of its last batch or the time of its last marker. */
        long lastTimestamp = RecordBatch.NO_TIMESTAMP;
        /** The coordinator epoch its last marker carried; -1 before any. */
        int coordinatorEpoch = -1;

        ProducerEntry(short epoch) {
            this.epoch = epoch;
        }

        int lastSeq() {
            return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.peekLast().lastSeq();
        }
    }

    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    /** The highest epoch a marker wrote, per producer. */
    private final Map<Long, Short> fenced = new HashMap<>();

    /**
     * Checks a batch against the producer's state. Returns the earlier append when the batch is a retry of one of
     * the producer's last batches, null when it is new; throws the Kafka error for a stale epoch or a sequence gap.
     */
    BatchMetadata check(long producerId, short epoch, int firstSeq, int lastSeq) {
        if (producerId == RecordBatch.NO_PRODUCER_ID) {
            return null;
        }
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            // Unknown producer (first write here, or its state predates what this broker kept): accept, as Kafka does
            // since KIP-360.
            return null;
        }
        if (epoch < entry.epoch) {
            throw new InvalidProducerEpochException("producer " + producerId + " epoch " + epoch
                    + " is older than the current epoch " + entry.epoch);
        }
        if (epoch > entry.epoch) {
            if (firstSeq != 0) {
                throw new OutOfOrderSequenceException("producer " + producerId + " has a new epoch " + epoch
                        + " but its first sequence is " + firstSeq + ", expected 0");
            }
            return null;
        }
        for (BatchMetadata batch : entry.batches) {
            if (batch.firstSeq() == firstSeq && batch.lastSeq() == lastSeq) {
                return batch;
            }
        }
        int expected = DefaultRecordBatch.incrementSequence(entry.lastSeq(), 1);
        if (entry.lastSeq() != RecordBatch.NO_SEQUENCE && firstSeq != expected) {
            throw new OutOfOrderSequenceException("producer " + producerId + " sent sequence " + firstSeq
                    + " but the next expected is " + expected);
        }
        return null;
    }

    /** Records an appended batch, whose records' max timestamp is {@code timestamp}. */
    void update(long producerId, short epoch, int firstSeq, int lastSeq, long firstOffset, long lastOffset,
                long timestamp) {
        if (producerId == RecordBatch.NO_PRODUCER_ID) {
            return;
        }
        ProducerEntry entry = producers.computeIfAbsent(producerId, id -> new ProducerEntry(epoch));
        if (epoch != entry.epoch) {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        entry.lastTimestamp = timestamp;
        if (entry.batches.size() == CACHED_BATCHES) {
            entry.batches.removeFirst();
        }
        entry.batches.addLast(new BatchMetadata(firstSeq, lastSeq, firstOffset, lastOffset));
    }

    /**
     * A transaction marker written with {@code epoch}: from now on the producer's batches of older epochs are
     * refused (a zombie fenced by a newer instance of its transactional id, or by a timed-out transaction).
     */
    void fence(long producerId, short epoch) {
        fenced.merge(producerId, epoch, (a, b) -> a >= b ? a : b);
        ProducerEntry entry = producers.computeIfAbsent(producerId, id -> new ProducerEntry(epoch));
        if (epoch > entry.epoch) {
            entry.epoch = epoch;
            entry.batches.clear();
        }
    }

    /**
     * Checks a marker a WriteTxnMarkers request asks for (kafka-transactions abort) as Kafka's partition does: an
     * epoch older than the producer's is INVALID_PRODUCER_EPOCH, a coordinator epoch older than its last marker's
     * TRANSACTION_COORDINATOR_FENCED.
     */
    void checkMarker(long producerId, short epoch, int coordinatorEpoch) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            return;
        }
        if (epoch < entry.epoch) {
            throw new InvalidProducerEpochException("producer " + producerId + ": the marker's epoch " + epoch
                    + " is older than the current epoch " + entry.epoch);
        }
        if (coordinatorEpoch < entry.coordinatorEpoch) {
            throw new TransactionCoordinatorFencedException("producer " + producerId + ": the marker's coordinator"
                    + " epoch " + coordinatorEpoch + " is older than " + entry.coordinatorEpoch + ", of its last marker");
        }
    }

    /** A transaction marker written (or replayed) with {@code epoch} at {@code timestamp}: fences older epochs. */
    void onMarker(long producerId, short epoch, int coordinatorEpoch, long timestamp) {
        fence(producerId, epoch);
        ProducerEntry entry = producers.get(producerId);
        entry.coordinatorEpoch = Math.max(entry.coordinatorEpoch, coordinatorEpoch);
        entry.lastTimestamp = timestamp;
    }

    /** The producer's state, or null when this partition keeps none for it. */
    Described describe(long producerId) {
        ProducerEntry entry = producers.get(producerId);
        return entry == null ? null : new Described(producerId, entry.epoch, entry.lastSeq(), entry.lastTimestamp,
                entry.coordinatorEpoch);
    }

    /** Every producer this partition keeps state for. */
    java.util.List<Described> describeAll() {
        java.util.List<Described> all = new java.util.ArrayList<>();
        producers.keySet().forEach(id -> all.add(describe(id)));
        return all;
    }

    int size() {
        return producers.size();
    }

    /**
     * The epoch of each producer a transaction marker fenced: what a {@link TransactionSnapshot} keeps, so fences
     * written in older segments outlive a restart that replays only the last ones.
     */
    Map<Long, Short> fencedEpochs() {
        return new java.util.LinkedHashMap<>(fenced);
    }
}
