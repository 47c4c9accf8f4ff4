package io.logpipe.queue.network;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.log.Topic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;

/**
 * Metadata and DescribeCluster: one broker, leader of every partition, topic ids included. Unknown topics are
 * created with {@code num.partitions} when the client allows it and {@code auto.create.topics.enable} is on.
 * Leader epochs are reported as unknown (-1): with one replica there is no leader change to fence, and clients then
 * skip OffsetsForLeaderEpoch validation.
 */
final class MetadataHandler {
    private final BrokerConfig config;
    private final LogManager logs;
    private final BrokerEndpoint self;

    MetadataHandler(BrokerConfig config, LogManager logs, BrokerEndpoint self) {
        this.config = config;
        this.logs = logs;
        this.self = self;
    }

    CompletionStage<AbstractResponse> metadata(ClientRequest request, AbstractRequest body) throws IOException {
        MetadataRequest metadata = (MetadataRequest) body;
        MetadataRequestData data = metadata.data();
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(logs.clusterId())
                .setControllerId(self.nodeId());
        response.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                .setNodeId(self.nodeId()).setHost(self.host()).setPort(self.port()));
        if (metadata.isAllTopics()) {
            for (Topic topic : logs.topics()) {
                response.topics().add(describe(topic));
            }
        } else {
            boolean mayCreate = config.autoCreateTopics() && (request.version() < 4 || data.allowAutoTopicCreation());
            for (MetadataRequestData.MetadataRequestTopic wanted : data.topics()) {
                response.topics().add(lookup(wanted, mayCreate));
            }
        }
        return CompletableFuture.completedFuture(new MetadataResponse(response, request.version()));
    }

    private MetadataResponseData.MetadataResponseTopic lookup(MetadataRequestData.MetadataRequestTopic wanted,
                                                              boolean mayCreate) throws IOException {
        if (wanted.name() == null && wanted.topicId() != null && !Uuid.ZERO_UUID.equals(wanted.topicId())) {
            Topic topic = logs.topic(wanted.topicId());
            if (topic == null) {
                return new MetadataResponseData.MetadataResponseTopic().setTopicId(wanted.topicId())
                        .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
            }
            return describe(topic);
        }
        String name = wanted.name();
        Topic topic = logs.topic(name);
        if (topic == null && mayCreate) {
            try {
                topic = logs.createTopic(name, config.numPartitions());
            } catch (TopicExistsException e) {
                topic = logs.topic(name);
            } catch (InvalidTopicException e) {
                return new MetadataResponseData.MetadataResponseTopic().setName(name)
                        .setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
            }
        }
        if (topic == null) {
            return new MetadataResponseData.MetadataResponseTopic().setName(name)
                    .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        return describe(topic);
    }

    private MetadataResponseData.MetadataResponseTopic describe(Topic topic) {
        List<MetadataResponseData.MetadataResponsePartition> partitions = new ArrayList<>();
        List<Integer> replicas = List.of(self.nodeId());
        for (int p = 0; p < topic.partitions().size(); p++) {
            partitions.add(new MetadataResponseData.MetadataResponsePartition()
                    .setPartitionIndex(p)
                    .setLeaderId(self.nodeId())
                    .setLeaderEpoch(RecordBatch.NO_PARTITION_LEADER_EPOCH)
                    .setReplicaNodes(replicas)
                    .setIsrNodes(replicas)
                    .setOfflineReplicas(List.of()));
        }
        return new MetadataResponseData.MetadataResponseTopic()
                .setName(topic.name())
                .setTopicId(topic.id())
                .setIsInternal(false)
                .setPartitions(partitions);
    }

    CompletionStage<AbstractResponse> describeCluster(ClientRequest request, AbstractRequest body) {
        DescribeClusterRequest describe = (DescribeClusterRequest) body;
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setClusterId(logs.clusterId())
                .setControllerId(self.nodeId())
                .setEndpointType(describe.data().endpointType());
        if (describe.data().endpointType() == 2) {
            // A request for controllers: this broker is no KRaft controller endpoint.
            response.setErrorCode(Errors.MISMATCHED_ENDPOINT_TYPE.code())
                    .setErrorMessage("this broker is not a controller endpoint");
        } else {
            response.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker()
                    .setBrokerId(self.nodeId()).setHost(self.host()).setPort(self.port()));
        }
        return CompletableFuture.completedFuture(new DescribeClusterResponse(response));
    }

}
