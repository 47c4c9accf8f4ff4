package io.logpipe.queue.group;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.network.BrokerEndpoint;
import io.logpipe.queue.network.ClientRequest;
import io.logpipe.queue.network.KafkaApis;
import io.logpipe.queue.util.Supervised;
import io.vertx.core.Context;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator of this single broker, for the classic group protocol, split as Kafka's is: this class
 * translates requests and responses and owns the threads; {@link GroupStateMachine} holds membership and offsets and
 * decides every answer; {@link OffsetStore} makes committed offsets durable.
 *
 * <p>Requests arrive on several event loops and timers fire on one scheduler thread; all of them call the state
 * machine under its lock, which guards no I/O. Records the state machine returns are written by one store thread,
 * in the order they were produced, and applied to the state machine before the request is answered: an
 * acknowledged commit is in the file, and no disk write blocks an event loop. Responses complete on the requesting
 * connection's own context.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
    private static final long SWEEP_INTERVAL_MS = 100;

    private final long offsetsRetentionCheckIntervalMs;
    private long lastRetentionCheckMs = System.currentTimeMillis();
    private final OffsetStore store;
    private final GroupStateMachine machine;
    private final ScheduledExecutorService timers;
    /** The one thread that writes the store, so records reach the file in the order the state machine made them. */
    private final ExecutorService storeWriter;

    private GroupCoordinator(BrokerConfig config, LogManager logs, OffsetStore store,
                             Map<String, OffsetStore.StoredGroup> loaded) {
        this.offsetsRetentionCheckIntervalMs = config.offsetsRetentionCheckIntervalMs();
        this.store = store;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "group-coordinator"));
        this.storeWriter = Executors.newSingleThreadExecutor(r -> daemon(r, "group-offsets-writer"));
        GroupStateMachine.Settings settings = new GroupStateMachine.Settings(config.groupInitialRebalanceDelayMs(),
                config.groupMinSessionTimeoutMs(), config.groupMaxSessionTimeoutMs(), config.offsetsRetentionMs());
        this.machine = new GroupStateMachine(settings, new SchedulerTimer(), logs::topic, logs::topic, loaded);
        timers.scheduleWithFixedDelay(Supervised.task("group session expiry", this::sweep), SWEEP_INTERVAL_MS,
                SWEEP_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Recovers the committed offsets from the first log dir and starts the session-expiry sweep. */
    public static GroupCoordinator open(BrokerConfig config, LogManager logs) throws IOException {
        Map<String, OffsetStore.StoredGroup> loaded = new TreeMap<>();
        OffsetStore store = OffsetStore.open(config.logDirs().get(0), config.logFlushIntervalMessages(),
                config.logFlushIntervalMs(), loaded);
        GroupCoordinator coordinator = new GroupCoordinator(config, logs, store, loaded);
        logs.onTopicDeleted(coordinator::removeOffsetsOf);
        return coordinator;
    }

    /**
     * Registers every group API, over all the versions kafka-clients knows, for a listener whose clients reach this
     * broker at {@code listener} (FindCoordinator names that address).
     */
    public void registerWith(KafkaApis apis, BrokerEndpoint listener) {
        apis.register(ApiKeys.FIND_COORDINATOR, (request, body) -> findCoordinator(listener, request, body));
        apis.register(ApiKeys.JOIN_GROUP, this::joinGroup);
        apis.register(ApiKeys.SYNC_GROUP, this::syncGroup);
        apis.register(ApiKeys.HEARTBEAT, this::heartbeat);
        apis.register(ApiKeys.LEAVE_GROUP, this::leaveGroup);
        apis.register(ApiKeys.OFFSET_COMMIT, this::offsetCommit);
        apis.register(ApiKeys.OFFSET_FETCH, this::offsetFetch);
        apis.register(ApiKeys.OFFSET_DELETE, this::offsetDelete);
        apis.register(ApiKeys.LIST_GROUPS, this::listGroups);
        apis.register(ApiKeys.DESCRIBE_GROUPS, this::describeGroups);
        apis.register(ApiKeys.DELETE_GROUPS, this::deleteGroups);
    }

    private CompletionStage<AbstractResponse> findCoordinator(BrokerEndpoint listener, ClientRequest request,
            AbstractRequest body) {
        FindCoordinatorRequestData data = ((FindCoordinatorRequest) body).data();
        Node node = new Node(listener.nodeId(), listener.host(), listener.port());
        boolean group = data.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id();
        Errors error = group ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
        if (request.version() < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
            return done(FindCoordinatorResponse.prepareOldResponse(error, group ? node : Node.noNode()));
        }
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        for (String key : data.coordinatorKeys()) {
            FindCoordinatorResponseData.Coordinator c =
                    FindCoordinatorResponse.prepareCoordinatorResponse(error, key, group ? node : Node.noNode());
            if (!group) {
                c.setErrorMessage("this broker coordinates consumer groups only (key type " + data.keyType() + ")");
            }
            response.coordinators().add(c);
        }
        return done(new FindCoordinatorResponse(response));
    }

    CompletionStage<AbstractResponse> joinGroup(ClientRequest request, AbstractRequest body) {
        JoinGroupRequestData data = ((JoinGroupRequest) body).data();
        synchronized (machine) {
            return machine.joinGroup(data, caller(request));
        }
    }

    CompletionStage<AbstractResponse> syncGroup(ClientRequest request, AbstractRequest body) {
        SyncGroupRequestData data = ((SyncGroupRequest) body).data();
        synchronized (machine) {
            return machine.syncGroup(data, caller(request));
        }
    }

    private CompletionStage<AbstractResponse> heartbeat(ClientRequest request, AbstractRequest body) {
        HeartbeatRequestData data = ((HeartbeatRequest) body).data();
        synchronized (machine) {
            return done(machine.heartbeat(data));
        }
    }

    private CompletionStage<AbstractResponse> leaveGroup(ClientRequest request, AbstractRequest body) {
        LeaveGroupRequest leave = (LeaveGroupRequest) body;
        synchronized (machine) {
            return done(machine.leaveGroup(leave.data().groupId(), leave.members(), request.version()));
        }
    }

    CompletionStage<AbstractResponse> offsetCommit(ClientRequest request, AbstractRequest body) {
        OffsetCommitRequestData data = ((OffsetCommitRequest) body).data();
        GroupStateMachine.Result result;
        synchronized (machine) {
            result = machine.offsetCommit(data, request.version());
        }
        return persist(result, executor(request));
    }

    CompletionStage<AbstractResponse> offsetFetch(ClientRequest request, AbstractRequest body) {
        OffsetFetchRequestData data = ((OffsetFetchRequest) body).data();
        short version = request.version();
        List<OffsetFetchRequestData.OffsetFetchRequestGroup> wanted = new ArrayList<>();
        if (version < 8) {
            OffsetFetchRequestData.OffsetFetchRequestGroup single =
                    new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(data.groupId());
            if (data.topics() == null) {
                single.setTopics(null);
            } else {
                data.topics().forEach(t -> single.topics().add(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                        .setName(t.name()).setPartitionIndexes(t.partitionIndexes())));
            }
            wanted.add(single);
        } else {
            wanted.addAll(data.groups());
        }
        List<OffsetFetchResponseData.OffsetFetchResponseGroup> results;
        synchronized (machine) {
            // require_stable exists from v7; v8+ has it at the top level too
            results = machine.offsetFetch(wanted, OffsetFetchRequest.useTopicIds(version),
                    version >= 7 && data.requireStable());
        }
        return done(new OffsetFetchResponse.Builder(results).build(version));
    }

    private CompletionStage<AbstractResponse> offsetDelete(ClientRequest request, AbstractRequest body) {
        OffsetDeleteRequestData data = ((OffsetDeleteRequest) body).data();
        GroupStateMachine.Result result;
        synchronized (machine) {
            result = machine.offsetDelete(data);
        }
        return persist(result, executor(request));
    }

    private CompletionStage<AbstractResponse> listGroups(ClientRequest request, AbstractRequest body) {
        ListGroupsRequestData data = ((ListGroupsRequest) body).data();
        synchronized (machine) {
            return done(machine.listGroups(data));
        }
    }

    private CompletionStage<AbstractResponse> describeGroups(ClientRequest request, AbstractRequest body) {
        DescribeGroupsRequestData data = ((DescribeGroupsRequest) body).data();
        synchronized (machine) {
            return done(machine.describeGroups(data.groups(), request.version()));
        }
    }

    private CompletionStage<AbstractResponse> deleteGroups(ClientRequest request, AbstractRequest body) {
        DeleteGroupsRequestData data = ((DeleteGroupsRequest) body).data();
        GroupStateMachine.Result result;
        synchronized (machine) {
            result = machine.deleteGroups(data.groupsNames());
        }
        return persist(result, executor(request));
    }

    /** Expires offsets by offsets.retention.minutes as of {@code nowMs}; returns how many expired (durably). */
    int expireOffsets(long nowMs) {
        List<GroupStateMachine.Write> writes;
        synchronized (machine) {
            writes = machine.expireOffsets(nowMs);
        }
        return storeAndWait(writes);
    }

    /**
     * Makes the offsets a transaction committed the group's committed offsets, durably, before returning (called by
     * the transaction coordinator once the transaction's COMMIT markers are written).
     */
    public void commitTransactionalOffsets(String groupId, Map<TopicPartition, CommittedOffset> offsets)
            throws IOException {
        GroupStateMachine.Write write;
        synchronized (machine) {
            write = machine.transactionalCommit(groupId, offsets);
        }
        int stored;
        try {
            stored = CompletableFuture.supplyAsync(() -> store(List.of(write)), storeWriter).join();
        } catch (RejectedExecutionException e) {
            stored = 0;
        }
        if (stored != 1) {
            throw new IOException("group " + groupId + ": the transaction's offsets could not be stored");
        }
    }

    /** KIP-447: whether a TxnOffsetCommit of this member and generation may commit (see the state machine). */
    public Errors validateTransactionalCommit(String groupId, String memberId, String groupInstanceId,
                                              int generationId) {
        synchronized (machine) {
            return machine.validateTransactionalCommit(groupId, memberId, groupInstanceId, generationId);
        }
    }

    /**
     * {@code transactionalId}'s open transaction holds offsets of {@code partitions} for {@code groupId}: until
     * {@link #transactionEnded}, OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT for them.
     */
    public void transactionalOffsetsPending(String transactionalId, String groupId,
                                            java.util.Collection<TopicPartition> partitions) {
        synchronized (machine) {
            machine.transactionalOffsetsPending(transactionalId, groupId, partitions);
        }
    }

    /**
     * {@code transactionalId}'s transaction ended; a commit's offsets were given to
     * {@link #commitTransactionalOffsets} first.
     */
    public void transactionEnded(String transactionalId) {
        synchronized (machine) {
            machine.transactionEnded(transactionalId);
        }
    }

    /** Drops the committed offsets of a deleted topic, durably, before returning. */
    void removeOffsetsOf(String topic) {
        List<GroupStateMachine.Write> writes;
        synchronized (machine) {
            writes = machine.removeOffsetsOf(topic);
        }
        storeAndWait(writes);
    }

    /** Expires sessions; every so often offsets; fsyncs and compacts the offset store. Runs on the timer thread. */
    private void sweep() {
        long now = System.currentTimeMillis();
        try {
            List<GroupStateMachine.Write> expired = List.of();
            synchronized (machine) {
                machine.expireSessions();
                if (now - lastRetentionCheckMs >= offsetsRetentionCheckIntervalMs) {
                    lastRetentionCheckMs = now;
                    expired = machine.expireOffsets(now);
                }
            }
            List<GroupStateMachine.Write> writes = expired;
            storeWriter.execute(() -> {
                store(writes);
                try {
                    store.maybeFlush(System.currentTimeMillis());
                    if (store.needsCompaction()) {
                        Map<String, OffsetStore.StoredGroup> live;
                        synchronized (machine) {
                            live = machine.snapshot();
                        }
                        store.compact(live);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.error("offset store flush or compaction failed: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("coordinator is stopping; sweep dropped");
        } catch (RuntimeException e) {
            LOG.error("group coordinator sweep failed: {}", e.toString());
        }
    }

    // ---- persistence ----

    /** Answers with {@code result}'s response once its records are stored, or with its failure response. */
    private CompletionStage<AbstractResponse> persist(GroupStateMachine.Result result, Executor answerOn) {
        if (result.writes().isEmpty()) {
            return done(result.response());
        }
        CompletableFuture<AbstractResponse> answer = new CompletableFuture<>();
        try {
            storeWriter.execute(() -> {
                AbstractResponse response = store(result.writes()) == result.writes().size()
                        ? result.response() : result.ifNotStored();
                answerOn.execute(() -> answer.complete(response));
            });
        } catch (RejectedExecutionException e) {
            return done(result.ifNotStored());
        }
        return answer;
    }

    private int storeAndWait(List<GroupStateMachine.Write> writes) {
        if (writes.isEmpty()) {
            return 0;
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                int partitions = 0;
                for (GroupStateMachine.Write w : writes) {
                    if (store(List.of(w)) == 1 && w.record() instanceof OffsetRecord.Delete d) {
                        partitions += d.partitions().size();
                    }
                }
                return partitions;
            }, storeWriter).join();
        } catch (RejectedExecutionException e) {
            LOG.debug("coordinator is stopping; {} offset change(s) not stored", writes.size());
            return 0;
        }
    }

    /** Writes each record and applies it once stored; returns how many were stored. On the store thread only. */
    private int store(List<GroupStateMachine.Write> writes) {
        int stored = 0;
        for (GroupStateMachine.Write w : writes) {
            try {
                store.append(w.record());
            } catch (IOException | RuntimeException e) {
                LOG.error("group {}: cannot store {}: {}", w.record().groupId(),
                        w.record().getClass().getSimpleName(), e.toString());
                w.ifNotStored().run();
                continue;
            }
            synchronized (machine) {
                w.apply().run();
            }
            stored++;
        }
        return stored;
    }

    // ---- plumbing ----

    /** Timers on the scheduler thread, under the state machine's lock. */
    private final class SchedulerTimer implements GroupTimer {
        @Override
        public long nowMs() {
            return System.currentTimeMillis();
        }

        @Override
        public void schedule(long delayMs, Runnable task) {
            try {
                timers.schedule(Supervised.task("group timer", () -> {
                    synchronized (machine) {
                        task.run();
                    }
                }), delayMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                LOG.debug("coordinator is stopping; timer dropped");
            }
        }
    }

    private static GroupStateMachine.Caller caller(ClientRequest request) {
        return new GroupStateMachine.Caller(request.header().clientId(), clientHost(request.connection()),
                request.version(), executor(request));
    }

    /** Where a response that waited completes: the connection's own event loop (directly, without one). */
    private static Executor executor(ClientRequest request) {
        Context context = request.context();
        return context == null ? Runnable::run : task -> context.runOnContext(v -> task.run());
    }

    /** Kafka reports a member's host as {@code /address}; the connection name is {@code address:port}. */
    private static String clientHost(String connection) {
        int colon = connection.lastIndexOf(':');
        String host = colon > 0 ? connection.substring(0, colon) : connection;
        return host.startsWith("/") ? host : "/" + host;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static CompletionStage<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    @Override
    public void close() throws IOException {
        timers.shutdownNow();
        storeWriter.shutdown();
        try {
            if (!storeWriter.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("offset store writes still running at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
