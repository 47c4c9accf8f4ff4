package io.logpipe.queue.txn;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import io.logpipe.queue.group.CommittedOffset;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.log.PartitionLog;
import io.logpipe.queue.log.ProducerIdManager;
import io.logpipe.queue.network.ApiHandler;
import io.logpipe.queue.network.BrokerEndpoint;
import io.logpipe.queue.network.ClientRequest;
import io.logpipe.queue.network.KafkaApis;
import io.logpipe.queue.util.Supervised;
import io.vertx.core.Context;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.ListTransactionsResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator of this single broker (KIP-98, the classic protocol "transaction version 1" that
 * kafka-clients and librdkafka use against a broker that does not finalize {@code transaction.version} 2).
 *
 * <p>Every state change runs on one thread, which also writes the {@link TransactionLog} and the markers: a change
 * is in the log (fsynced) before the request is answered, and no disk work blocks an event loop; answers complete on
 * the requesting connection's context. EndTxn is decided durably (PrepareCommit/PrepareAbort), then COMMIT or ABORT
 * markers go into every partition of the transaction, the group offsets of a commit into the group coordinator, and
 * the transaction is CompleteCommit/CompleteAbort before EndTxn is answered. A transaction found preparing at start
 * (the broker died between decision and markers) is completed then; an ongoing one is aborted once its timeout
 * passes, like any other, with the producer's epoch bumped so a producer that comes back is fenced.
 *
 * <p>Fencing: InitProducerId for a transactional id bumps its epoch (aborting a transaction the previous instance
 * left open, with the new epoch, which also fences the old epoch in each partition); any later request with an
 * older epoch gets PRODUCER_FENCED, as from Kafka.
 *
 * <p>Group offsets (KIP-447): a TxnOffsetCommit is checked against the group's membership and generation by the
 * group coordinator ({@link GroupOffsets#validate}), so a zombie processor cannot commit offsets of partitions it
 * lost; accepted offsets pend in the group coordinator from the moment they are stored here until the transaction's
 * completion is stored (a commit's offsets are the group's before they stop pending).
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionCoordinator.class);
    /** The last version of AddPartitionsToTxn clients send (v4+ are broker-to-broker verification). */
    private static final short ADD_PARTITIONS_MAX_CLIENT_VERSION = 3;
    /** EndTxn v5 belongs to transaction version 2, which this coordinator does not offer. */
    private static final short END_TXN_MAX_VERSION = 4;

    private final LogManager logs;
    private final ProducerIdManager producerIds;
    private final GroupOffsets groupOffsets;
    private final int maxTimeoutMs;
    private final LongSupplier clock;
    private final TransactionLog log;
    private final Map<String, TransactionMetadata> transactions;
    private final ScheduledExecutorService thread;

    private TransactionCoordinator(LogManager logs, GroupOffsets groupOffsets, int maxTimeoutMs, LongSupplier clock,
                                   TransactionLog log, Map<String, TransactionMetadata> transactions) {
        this.logs = logs;
        this.producerIds = logs.producerIds();
        this.groupOffsets = groupOffsets;
        this.maxTimeoutMs = maxTimeoutMs;
        this.clock = clock;
        this.log = log;
        this.transactions = transactions;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "transaction-coordinator");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Recovers the transactions from {@code dir} (the first log dir), completes those that were deciding when the broker
     * stopped, and checks open ones against their timeout every {@code abortCheckIntervalMs}.
     */
    public static TransactionCoordinator open(java.nio.file.Path dir, LogManager logs, GroupOffsets groupOffsets,
                                              int maxTimeoutMs, long abortCheckIntervalMs, LongSupplier clock)
            throws IOException {
        Map<String, TransactionMetadata> loaded = new LinkedHashMap<>();
        TransactionLog log = TransactionLog.open(dir, loaded);
        TransactionCoordinator coordinator = new TransactionCoordinator(logs, groupOffsets, maxTimeoutMs, clock, log,
                loaded);
        for (TransactionMetadata txn : loaded.values()) {
            // offsets of transactions open or deciding at the stop stay unstable until they end
            txn.pendingOffsets.forEach((group, offsets) ->
                    groupOffsets.pending(txn.transactionalId, group, offsets.keySet()));
        }
        coordinator.thread.execute(Supervised.task("transaction recovery", coordinator::completePrepared));
        coordinator.thread.scheduleWithFixedDelay(Supervised.task("transaction timeouts", coordinator::abortExpired),
                abortCheckIntervalMs, abortCheckIntervalMs, TimeUnit.MILLISECONDS);
        return coordinator;
    }

    /**
     * Registers the transaction APIs and puts the TRANSACTION key type of FindCoordinator and transactional
     * InitProducerId in front of the group and idempotent handlers already registered.
     */
    public void registerWith(KafkaApis apis, BrokerEndpoint listener) {
        apis.intercept(ApiKeys.FIND_COORDINATOR, groups -> (request, body) -> findCoordinator(listener, groups,
                request, body));
        apis.intercept(ApiKeys.INIT_PRODUCER_ID, idempotent -> (request, body) ->
                ((InitProducerIdRequest) body).data().transactionalId() == null
                        ? idempotent.handle(request, body) : initProducerId(request, body));
        apis.register(ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_PARTITIONS_TO_TXN.oldestVersion(),
                ADD_PARTITIONS_MAX_CLIENT_VERSION, this::addPartitions);
        apis.register(ApiKeys.ADD_OFFSETS_TO_TXN, this::addOffsets);
        apis.register(ApiKeys.END_TXN, ApiKeys.END_TXN.oldestVersion(), END_TXN_MAX_VERSION, this::endTxn);
        apis.register(ApiKeys.TXN_OFFSET_COMMIT, this::txnOffsetCommit);
        apis.register(ApiKeys.DESCRIBE_TRANSACTIONS, this::describeTransactions);
        apis.register(ApiKeys.LIST_TRANSACTIONS, this::listTransactions);
    }

    // ---- requests ----

    private CompletionStage<AbstractResponse> findCoordinator(BrokerEndpoint listener, ApiHandler groups,
            ClientRequest request, AbstractRequest body) throws Exception {
        FindCoordinatorRequestData data = ((FindCoordinatorRequest) body).data();
        if (data.keyType() != FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()) {
            return groups.handle(request, body);
        }
        Node node = new Node(listener.nodeId(), listener.host(), listener.port());
        if (request.version() < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
            return done(FindCoordinatorResponse.prepareOldResponse(Errors.NONE, node));
        }
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        for (String key : data.coordinatorKeys()) {
            response.coordinators().add(FindCoordinatorResponse.prepareCoordinatorResponse(Errors.NONE, key, node));
        }
        return done(new FindCoordinatorResponse(response));
    }

    private CompletionStage<AbstractResponse> initProducerId(ClientRequest request, AbstractRequest body) {
        InitProducerIdRequestData data = ((InitProducerIdRequest) body).data();
        InitProducerIdResponseData response = new InitProducerIdResponseData()
                .setProducerId(RecordBatch.NO_PRODUCER_ID).setProducerEpoch(RecordBatch.NO_PRODUCER_EPOCH);
        if (data.transactionalId().isEmpty()) {
            return done(new InitProducerIdResponse(response.setErrorCode(Errors.INVALID_REQUEST.code())));
        }
        if (data.transactionTimeoutMs() <= 0 || data.transactionTimeoutMs() > maxTimeoutMs) {
            LOG.warn("{}: transactional id '{}' asked for transaction.timeout.ms {}, above transaction.max.timeout.ms"
                    + " {}: refused", request.connection(), data.transactionalId(), data.transactionTimeoutMs(),
                    maxTimeoutMs);
            return done(new InitProducerIdResponse(response.setErrorCode(Errors.INVALID_TRANSACTION_TIMEOUT.code())));
        }
        return onThread(request, () -> {
            long now = clock.getAsLong();
            TransactionMetadata txn = transactions.get(data.transactionalId());
            if (txn == null) {
                txn = new TransactionMetadata(data.transactionalId(), producerIds.nextProducerId(), (short) 0,
                        data.transactionTimeoutMs(), TransactionState.EMPTY, now);
                save(txn);
                LOG.info("transactional id '{}': producer id {} epoch 0", txn.transactionalId, txn.producerId);
            } else {
                if (data.producerId() != RecordBatch.NO_PRODUCER_ID
                        && (data.producerId() != txn.producerId || data.producerEpoch() != txn.epoch)) {
                    return new InitProducerIdResponse(response.setErrorCode(Errors.PRODUCER_FENCED.code()));
                }
                if (txn.state.preparing()) {
                    complete(txn);
                }
                if (txn.state == TransactionState.ONGOING) {
                    // the previous instance left a transaction open: abort it with a higher epoch, fencing the old
                    LOG.info("transactional id '{}': a new producer instance aborts the open transaction of epoch {}",
                            txn.transactionalId, txn.epoch);
                    txn = abortFencing(txn, now);
                    if (txn.state.preparing()) {
                        return new InitProducerIdResponse(response.setErrorCode(
                                Errors.CONCURRENT_TRANSACTIONS.code()));
                    }
                }
                TransactionMetadata next = txn.copy();
                if (next.epoch >= Short.MAX_VALUE - 1) {
                    // epochs exhausted: a new producer id, as Kafka does
                    next.producerId = producerIds.nextProducerId();
                    next.epoch = 0;
                } else {
                    next.epoch++;
                }
                next.timeoutMs = data.transactionTimeoutMs();
                next.lastUpdateMs = now;
                next.state = TransactionState.EMPTY;
                next.partitions.clear();
                next.pendingOffsets.clear();
                save(next);
                txn = next;
            }
            return new InitProducerIdResponse(response.setProducerId(txn.producerId).setProducerEpoch(txn.epoch));
        });
    }

    private CompletionStage<AbstractResponse> addPartitions(ClientRequest request, AbstractRequest body) {
        AddPartitionsToTxnRequestData data = ((AddPartitionsToTxnRequest) body).data();
        List<TopicPartition> partitions = AddPartitionsToTxnRequest.getPartitions(data.v3AndBelowTopics());
        return onThread(request, () -> {
            TransactionMetadata txn = transactions.get(data.v3AndBelowTransactionalId());
            Errors error = check(txn, data.v3AndBelowProducerId(), data.v3AndBelowProducerEpoch());
            Map<TopicPartition, Errors> errors = new HashMap<>();
            if (error == Errors.NONE) {
                for (TopicPartition tp : partitions) {
                    if (logs.log(tp) == null) {
                        errors.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                    }
                }
                if (!errors.isEmpty()) {
                    error = Errors.OPERATION_NOT_ATTEMPTED;
                }
            }
            if (error == Errors.NONE && !(txn.state == TransactionState.ONGOING
                    && txn.partitions.containsAll(partitions))) {
                TransactionMetadata next = txn.copy();
                next.ensureOngoing(clock.getAsLong());
                next.partitions.addAll(partitions);
                next.lastUpdateMs = clock.getAsLong();
                save(next);
            }
            for (TopicPartition tp : partitions) {
                errors.putIfAbsent(tp, error);
            }
            return new AddPartitionsToTxnResponse(new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(
                    AddPartitionsToTxnResponse.resultForTransaction(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID,
                            errors).topicResults()));
        });
    }

    private CompletionStage<AbstractResponse> addOffsets(ClientRequest request, AbstractRequest body) {
        AddOffsetsToTxnRequestData data = ((AddOffsetsToTxnRequest) body).data();
        return onThread(request, () -> {
            TransactionMetadata txn = transactions.get(data.transactionalId());
            Errors error = check(txn, data.producerId(), data.producerEpoch());
            if (error == Errors.NONE && !(txn.state == TransactionState.ONGOING
                    && txn.pendingOffsets.containsKey(data.groupId()))) {
                TransactionMetadata next = txn.copy();
                next.ensureOngoing(clock.getAsLong());
                next.pendingOffsets.putIfAbsent(data.groupId(), new LinkedHashMap<>());
                next.lastUpdateMs = clock.getAsLong();
                save(next);
            }
            return new AddOffsetsToTxnResponse(new AddOffsetsToTxnResponseData().setErrorCode(error.code()));
        });
    }

    private CompletionStage<AbstractResponse> txnOffsetCommit(ClientRequest request, AbstractRequest body) {
        TxnOffsetCommitRequestData data = ((TxnOffsetCommitRequest) body).data();
        return onThread(request, () -> {
            TransactionMetadata txn = transactions.get(data.transactionalId());
            Errors error = check(txn, data.producerId(), data.producerEpoch());
            if (error == Errors.PRODUCER_FENCED) {
                error = Errors.INVALID_PRODUCER_EPOCH; // what Kafka's group coordinator answers a stale epoch
            } else if (error == Errors.NONE && !(txn.state == TransactionState.ONGOING
                    && txn.pendingOffsets.containsKey(data.groupId()))) {
                error = Errors.INVALID_TXN_STATE; // AddOffsetsToTxn comes first
            }
            if (error == Errors.NONE) {
                // KIP-447: a processor that lost its partitions in a rebalance (v3+ carry its group metadata) must
                // not commit their offsets; the producer aborts on these errors
                error = groupOffsets.validate(data.groupId(), data.memberId(), data.groupInstanceId(),
                        data.generationId());
            }
            Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
            Map<TopicPartition, CommittedOffset> offsets = new LinkedHashMap<>();
            long now = clock.getAsLong();
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic : data.topics()) {
                for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : topic.partitions()) {
                    TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                    errors.put(tp, error);
                    offsets.put(tp, new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(),
                            p.committedMetadata() == null ? "" : p.committedMetadata(), now));
                }
            }
            if (error == Errors.NONE) {
                TransactionMetadata next = txn.copy();
                next.pendingOffsets.get(data.groupId()).putAll(offsets);
                next.lastUpdateMs = now;
                save(next);
                groupOffsets.pending(txn.transactionalId, data.groupId(), offsets.keySet());
            }
            return new TxnOffsetCommitResponse(0, errors);
        });
    }

    private CompletionStage<AbstractResponse> endTxn(ClientRequest request, AbstractRequest body) {
        EndTxnRequestData data = ((EndTxnRequest) body).data();
        return onThread(request, () -> {
            TransactionMetadata txn = transactions.get(data.transactionalId());
            Errors error = check(txn, data.producerId(), data.producerEpoch());
            if (error == Errors.CONCURRENT_TRANSACTIONS) {
                complete(txn); // a completion the last attempt could not finish (a log dir was offline)
                txn = transactions.get(data.transactionalId());
                error = txn.state.preparing() ? Errors.CONCURRENT_TRANSACTIONS : Errors.NONE;
            }
            if (error == Errors.NONE) {
                TransactionState wanted = data.committed() ? TransactionState.COMPLETE_COMMIT
                        : TransactionState.COMPLETE_ABORT;
                if (txn.state == TransactionState.ONGOING) {
                    TransactionMetadata next = txn.copy();
                    next.state = data.committed() ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
                    next.lastUpdateMs = clock.getAsLong();
                    save(next);
                    complete(next);
                } else if (txn.state != wanted) {
                    // a retry of the same decision is answered again; anything else is out of order
                    error = Errors.INVALID_TXN_STATE;
                }
            }
            return new EndTxnResponse(new EndTxnResponseData().setErrorCode(error.code()));
        });
    }

    private CompletionStage<AbstractResponse> describeTransactions(ClientRequest request, AbstractRequest body) {
        List<String> ids = ((DescribeTransactionsRequest) body).data().transactionalIds();
        return onThread(request, () -> {
            DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
            for (String id : ids) {
                TransactionMetadata txn = transactions.get(id);
                DescribeTransactionsResponseData.TransactionState state =
                        new DescribeTransactionsResponseData.TransactionState().setTransactionalId(id);
                if (txn == null) {
                    state.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code()).setTransactionState("")
                            .setProducerId(-1).setProducerEpoch((short) -1).setTransactionStartTimeMs(-1);
                } else {
                    state.setTransactionState(txn.state.kafkaName).setTransactionTimeoutMs(txn.timeoutMs)
                            .setTransactionStartTimeMs(txn.state == TransactionState.EMPTY ? -1 : txn.startMs)
                            .setProducerId(txn.producerId).setProducerEpoch(txn.epoch);
                    Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
                    for (TopicPartition tp : txn.partitions) {
                        byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
                    }
                    byTopic.forEach((topic, partitions) -> state.topics().add(
                            new DescribeTransactionsResponseData.TopicData().setTopic(topic)
                                    .setPartitions(partitions)));
                }
                response.transactionStates().add(state);
            }
            return new DescribeTransactionsResponse(response);
        });
    }

    private CompletionStage<AbstractResponse> listTransactions(ClientRequest request, AbstractRequest body) {
        ListTransactionsRequestData data = ((ListTransactionsRequest) body).data();
        return onThread(request, () -> {
            long now = clock.getAsLong();
            ListTransactionsResponseData response = new ListTransactionsResponseData();
            List<String> unknownStates = new ArrayList<>();
            for (String name : data.stateFilters()) {
                if (TransactionState.byKafkaName(name) == null) {
                    unknownStates.add(name);
                }
            }
            response.setUnknownStateFilters(unknownStates);
            Pattern pattern = data.transactionalIdPattern() == null || data.transactionalIdPattern().isEmpty()
                    ? null : Pattern.compile(data.transactionalIdPattern());
            for (TransactionMetadata txn : transactions.values()) {
                boolean stateMatches = data.stateFilters().isEmpty() || data.stateFilters().stream()
                        .anyMatch(s -> s.equalsIgnoreCase(txn.state.kafkaName));
                boolean producerMatches = data.producerIdFilters().isEmpty()
                        || data.producerIdFilters().contains(txn.producerId);
                boolean durationMatches = data.durationFilter() < 0 || txn.state == TransactionState.ONGOING
                        && now - txn.startMs >= data.durationFilter();
                boolean idMatches = pattern == null || pattern.matcher(txn.transactionalId).matches();
                if (stateMatches && producerMatches && durationMatches && idMatches) {
                    response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                            .setTransactionalId(txn.transactionalId).setProducerId(txn.producerId)
                            .setTransactionState(txn.state.kafkaName));
                }
            }
            return new ListTransactionsResponse(response);
        });
    }

    // ---- state changes (on the coordinator thread) ----

    /** The error for a request of {@code producerId}/{@code epoch} against {@code txn}, as Kafka's coordinator. */
    private static Errors check(TransactionMetadata txn, long producerId, short epoch) {
        if (txn == null || txn.producerId != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (txn.epoch != epoch) {
            return Errors.PRODUCER_FENCED;
        }
        if (txn.state.preparing()) {
            return Errors.CONCURRENT_TRANSACTIONS;
        }
        return Errors.NONE;
    }

    /**
     * Aborts {@code txn}'s open transaction with a higher epoch (the same when epochs are exhausted), so its
     * producer is fenced in the coordinator and, through the markers, in every partition. Returns the state after.
     */
    private TransactionMetadata abortFencing(TransactionMetadata txn, long now) throws IOException {
        TransactionMetadata aborting = txn.copy();
        aborting.epoch = fencingEpoch(txn.epoch);
        aborting.state = TransactionState.PREPARE_ABORT;
        aborting.lastUpdateMs = now;
        save(aborting);
        complete(aborting);
        return transactions.get(txn.transactionalId);
    }

    /** The epoch an abort that fences {@code epoch} is written with (the same when epochs are exhausted). */
    private static short fencingEpoch(short epoch) {
        return epoch >= Short.MAX_VALUE - 1 ? epoch : (short) (epoch + 1);
    }

    /**
     * Writes the markers of a decided transaction into each of its partitions, applies a commit's group offsets and
     * stores the completion. A partition whose log dir is offline leaves the transaction preparing: the next timeout
     * check, or the producer's next request, tries again (markers written twice are harmless).
     */
    private void complete(TransactionMetadata txn) throws IOException {
        boolean commit = txn.state == TransactionState.PREPARE_COMMIT;
        ControlRecordType type = commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
        long now = clock.getAsLong();
        for (TopicPartition tp : txn.partitions) {
            PartitionLog partition = logs.log(tp);
            if (partition == null) {
                continue; // deleted since: nothing left to end
            }
            try {
                partition.appendEndTxnMarker(txn.producerId, txn.epoch, type, 0, now);
            } catch (IOException | org.apache.kafka.common.errors.KafkaStorageException e) {
                LOG.error("transactional id '{}': cannot write the {} marker to {}: {}; will retry",
                        txn.transactionalId, type, tp, e.getMessage());
                return;
            }
        }
        if (commit) {
            for (var group : txn.pendingOffsets.entrySet()) {
                if (!group.getValue().isEmpty()) {
                    groupOffsets.commit(group.getKey(), group.getValue());
                }
            }
        }
        TransactionMetadata done = txn.copy();
        done.state = commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        done.lastUpdateMs = now;
        done.pendingOffsets.clear();
        save(done);
        groupOffsets.ended(txn.transactionalId);
        LOG.debug("transactional id '{}': {} of epoch {} over {} partition(s)", txn.transactionalId,
                commit ? "commit" : "abort", txn.epoch, txn.partitions.size());
    }

    /** At start: completes the transactions decided before the stop but not finished. */
    private void completePrepared() {
        for (TransactionMetadata txn : List.copyOf(transactions.values())) {
            if (txn.state.preparing()) {
                try {
                    LOG.info("transactional id '{}': completing the {} decided before the stop", txn.transactionalId,
                            txn.state.kafkaName);
                    complete(txn);
                } catch (IOException e) {
                    LOG.error("transactional id '{}': cannot complete {}: {}", txn.transactionalId,
                            txn.state.kafkaName, e.toString());
                }
            }
        }
    }

    /** Aborts every transaction open longer than its timeout, bumping the epoch so its producer is fenced. */
    private void abortExpired() {
        long now = clock.getAsLong();
        for (TransactionMetadata txn : List.copyOf(transactions.values())) {
            try {
                if (txn.timedOut(now)) {
                    LOG.warn("transactional id '{}': transaction open for {} ms, past its timeout of {} ms: aborted",
                            txn.transactionalId, now - txn.startMs, txn.timeoutMs);
                    abortFencing(txn, now);
                } else if (txn.state.preparing()) {
                    complete(txn);
                }
            } catch (IOException e) {
                LOG.error("transactional id '{}': timeout check failed: {}", txn.transactionalId, e.toString());
            }
        }
        try {
            if (log.needsCompaction()) {
                log.compact(transactions.values());
            }
        } catch (IOException e) {
            LOG.error("{} compaction failed: {}", TransactionLog.FILE_NAME, e.toString());
        }
    }

    /** Makes {@code txn} the id's state: in the log (fsynced) first, then in memory. */
    private void save(TransactionMetadata txn) throws IOException {
        log.append(txn);
        transactions.put(txn.transactionalId, txn);
    }

    // ---- plumbing ----

    /** Runs {@code work} on the coordinator thread; the answer completes on the request's connection context. */
    private CompletionStage<AbstractResponse> onThread(ClientRequest request, Callable<AbstractResponse> work) {
        CompletableFuture<AbstractResponse> answer = new CompletableFuture<>();
        Context context = request.context();
        try {
            thread.execute(() -> {
                AbstractResponse response;
                Throwable failure = null;
                try {
                    response = work.call();
                } catch (Throwable e) {
                    response = null;
                    failure = e instanceof IOException
                            ? new org.apache.kafka.common.errors.CoordinatorNotAvailableException(
                                    "the transaction log cannot be written: " + e.getMessage()) : e;
                    LOG.error("{} from {} failed", request.header().apiKey().name, request.connection(), e);
                }
                AbstractResponse r = response;
                Throwable f = failure;
                Runnable finish = () -> {
                    if (f != null) {
                        answer.completeExceptionally(f);
                    } else {
                        answer.complete(r);
                    }
                };
                if (context == null) {
                    finish.run();
                } else {
                    context.runOnContext(v -> finish.run());
                }
            });
        } catch (RejectedExecutionException e) {
            answer.completeExceptionally(new org.apache.kafka.common.errors.CoordinatorNotAvailableException(
                    "the broker is stopping"));
        }
        return answer;
    }

    private static CompletionStage<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    @Override
    public void close() throws IOException {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("transaction coordinator work still running at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.close();
    }
}
