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
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Uuid;
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
 * request waits, up to {@code max.wait.ms}, for an append to one of its partitions.
 *
 * <p>Fetch sessions (KIP-227, v7+) as Kafka keeps them: a full request with epoch 0 opens a session
 * ({@link FetchSessionCache}) and is answered with its id and every partition; later requests carry the id and the
 * next epoch, name only the partitions whose position changed (and the ones to forget), and are answered with the
 * partitions that have news only ({@link FetchSession}). An unknown session id gets FETCH_SESSION_ID_NOT_FOUND, a
 * wrong epoch INVALID_FETCH_SESSION_EPOCH, after which clients send a full request again. Epoch -1 is a full fetch
 * without a session (and closes the named one). A partition of a session without news costs no allocation, so an
 * idle consumer's long poll on many partitions is cheap.
 *
 * <p>A response carries at most {@code fetch.max.bytes} of records (broker default 55 MB) whatever the request's
 * {@code max_bytes} says, as Kafka bounds it, and a partition named twice in one request is answered once (the
 * first time), so no request can make the response outgrow its int32 size prefix.
 */
final class FetchHandler {
    private final LogManager logs;
    private final int fetchMaxBytes;
    private final FetchSessionCache sessions;

    FetchHandler(LogManager logs, int fetchMaxBytes, FetchSessionCache sessions) {
        this.logs = logs;
        this.fetchMaxBytes = fetchMaxBytes;
        this.sessions = sessions;
    }

    CompletionStage<AbstractResponse> handle(ClientRequest request, AbstractRequest body) {
        FetchRequestData data = ((FetchRequest) body).data();
        boolean byId = request.version() >= 13;
        int epoch = data.sessionEpoch();
        FetchSession session;
        boolean incremental;
        if (epoch == FetchMetadata.INITIAL_EPOCH || epoch == FetchMetadata.FINAL_EPOCH) {
            if (data.sessionId() != FetchMetadata.INVALID_SESSION_ID
                    && sessions.get(data.sessionId(), request.connection()) != null) {
                sessions.remove(data.sessionId());
            }
            FetchSession created = epoch == FetchMetadata.INITIAL_EPOCH && request.version() >= 7
                    ? sessions.create(partitionCount(data), byId, request.connection(), request.context()) : null;
            session = created != null ? created : new FetchSession(FetchMetadata.INVALID_SESSION_ID, byId,
                    request.connection(), null, 0);
            for (FetchRequestData.FetchTopic topic : data.topics()) {
                Object key = byId ? topic.topicId() : topic.topic();
                for (FetchRequestData.FetchPartition p : topic.partitions()) {
                    if (!session.has(key, p.partition())) {
                        session.update(key, p.partition(), p.fetchOffset(), p.partitionMaxBytes());
                    }
                }
            }
            incremental = false;
        } else {
            session = sessions.get(data.sessionId(), request.connection());
            if (session == null) {
                return error(Errors.FETCH_SESSION_ID_NOT_FOUND);
            }
            if (session.epoch != epoch) {
                return error(Errors.INVALID_FETCH_SESSION_EPOCH);
            }
            if (session.usesTopicIds != byId) {
                return error(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
            }
            session.epoch = FetchMetadata.nextEpoch(epoch);
            for (FetchRequestData.FetchTopic topic : data.topics()) {
                Object key = byId ? topic.topicId() : topic.topic();
                for (FetchRequestData.FetchPartition p : topic.partitions()) {
                    session.update(key, p.partition(), p.fetchOffset(), p.partitionMaxBytes());
                }
            }
            for (FetchRequestData.ForgottenTopic forgotten : data.forgottenTopicsData()) {
                Object key = byId ? forgotten.topicId() : forgotten.topic();
                for (int partition : forgotten.partitions()) {
                    session.forget(key, partition);
                }
            }
            incremental = true;
        }
        PendingFetch fetch = new PendingFetch(request, data, session, incremental);
        Outcome outcome = fetch.read();
        if (data.maxWaitMs() <= 0 || outcome.bytes >= data.minBytes() || outcome.error || session.size() == 0) {
            return CompletableFuture.completedFuture(fetch.complete(outcome));
        }
        return fetch.await(data.maxWaitMs());
    }

    private static int partitionCount(FetchRequestData data) {
        int count = 0;
        for (FetchRequestData.FetchTopic topic : data.topics()) {
            count += topic.partitions().size();
        }
        return count;
    }

    private static CompletionStage<AbstractResponse> error(Errors error) {
        return CompletableFuture.completedFuture(FetchResponse.of(new FetchResponseData().setErrorCode(error.code())
                .setSessionId(FetchMetadata.INVALID_SESSION_ID)));
    }

    /** A partition in a response, with what the session learns once that response is the one sent. */
    private record Served(FetchSession.CachedPartition cached, long highWatermark, long logStartOffset,
                          boolean records, boolean error) {
    }

    private record Outcome(FetchResponseData response, long bytes, boolean error, List<Served> served, int leftOut) {
    }

    /** One fetch request, readable again when an append wakes it. */
    private final class PendingFetch {
        private final ClientRequest request;
        private final FetchRequestData data;
        private final FetchSession session;
        /** Whether the session outlives this request (it is in the cache); otherwise it is this request's alone. */
        private final boolean cached;
        private final boolean incremental;
        private final CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        private final AtomicBoolean wakeScheduled = new AtomicBoolean();
        private boolean watching;
        private long timer = -1;

        PendingFetch(ClientRequest request, FetchRequestData data, FetchSession session, boolean incremental) {
            this.request = request;
            this.data = data;
            this.session = session;
            this.cached = session.id != FetchMetadata.INVALID_SESSION_ID;
            this.incremental = incremental;
            this.watching = cached;
        }

        private PartitionLog resolve(FetchSession.CachedPartition p) {
            Topic topic = p.topic instanceof Uuid id ? logs.topic(id) : logs.topic((String) p.topic);
            return topic == null ? null : topic.partition(p.partition);
        }

        Outcome read() {
            boolean readCommitted = data.isolationLevel() == IsolationLevel.READ_COMMITTED.id();
            FetchResponseData response = new FetchResponseData().setSessionId(session.id);
            List<Served> served = new ArrayList<>();
            long remaining = Math.min(data.maxBytes(), fetchMaxBytes);
            long total = 0;
            boolean anyError = false;
            int leftOut = 0;
            Object currentTopic = null;
            FetchResponseData.FetchableTopicResponse topicResponse = null;
            for (FetchSession.CachedPartition p : session.partitions()) {
                PartitionLog log = resolve(p);
                if (watching) {
                    session.watch(p, log);
                }
                if (incremental && log != null && p.fetchOffset == log.logEndOffset()
                        && p.highWatermark == p.fetchOffset && p.logStartOffset == log.logStartOffset()) {
                    leftOut++; // nothing new: no allocation at all for this partition
                    continue;
                }
                FetchResponseData.PartitionData out = new FetchResponseData.PartitionData()
                        .setPartitionIndex(p.partition).setRecords(MemoryRecords.EMPTY);
                boolean records = false;
                boolean error = false;
                if (log == null) {
                    out.setErrorCode((p.topic instanceof Uuid && topicMissing(p) ? Errors.UNKNOWN_TOPIC_ID
                                    : Errors.UNKNOWN_TOPIC_OR_PARTITION).code())
                            .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1);
                    error = true;
                } else {
                    try {
                        int limit = (int) Math.max(0, Math.min(p.maxBytes, remaining));
                        PartitionLog.ReadResult read = limit == 0 && total > 0
                                ? new PartitionLog.ReadResult(null, log.logEndOffset(), log.logStartOffset(),
                                        log.lastStableOffset())
                                : log.read(p.fetchOffset, limit, total == 0, readCommitted);
                        out.setHighWatermark(read.highWatermark()).setLastStableOffset(read.lastStableOffset())
                                .setLogStartOffset(read.logStartOffset());
                        if (readCommitted && read.records() != null) {
                            // the client drops the batches of these producers up to their ABORT markers
                            out.setAbortedTransactions(log.abortedTransactions(p.fetchOffset,
                                    read.lastStableOffset()));
                        }
                        if (read.records() != null) {
                            out.setRecords(read.records());
                            total += read.sizeInBytes();
                            remaining -= read.sizeInBytes();
                            records = true;
                        }
                    } catch (OffsetOutOfRangeException e) {
                        out.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setHighWatermark(log.logEndOffset())
                                .setLastStableOffset(log.logEndOffset()).setLogStartOffset(log.logStartOffset());
                        error = true;
                    }
                }
                if (incremental && !records && !error && out.highWatermark() == p.highWatermark
                        && out.logStartOffset() == p.logStartOffset) {
                    leftOut++;
                    continue;
                }
                anyError |= error;
                served.add(new Served(p, out.highWatermark(), out.logStartOffset(), records, error));
                if (topicResponse == null || !currentTopic.equals(p.topic)) {
                    currentTopic = p.topic;
                    topicResponse = new FetchResponseData.FetchableTopicResponse()
                            .setTopic(p.topic instanceof String name ? name : "")
                            .setTopicId(p.topic instanceof Uuid id ? id : Uuid.ZERO_UUID);
                    response.responses().add(topicResponse);
                }
                topicResponse.partitions().add(out);
            }
            return new Outcome(response, total, anyError, served, leftOut);
        }

        private boolean topicMissing(FetchSession.CachedPartition p) {
            return logs.topic((Uuid) p.topic) == null;
        }

        /** Runs on the connection's event loop, like the first read. */
        CompletionStage<AbstractResponse> await(long maxWaitMs) {
            Context context = request.context();
            timer = context.owner().setTimer(maxWaitMs, id -> finish(read()));
            session.waitForAppends(this::wake);
            watching = true;
            sessions.fetchWaits(true);
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
                finish(outcome);
            }
        }

        private void finish(Outcome outcome) {
            if (result.isDone()) {
                return;
            }
            if (timer >= 0) {
                request.context().owner().cancelTimer(timer);
                sessions.fetchWaits(false);
            }
            result.complete(complete(outcome));
        }

        /** The response to send: the session now remembers what it told the client. */
        FetchResponse complete(Outcome outcome) {
            session.waitForAppends(null);
            if (!cached) {
                session.close();
            } else {
                for (Served s : outcome.served) {
                    s.cached().highWatermark = s.error() ? -1 : s.highWatermark();
                    s.cached().logStartOffset = s.logStartOffset();
                    if (s.records()) {
                        session.rotate(s.cached());
                    }
                }
                if (incremental) {
                    sessions.countIncremental(outcome.leftOut);
                }
            }
            return FetchResponse.of(outcome.response);
        }
    }
}
