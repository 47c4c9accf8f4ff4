package io.logpipe.queue.group;

import java.util.Collection;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;

/** One change of committed offsets as the {@link OffsetStore} writes it: the coordinator's records to persist. */
sealed interface OffsetRecord {
    String groupId();

    /** Offsets committed by a group (one OffsetCommit request: recovered whole or not at all). */
    record Commit(String groupId, String protocolType, Map<TopicPartition, CommittedOffset> offsets)
            implements OffsetRecord {
    }

    /** Offsets removed: deleted by an admin, expired, or of a deleted topic. */
    record Delete(String groupId, Collection<TopicPartition> partitions) implements OffsetRecord {
    }

    /** The group removed with all its offsets. */
    record DeleteGroup(String groupId) implements OffsetRecord {
    }
}
