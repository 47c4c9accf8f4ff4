package io.logpipe.queue.txn;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import io.logpipe.queue.group.CommittedOffset;
import org.apache.kafka.common.TopicPartition;

/**
 * One transactional id's state, as the coordinator keeps it and the {@link TransactionLog} stores it whole: the
 * producer id and epoch it was given, its timeout, the current transaction's state, partitions and the group
 * offsets committed inside it (applied to the groups only when it commits). Guarded by the coordinator's thread.
 */
final class TransactionMetadata {
    final String transactionalId;
    long producerId;
    short epoch;
    int timeoutMs;
    TransactionState state;
    /** When the current transaction started (its first partition or group), for the timeout. */
    long startMs;
    long lastUpdateMs;
    final Set<TopicPartition> partitions = new LinkedHashSet<>();
    /** Offsets per group, committed inside the transaction (TxnOffsetCommit), pending until it commits. */
    final Map<String, Map<TopicPartition, CommittedOffset>> pendingOffsets = new LinkedHashMap<>();

    TransactionMetadata(String transactionalId, long producerId, short epoch, int timeoutMs, TransactionState state,
                        long nowMs) {
        this.transactionalId = transactionalId;
        this.producerId = producerId;
        this.epoch = epoch;
        this.timeoutMs = timeoutMs;
        this.state = state;
        this.startMs = -1;
        this.lastUpdateMs = nowMs;
    }

    /** A copy to write, so the log thread never sees a later change half made. */
    TransactionMetadata copy() {
        TransactionMetadata copy = new TransactionMetadata(transactionalId, producerId, epoch, timeoutMs, state,
                lastUpdateMs);
        copy.startMs = startMs;
        copy.partitions.addAll(partitions);
        pendingOffsets.forEach((group, offsets) -> copy.pendingOffsets.put(group, new LinkedHashMap<>(offsets)));
        return copy;
    }

    /** Begins a transaction if none is open. */
    void ensureOngoing(long nowMs) {
        if (state != TransactionState.ONGOING) {
            state = TransactionState.ONGOING;
            startMs = nowMs;
            partitions.clear();
            pendingOffsets.clear();
        }
    }

    boolean timedOut(long nowMs) {
        return state == TransactionState.ONGOING && startMs >= 0 && nowMs - startMs > timeoutMs;
    }
}
