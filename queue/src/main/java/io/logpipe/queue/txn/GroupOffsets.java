package io.logpipe.queue.txn;

import java.io.IOException;
import java.util.Map;

import io.logpipe.queue.group.CommittedOffset;
import org.apache.kafka.common.TopicPartition;

/** Where a committed transaction's group offsets go: the group coordinator, which stores them before returning. */
public interface GroupOffsets {
    void commit(String groupId, Map<TopicPartition, CommittedOffset> offsets) throws IOException;
}
