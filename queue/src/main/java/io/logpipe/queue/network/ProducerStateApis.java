package io.logpipe.queue.network;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition side of transactions as administrators reach it, what {@code kafka-transactions find-hanging} and
 * {@code abort} use: DescribeProducers reports each partition's producers and where their open transactions start;
 * WriteTxnMarkers writes the COMMIT or ABORT marker an admin asks for (Kafka's brokers also use it among themselves;
 * here the transaction coordinator writes its own markers directly). A marker ends the producer's open transaction in
 * that partition whatever the coordinator knows, which is how a hanging transaction (data in a partition its
 * coordinator never learned of, or lost) stops holding back the last stable offset.
 */
final class ProducerStateApis {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerStateApis.class);

    private final LogManager logs;

    ProducerStateApis(LogManager logs) {
        this.logs = logs;
    }

    CompletionStage<AbstractResponse> describeProducers(ClientRequest request, AbstractRequest body) {
        DescribeProducersRequestData data = ((DescribeProducersRequest) body).data();
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest topic : data.topics()) {
            DescribeProducersResponseData.TopicResponse out =
                    new DescribeProducersResponseData.TopicResponse().setName(topic.name());
            for (int partition : topic.partitionIndexes()) {
                DescribeProducersResponseData.PartitionResponse p =
                        new DescribeProducersResponseData.PartitionResponse().setPartitionIndex(partition);
                PartitionLog log = logs.log(new TopicPartition(topic.name(), partition));
                if (log == null) {
                    p.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else {
                    for (PartitionLog.ActiveProducer producer : log.activeProducers()) {
                        p.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                                .setProducerId(producer.producerId()).setProducerEpoch(producer.epoch())
                                .setLastSequence(producer.lastSequence()).setLastTimestamp(producer.lastTimestamp())
                                .setCoordinatorEpoch(producer.coordinatorEpoch())
                                .setCurrentTxnStartOffset(producer.currentTxnStartOffset()));
                    }
                }
                out.partitions().add(p);
            }
            response.topics().add(out);
        }
        return CompletableFuture.completedFuture(new DescribeProducersResponse(response));
    }

    CompletionStage<AbstractResponse> writeTxnMarkers(ClientRequest request, AbstractRequest body) {
        WriteTxnMarkersRequestData data = ((WriteTxnMarkersRequest) body).data();
        WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
        for (WriteTxnMarkersRequestData.WritableTxnMarker marker : data.markers()) {
            WriteTxnMarkersResponseData.WritableTxnMarkerResult result =
                    new WriteTxnMarkersResponseData.WritableTxnMarkerResult().setProducerId(marker.producerId());
            ControlRecordType type = marker.transactionResult() ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
            for (WriteTxnMarkersRequestData.WritableTxnMarkerTopic topic : marker.topics()) {
                WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult topicResult =
                        new WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult().setName(topic.name());
                for (int partition : topic.partitionIndexes()) {
                    TopicPartition tp = new TopicPartition(topic.name(), partition);
                    topicResult.partitions().add(new WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult()
                            .setPartitionIndex(partition)
                            .setErrorCode(write(request, tp, marker, type).code()));
                }
                result.topics().add(topicResult);
            }
            response.markers().add(result);
        }
        return CompletableFuture.completedFuture(new WriteTxnMarkersResponse(response));
    }

    private Errors write(ClientRequest request, TopicPartition tp, WriteTxnMarkersRequestData.WritableTxnMarker marker,
                         ControlRecordType type) {
        PartitionLog log = logs.log(tp);
        if (log == null) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        try {
            long offset = log.writeTxnMarker(marker.producerId(), marker.producerEpoch(), type,
                    marker.coordinatorEpoch(), System.currentTimeMillis());
            // an operator ends a transaction by hand: worth a line in the broker's log
            LOG.info("{}: {} marker of producer {} epoch {} written at offset {} for {}", tp, type,
                    marker.producerId(), marker.producerEpoch(), offset, request.connection());
            return Errors.NONE;
        } catch (KafkaStorageException e) {
            return Errors.KAFKA_STORAGE_ERROR; // the log dir said why when it went offline
        } catch (ApiException e) {
            LOG.warn("{}: {} marker of producer {} epoch {} from {} refused: {}", tp, type, marker.producerId(),
                    marker.producerEpoch(), request.connection(), e.getMessage());
            return Errors.forException(e);
        } catch (IOException e) {
            LOG.error("{}: writing a {} marker failed: {}", tp, type, e.toString());
            return Errors.KAFKA_STORAGE_ERROR;
        }
    }
}
