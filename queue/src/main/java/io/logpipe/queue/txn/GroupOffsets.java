package io.logpipe.queue.txn;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;

import io.logpipe.queue.group.CommittedOffset;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * What the transaction coordinator needs of the group coordinator for offsets committed inside a transaction: the
 * KIP-447 check of the committing consumer's group metadata, the offsets pending until the transaction ends (which
 * OffsetFetch with require_stable reports as unstable), and the commit of those offsets, stored before returning.
 */
public interface GroupOffsets {
    /** NONE when a TxnOffsetCommit of this member, instance and generation may commit, else Kafka's error. */
    Errors validate(String groupId, String memberId, String groupInstanceId, int generationId);

    /** {@code transactionalId}'s open transaction now holds offsets of {@code partitions} for {@code groupId}. */
    void pending(String transactionalId, String groupId, Collection<TopicPartition> partitions);

    /** Makes a committed transaction's offsets the group's committed offsets, durably. */
    void commit(String groupId, Map<TopicPartition, CommittedOffset> offsets) throws IOException;

    /** {@code transactionalId}'s transaction ended (after {@link #commit} for a commit): none of its offsets pend. */
    void ended(String transactionalId);
}
