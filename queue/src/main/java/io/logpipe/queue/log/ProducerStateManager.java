package io.logpipe.queue.log;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.RecordBatch;

/**
 * What an idempotent producer last wrote to one partition: its epoch and its last five batches (a producer has at
 * most five requests in flight), so that a retried batch is answered with its first offsets instead of being
 * appended twice, and a gap in sequence numbers is refused. Guarded by the partition's lock.
 */
final class ProducerStateManager {
    static final int CACHED_BATCHES = 5;

    /** A batch a producer appended: its sequence range and the offsets the broker gave it. */
    record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    private static final class ProducerEntry {
        short epoch;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(CACHED_BATCHES);

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

    /** Records an appended batch. */
    void update(long producerId, short epoch, int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
        if (producerId == RecordBatch.NO_PRODUCER_ID) {
            return;
        }
        ProducerEntry entry = producers.computeIfAbsent(producerId, id -> new ProducerEntry(epoch));
        if (epoch != entry.epoch) {
            entry.epoch = epoch;
            entry.batches.clear();
        }
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
