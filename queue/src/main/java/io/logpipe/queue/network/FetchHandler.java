package io.logpipe.queue.network;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.log.PartitionLog;
import io.logpipe.queue.log.Topic;
import io.vertx.core.Context;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;

/**
 * Fetch: serves slices of segment files for many partitions per request (the bytes go to the socket as file regions,
 * never decoded), addressing topics by name or, from v13, by id. When less than {@code min.bytes} is ready the
 * request waits, up to {@code max.wait.ms}, for an append to one of its partitions. Fetch sessions are not kept:
 * every response carries session id 0, which tells clients to keep sending full fetch requests.
 *
 * <p>A response carries at most {@code fetch.max.bytes} of records (broker default 55 MB) whatever the request's
 * {@code max_bytes} says, as Kafka bounds it, and a partition named twice in one request is answered once (the
 * first time), so no request can make the response outgrow its int32 size prefix.
 */
final class FetchHandler {
    private final LogManager logs;
    private final int fetchMaxBytes;

    FetchHandler(LogManager logs, int fetchMaxBytes) {
        this.logs = logs;
        this.fetchMaxBytes = fetchMaxBytes;
    }

    CompletionStage<AbstractResponse> handle(ClientRequest request, AbstractRequest body) {
        FetchRequestData data = ((FetchRequest) body).data();
        if (data.sessionId() != FetchMetadata.INVALID_SESSION_ID && data.sessionEpoch() != FetchMetadata.FINAL_EPOCH) {
            FetchResponseData error = new FetchResponseData().setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code())
                    .setSessionId(FetchMetadata.INVALID_SESSION_ID);
            return CompletableFuture.completedFuture(FetchResponse.of(error));
        }
        PendingFetch fetch = new PendingFetch(request, data);
        Outcome outcome = fetch.read();
        if (data.maxWaitMs() <= 0 || outcome.bytes >= data.minBytes() || outcome.error || outcome.partitions.isEmpty()) {
            return CompletableFuture.completedFuture(FetchResponse.of(outcome.response));
        }
        return fetch.await(data.maxWaitMs(), outcome.partitions());
    }

    private record Outcome(FetchResponseData response, long bytes, boolean error, List<PartitionLog> partitions) {
    }

    /** One fetch request, readable again when an append wakes it. */
    private final class PendingFetch {
        private final ClientRequest request;
        private final FetchRequestData data;
        private final boolean byId;
        private final CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        private final AtomicBoolean wakeScheduled = new AtomicBoolean();
        private final Runnable onAppend = this::wake;
        private List<PartitionLog> watched = List.of();
        private long timer = -1;

        PendingFetch(ClientRequest request, FetchRequestData data) {
            this.request = request;
            this.data = data;
            this.byId = request.version() >= 13;
        }

        Outcome read() {
            FetchResponseData response = new FetchResponseData().setSessionId(FetchMetadata.INVALID_SESSION_ID);
            List<PartitionLog> partitions = new ArrayList<>();
            long remaining = Math.min(data.maxBytes(), fetchMaxBytes);
            long total = 0;
            boolean anyError = false;
            java.util.Set<Object> seen = new java.util.HashSet<>();
            for (FetchRequestData.FetchTopic wanted : data.topics()) {
                Topic topic = byId ? logs.topic(wanted.topicId()) : logs.topic(wanted.topic());
                FetchResponseData.FetchableTopicResponse topicResponse = new FetchResponseData.FetchableTopicResponse()
                        .setTopic(byId ? "" : wanted.topic()).setTopicId(wanted.topicId());
                for (FetchRequestData.FetchPartition p : wanted.partitions()) {
                    if (!seen.add(java.util.List.of(byId ? wanted.topicId() : wanted.topic(), p.partition()))) {
                        continue;
                    }
                    FetchResponseData.PartitionData out = new FetchResponseData.PartitionData()
                            .setPartitionIndex(p.partition()).setRecords(MemoryRecords.EMPTY);
                    PartitionLog log = topic == null ? null : topic.partition(p.partition());
                    if (log == null) {
                        out.setErrorCode((topic == null && byId ? Errors.UNKNOWN_TOPIC_ID
                                : Errors.UNKNOWN_TOPIC_OR_PARTITION).code())
                                .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1);
                        anyError = true;
                    } else {
                        partitions.add(log);
                        try {
                            int limit = (int) Math.max(0, Math.min(p.partitionMaxBytes(), remaining));
                            PartitionLog.ReadResult read = limit == 0 && total > 0
                                    ? new PartitionLog.ReadResult(null, log.logEndOffset(), log.logStartOffset())
                                    : log.read(p.fetchOffset(), limit, total == 0);
                            out.setHighWatermark(read.highWatermark()).setLastStableOffset(read.highWatermark())
                                    .setLogStartOffset(read.logStartOffset());
                            if (read.records() != null) {
                                out.setRecords(read.records());
                                total += read.sizeInBytes();
                                remaining -= read.sizeInBytes();
                            }
                        } catch (OffsetOutOfRangeException e) {
                            out.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setHighWatermark(log.logEndOffset())
                                    .setLastStableOffset(log.logEndOffset()).setLogStartOffset(log.logStartOffset());
                            anyError = true;
                        }
                    }
                    topicResponse.partitions().add(out);
                }
                if (!topicResponse.partitions().isEmpty()) {
                    response.responses().add(topicResponse);
                }
            }
            return new Outcome(response, total, anyError, partitions);
        }

        /** Runs on the connection's event loop, like the first read. */
        CompletionStage<AbstractResponse> await(long maxWaitMs, List<PartitionLog> partitions) {
            Context context = request.context();
            timer = context.owner().setTimer(maxWaitMs, id -> complete(read()));
            watched = partitions;
            for (PartitionLog log : watched) {
                log.addAppendListener(onAppend);
            }
            // An append may have landed between the first read and the registration.
            tryComplete();
            return result;
        }

        /** Called on the appending thread: hop to the connection's event loop, once per burst of appends. */
        private void wake() {
            if (wakeScheduled.compareAndSet(false, true)) {
                request.context().runOnContext(v -> {
                    wakeScheduled.set(false);
                    tryComplete();
                });
            }
        }

        private void tryComplete() {
            if (result.isDone()) {
                return;
            }
            Outcome outcome = read();
            if (outcome.bytes >= data.minBytes() || outcome.error) {
                complete(outcome);
            }
        }

        private void complete(Outcome outcome) {
            if (result.isDone()) {
                return;
            }
            for (PartitionLog log : watched) {
                log.removeAppendListener(onAppend);
            }
            if (timer >= 0) {
                request.context().owner().cancelTimer(timer);
            }
            result.complete(FetchResponse.of(outcome.response));
        }
    }
}
