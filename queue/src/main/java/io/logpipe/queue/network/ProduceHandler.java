package io.logpipe.queue.network;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.log.BatchValidator;
import io.logpipe.queue.log.PartitionLog;
import io.logpipe.queue.log.Topic;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce: validates each partition's batches as Kafka's LogValidator does ({@link BatchValidator}: whole v2 batches,
 * CRC, {@code message.max.bytes}, every record decoded and matched against its header, {@code maxTimestamp} taken from
 * the records), dedupes idempotent retries and appends them. With one replica, acks=1 and acks=all are answered once the bytes are in
 * the log (the page cache; {@code log.flush.interval.*} adds fsyncs); acks=0 gets no answer. An append that
 * {@code log.flush.interval.messages} makes due for an fsync is answered once the log's flusher has done it, so the
 * event loop hands the fsync over instead of waiting for the disk.
 */
final class ProduceHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProduceHandler.class);
    private final LogManager logs;
    private final int maxBatchBytes;

    ProduceHandler(LogManager logs, int maxBatchBytes) {
        this.logs = logs;
        this.maxBatchBytes = maxBatchBytes;
    }

    CompletionStage<AbstractResponse> handle(ClientRequest request, AbstractRequest body) {
        ProduceRequestData data = ((ProduceRequest) body).data();
        boolean byId = request.version() >= 13;
        ProduceResponseData response = new ProduceResponseData();
        List<CompletableFuture<Void>> fsyncs = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topicData : data.topicData()) {
            Topic topic = byId ? logs.topic(topicData.topicId()) : logs.topic(topicData.name());
            ProduceResponseData.TopicProduceResponse topicResponse = new ProduceResponseData.TopicProduceResponse()
                    .setName(byId ? "" : topicData.name()).setTopicId(topicData.topicId());
            for (ProduceRequestData.PartitionProduceData partitionData : topicData.partitionData()) {
                ProduceResponseData.PartitionProduceResponse result = new ProduceResponseData.PartitionProduceResponse()
                        .setIndex(partitionData.index()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                PartitionLog log = topic == null ? null : topic.partition(partitionData.index());
                if (log == null) {
                    Errors error = topic == null && byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                    result.setErrorCode(error.code());
                } else {
                    CompletableFuture<Void> fsync = append(request, log, partitionData, result);
                    if (!fsync.isDone() || fsync.isCompletedExceptionally()) {
                        fsyncs.add(fsync.handle((ok, failed) -> {
                            if (failed != null) {
                                // the log dir said why when it went offline
                                LOG.debug("fsync for a produce to {} from {} failed: {}", log, request.connection(),
                                        failed.toString());
                                result.setBaseOffset(-1).setLogStartOffset(-1)
                                        .setErrorCode(Errors.KAFKA_STORAGE_ERROR.code())
                                        .setErrorMessage(failed.getMessage());
                            }
                            return null;
                        }));
                    }
                }
                topicResponse.partitionResponses().add(result);
            }
            response.responses().add(topicResponse);
        }
        if (data.acks() == 0) {
            return CompletableFuture.completedFuture(null);
        }
        if (fsyncs.isEmpty()) {
            return CompletableFuture.completedFuture(new ProduceResponse(response));
        }
        return CompletableFuture.allOf(fsyncs.toArray(CompletableFuture[]::new))
                .thenApply(done -> new ProduceResponse(response));
    }

    /** Appends one partition's batches into {@code result}; returns the fsync the answer must wait for. */
    private CompletableFuture<Void> append(ClientRequest request, PartitionLog log, ProduceRequestData.PartitionProduceData partitionData,
                        ProduceResponseData.PartitionProduceResponse result) {
        MemoryRecords records = partitionData.records() instanceof MemoryRecords m ? m : MemoryRecords.EMPTY;
        try {
            PartitionLog.AppendResult appended = log.append(BatchValidator.validate(records, maxBatchBytes));
            result.setBaseOffset(appended.firstOffset()).setLogStartOffset(log.logStartOffset());
            return appended.flushed();
        } catch (KafkaStorageException e) {
            // the log dir said why once, when it went offline; one line per refused request would flood the log
            LOG.debug("produce to {} from {} refused: {}", log, request.connection(), e.getMessage());
            result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
        } catch (ApiException e) {
            Errors error = Errors.forException(e);
            LOG.warn("produce to {} from {} refused with {}: {}", log, request.connection(), error.name(), e.getMessage());
            result.setErrorCode(error.code()).setErrorMessage(e.getMessage());
        } catch (IOException e) {
            LOG.error("produce to {} failed writing to disk: {}", log, e.toString());
            result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
        }
        return CompletableFuture.completedFuture(null);
    }
}
