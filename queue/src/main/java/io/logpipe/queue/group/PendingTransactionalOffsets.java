package io.logpipe.queue.group;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;

/**
 * KIP-447: the partitions of each group that an open transaction has committed offsets for (TxnOffsetCommit) and
 * that are not decided yet. OffsetFetch with {@code require_stable} answers UNSTABLE_OFFSET_COMMIT for them, so a
 * consumer taking over a partition retries until the transaction ends instead of starting from the offset before it.
 *
 * <p>Invariant: a transactional id is here exactly while its transaction holds offsets that are neither committed to
 * the group nor dropped; the transaction coordinator adds it after storing the TxnOffsetCommit and removes it only
 * after a commit's offsets are the group's (so a fetch never sees neither). Guarded by the state machine's lock.
 */
final class PendingTransactionalOffsets {
    /** Group id to transactional id to the partitions it holds offsets for. */
    private final Map<String, Map<String, Set<TopicPartition>>> byGroup = new HashMap<>();

    void add(String transactionalId, String groupId, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            byGroup.computeIfAbsent(groupId, g -> new HashMap<>())
                    .computeIfAbsent(transactionalId, t -> new LinkedHashSet<>()).addAll(partitions);
        }
    }

    /** The transaction of {@code transactionalId} ended: its offsets are committed to their groups or dropped. */
    void remove(String transactionalId) {
        byGroup.values().removeIf(transactions -> {
            transactions.remove(transactionalId);
            return transactions.isEmpty();
        });
    }

    boolean isPending(String groupId, TopicPartition partition) {
        Map<String, Set<TopicPartition>> transactions = byGroup.get(groupId);
        return transactions != null && transactions.values().stream().anyMatch(p -> p.contains(partition));
    }
}
