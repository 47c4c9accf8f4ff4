package io.logpipe.queue.network;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.log.PartitionLog;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;

/** ListOffsets: the earliest and latest (the last stable offset for read_committed) offsets, the record with the largest timestamp, or the first at a time. */
final class ListOffsetsHandler {
    private final LogManager logs;

    ListOffsetsHandler(LogManager logs) {
        this.logs = logs;
    }

    CompletionStage<AbstractResponse> handle(ClientRequest request, AbstractRequest body) {
        ListOffsetsRequestData data = ((ListOffsetsRequest) body).data();
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        for (ListOffsetsRequestData.ListOffsetsTopic topic : data.topics()) {
            ListOffsetsResponseData.ListOffsetsTopicResponse topicResponse =
                    new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name());
            for (ListOffsetsRequestData.ListOffsetsPartition partition : topic.partitions()) {
                topicResponse.partitions().add(lookup(new TopicPartition(topic.name(), partition.partitionIndex()),
                        partition.timestamp(), data.isolationLevel() == IsolationLevel.READ_COMMITTED.id()));
            }
            response.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(new ListOffsetsResponse(response));
    }

    private ListOffsetsResponseData.ListOffsetsPartitionResponse lookup(TopicPartition tp, long timestamp,
                                                                        boolean readCommitted) {
        ListOffsetsResponseData.ListOffsetsPartitionResponse out = new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                .setPartitionIndex(tp.partition()).setLeaderEpoch(RecordBatch.NO_PARTITION_LEADER_EPOCH)
                .setTimestamp(ListOffsetsResponse.UNKNOWN_TIMESTAMP).setOffset(ListOffsetsResponse.UNKNOWN_OFFSET);
        PartitionLog log = logs.log(tp);
        if (log == null) {
            return out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            // read_committed: the last stable offset, below which every transaction has ended
            return out.setOffset(readCommitted ? log.lastStableOffset() : log.logEndOffset());
        }
        if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            return out.setOffset(log.logStartOffset());
        }
        if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
            FileRecords.TimestampAndOffset max = log.maxTimestampAndOffset();
            return max == null ? out : out.setTimestamp(max.timestamp).setOffset(max.offset);
        }
        if (timestamp < 0) {
            // Tiered-storage lookups (-5 and below): nothing is tiered here.
            return out;
        }
        FileRecords.TimestampAndOffset found = log.offsetForTimestamp(timestamp);
        return found == null ? out : out.setTimestamp(found.timestamp).setOffset(found.offset);
    }
}
