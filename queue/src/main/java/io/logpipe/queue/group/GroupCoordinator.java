package io.logpipe.queue.group;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.log.Topic;
import io.logpipe.queue.network.BrokerEndpoint;
import io.logpipe.queue.network.ClientRequest;
import io.logpipe.queue.network.KafkaApis;
import io.vertx.core.Context;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator of this single broker, for the classic group protocol: membership (JoinGroup with the
 * member-id-required round trip, SyncGroup, Heartbeat, LeaveGroup, session expiry), committed offsets (kept in an
 * {@link OffsetStore} before they are acknowledged) and the admin APIs over groups.
 *
 * <p>All group state is guarded by this object's lock; requests arrive on several event loops and timers fire on
 * one scheduler thread. Responses that wait for other members (JoinGroup, SyncGroup) complete on the waiting
 * connection's own context.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
    /** Kafka's offset.metadata.max.bytes default. */
    private static final int MAX_METADATA_BYTES = 4096;
    private static final long SWEEP_INTERVAL_MS = 100;
    /** Like Kafka (offsets.retention.check.interval.ms), a group with no members and no offsets is dropped after this. */
    private static final long EMPTY_GROUP_EXPIRY_MS = 600_000;
    /** Group ids are stored as int16-length strings. */
    private static final int MAX_GROUP_ID_BYTES = Short.MAX_VALUE;

    private final LogManager logs;
    private final BrokerEndpoint self;
    private final int initialRebalanceDelayMs;
    private final int minSessionTimeoutMs;
    private final int maxSessionTimeoutMs;
    private final long offsetsRetentionMs;
    private final long offsetsRetentionCheckIntervalMs;
    private long lastRetentionCheckMs = System.currentTimeMillis();
    private final OffsetStore store;
    private final Map<String, ClassicGroup> groups = new HashMap<>();
    private final ScheduledExecutorService timers;

    private GroupCoordinator(BrokerConfig config, LogManager logs, BrokerEndpoint self, OffsetStore store,
                             Map<String, OffsetStore.StoredGroup> loaded) {
        this.logs = logs;
        this.self = self;
        this.initialRebalanceDelayMs = config.groupInitialRebalanceDelayMs();
        this.minSessionTimeoutMs = config.groupMinSessionTimeoutMs();
        this.maxSessionTimeoutMs = config.groupMaxSessionTimeoutMs();
        this.offsetsRetentionMs = config.offsetsRetentionMs();
        this.offsetsRetentionCheckIntervalMs = config.offsetsRetentionCheckIntervalMs();
        this.store = store;
        loaded.forEach((id, stored) -> {
            ClassicGroup group = new ClassicGroup(id);
            group.protocolType = stored.protocolType;
            group.offsets.putAll(stored.offsets);
            groups.put(id, group);
        });
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "group-coordinator");
            t.setDaemon(true);
            return t;
        });
        timers.scheduleWithFixedDelay(io.logpipe.queue.util.Supervised.task("group session expiry", this::sweep),
                SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Recovers the committed offsets from the first log dir and starts the session-expiry sweep. */
    public static GroupCoordinator open(BrokerConfig config, LogManager logs, BrokerEndpoint self) throws IOException {
        Map<String, OffsetStore.StoredGroup> loaded = new TreeMap<>();
        OffsetStore store = OffsetStore.open(config.logDirs().get(0), config.logFlushIntervalMessages(),
                config.logFlushIntervalMs(), loaded);
        GroupCoordinator coordinator = new GroupCoordinator(config, logs, self, store, loaded);
        logs.onTopicDeleted(coordinator::removeOffsetsOf);
        return coordinator;
    }

    /** Registers every group API, over all the versions kafka-clients knows. */
    public void registerWith(KafkaApis apis) {
        apis.register(ApiKeys.FIND_COORDINATOR, this::findCoordinator);
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

    // ---- FindCoordinator ----

    private CompletionStage<AbstractResponse> findCoordinator(ClientRequest request, AbstractRequest body) {
        FindCoordinatorRequestData data = ((FindCoordinatorRequest) body).data();
        Node node = new Node(self.nodeId(), self.host(), self.port());
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

    // ---- JoinGroup ----

    synchronized CompletionStage<AbstractResponse> joinGroup(ClientRequest request, AbstractRequest body) {
        JoinGroupRequestData data = ((JoinGroupRequest) body).data();
        short version = request.version();
        long now = System.currentTimeMillis();
        String memberId = data.memberId();
        if (!validGroupId(data.groupId())) {
            return done(joinError(memberId, Errors.INVALID_GROUP_ID, version));
        }
        if (data.sessionTimeoutMs() < minSessionTimeoutMs || data.sessionTimeoutMs() > maxSessionTimeoutMs) {
            return done(joinError(memberId, Errors.INVALID_SESSION_TIMEOUT, version));
        }
        LinkedHashMap<String, byte[]> protocols = new LinkedHashMap<>();
        data.protocols().forEach(p -> protocols.putIfAbsent(p.name(), p.metadata()));
        ClassicGroup group = groups.get(data.groupId());
        if (group == null) {
            if (!memberId.isEmpty()) {
                return done(joinError(memberId, Errors.UNKNOWN_MEMBER_ID, version));
            }
            group = new ClassicGroup(data.groupId());
            groups.put(group.groupId, group);
        }
        if (!group.supports(data.protocolType(), protocols.keySet())) {
            return done(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL, version));
        }
        CompletableFuture<AbstractResponse> response = new CompletableFuture<>();
        String instanceId = data.groupInstanceId();
        if (instanceId != null && !memberId.isEmpty() && !memberId.equals(group.staticMembers.get(instanceId))) {
            return done(joinError(memberId, Errors.FENCED_INSTANCE_ID, version));
        }
        if (memberId.isEmpty() && instanceId != null && group.staticMembers.containsKey(instanceId)) {
            // A static member restarted: its new incarnation replaces the old one, which is fenced from now on.
            GroupMember old = group.members.get(group.staticMembers.get(instanceId));
            if (old != null) {
                fence(group, old);
            }
        }
        if (memberId.isEmpty()) {
            String newId = data.groupInstanceId() != null ? data.groupInstanceId() + "-" + UUID.randomUUID()
                    : request.header().clientId() + "-" + UUID.randomUUID();
            if (JoinGroupRequest.requiresKnownMemberId(data, version)) {
                // The client must come back with this id, so a client that dies mid-join leaves no ghost member.
                group.pendingMembers.put(newId, now + data.sessionTimeoutMs());
                return done(joinError(newId, Errors.MEMBER_ID_REQUIRED, version));
            }
            addMemberAndRebalance(group, newId, request, data, protocols, response, now);
            return response;
        }
        if (group.pendingMembers.remove(memberId) != null) {
            addMemberAndRebalance(group, memberId, request, data, protocols, response, now);
            return response;
        }
        GroupMember member = group.members.get(memberId);
        if (member == null) {
            return done(joinError(memberId, Errors.UNKNOWN_MEMBER_ID, version));
        }
        switch (group.state) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, request, data, protocols, response, now);
            case COMPLETING_REBALANCE -> {
                if (member.sameProtocols(protocols)) {
                    // A retried JoinGroup: answer with the generation it already belongs to.
                    member.heard(now);
                    return done(new JoinGroupResponse(joinResponse(group, member), version));
                }
                updateMemberAndRebalance(group, member, request, data, protocols, response, now);
            }
            case STABLE -> {
                if (memberId.equals(group.leaderId) || !member.sameProtocols(protocols)) {
                    // The leader rejoins to trigger a rebalance (e.g. after a metadata change); so does a member
                    // whose subscription changed.
                    updateMemberAndRebalance(group, member, request, data, protocols, response, now);
                } else {
                    member.heard(now);
                    return done(new JoinGroupResponse(joinResponse(group, member), version));
                }
            }
            default -> {
                return done(joinError(memberId, Errors.UNKNOWN_MEMBER_ID, version));
            }
        }
        return response;
    }

    private void addMemberAndRebalance(ClassicGroup group, String memberId, ClientRequest request,
                                       JoinGroupRequestData data, LinkedHashMap<String, byte[]> protocols,
                                       CompletableFuture<AbstractResponse> response, long now) {
        GroupMember member = new GroupMember(memberId, data.groupInstanceId(), request.header().clientId(),
                clientHost(request.connection()));
        if (group.members.isEmpty()) {
            group.protocolType = data.protocolType();
        }
        group.members.put(memberId, member);
        if (member.groupInstanceId != null) {
            group.staticMembers.put(member.groupInstanceId, memberId);
        }
        if (group.leaderId == null) {
            group.leaderId = memberId;
        }
        group.newMemberAddedDuringDelay = true;
        updateMemberAndRebalance(group, member, request, data, protocols, response, now);
    }

    private void updateMemberAndRebalance(ClassicGroup group, GroupMember member, ClientRequest request,
                                          JoinGroupRequestData data, LinkedHashMap<String, byte[]> protocols,
                                          CompletableFuture<AbstractResponse> response, long now) {
        member.protocols = protocols;
        member.sessionTimeoutMs = data.sessionTimeoutMs();
        member.rebalanceTimeoutMs = request.version() == 0 ? data.sessionTimeoutMs() : data.rebalanceTimeoutMs();
        if (member.pendingJoin != null) {
            // The client gave up on its earlier JoinGroup and sent a new one: the old answer goes nowhere.
            complete(member.pendingJoin, member.pendingJoinContext,
                    joinError(member.memberId, Errors.UNKNOWN_MEMBER_ID, member.pendingJoinVersion));
        }
        member.pendingJoin = response;
        member.pendingJoinContext = request.context();
        member.pendingJoinVersion = request.version();
        member.heard(now);
        if (group.is(GroupState.PREPARING_REBALANCE)) {
            tryCompleteJoin(group);
        } else {
            prepareRebalance(group, member.memberId + " joined");
        }
    }

    private void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            // Assignments handed out for this generation are void; members waiting for theirs must rejoin.
            for (GroupMember m : group.members.values()) {
                m.assignment = new byte[0];
                if (m.pendingSync != null) {
                    complete(m.pendingSync, m.pendingSyncContext,
                            new SyncGroupResponse(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code())));
                    m.pendingSync = null;
                    m.pendingSyncContext = null;
                }
            }
        }
        boolean initial = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE);
        long serial = group.rebalanceSerial;
        LOG.info("group {}: preparing to rebalance (generation {}): {}", group.groupId, group.generationId, reason);
        if (initial && initialRebalanceDelayMs > 0) {
            group.inInitialDelay = true;
            group.newMemberAddedDuringDelay = false;
            group.initialDelayRemainingMs = Math.max(group.maxRebalanceTimeoutMs() - initialRebalanceDelayMs, 0);
            schedule(initialRebalanceDelayMs, () -> initialDelayExpired(group, serial));
        } else {
            group.inInitialDelay = false;
            schedule(group.maxRebalanceTimeoutMs(), () -> rebalanceTimedOut(group, serial));
            tryCompleteJoin(group);
        }
    }

    private synchronized void initialDelayExpired(ClassicGroup group, long serial) {
        if (group.rebalanceSerial != serial || !group.is(GroupState.PREPARING_REBALANCE)) {
            return;
        }
        if (group.newMemberAddedDuringDelay && group.initialDelayRemainingMs > 0) {
            long delay = Math.min(initialRebalanceDelayMs, group.initialDelayRemainingMs);
            group.initialDelayRemainingMs -= delay;
            group.newMemberAddedDuringDelay = false;
            schedule(delay, () -> initialDelayExpired(group, serial));
            return;
        }
        group.inInitialDelay = false;
        completeJoin(group);
    }

    private synchronized void rebalanceTimedOut(ClassicGroup group, long serial) {
        if (group.rebalanceSerial == serial && group.is(GroupState.PREPARING_REBALANCE)) {
            completeJoin(group);
        }
    }

    private void tryCompleteJoin(ClassicGroup group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.inInitialDelay && group.allMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: members that did not rejoin are out; the rest get the new generation. */
    private void completeJoin(ClassicGroup group) {
        for (Iterator<GroupMember> it = group.members.values().iterator(); it.hasNext(); ) {
            GroupMember m = it.next();
            if (!m.awaitingJoin()) {
                LOG.info("group {}: member {} did not rejoin in time and is removed", group.groupId, m.memberId);
                it.remove();
                if (m.groupInstanceId != null) {
                    group.staticMembers.remove(m.groupInstanceId, m.memberId);
                }
            }
        }
        if (group.leaderId != null && !group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.isEmpty() ? null : group.members.keySet().iterator().next();
        }
        group.inInitialDelay = false;
        group.generationId++;
        if (group.members.isEmpty()) {
            group.protocolName = null;
            group.transitionTo(GroupState.EMPTY);
            LOG.info("group {}: is empty at generation {}", group.groupId, group.generationId);
            return;
        }
        group.protocolName = group.selectProtocol();
        group.transitionTo(GroupState.COMPLETING_REBALANCE);
        LOG.info("group {}: generation {} with {} member(s), protocol {}, leader {}", group.groupId,
                group.generationId, group.members.size(), group.protocolName, group.leaderId);
        long now = System.currentTimeMillis();
        for (GroupMember m : group.members.values()) {
            complete(m.pendingJoin, m.pendingJoinContext, new JoinGroupResponse(joinResponse(group, m), m.pendingJoinVersion));
            m.pendingJoin = null;
            m.pendingJoinContext = null;
            m.heard(now);
        }
    }

    private JoinGroupResponseData joinResponse(ClassicGroup group, GroupMember member) {
        JoinGroupResponseData data = new JoinGroupResponseData()
                .setGenerationId(group.generationId)
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setLeader(group.leaderId)
                .setMemberId(member.memberId)
                .setSkipAssignment(false);
        if (member.memberId.equals(group.leaderId)) {
            for (GroupMember m : group.members.values()) {
                data.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(m.memberId).setGroupInstanceId(m.groupInstanceId)
                        .setMetadata(m.protocols.get(group.protocolName)));
            }
        }
        return data;
    }

    private static JoinGroupResponse joinError(String memberId, Errors error, short version) {
        return new JoinGroupResponse(new JoinGroupResponseData().setErrorCode(error.code())
                .setGenerationId(JoinGroupRequest.UNKNOWN_GENERATION_ID).setMemberId(memberId)
                .setProtocolName(JoinGroupRequest.UNKNOWN_PROTOCOL_NAME).setLeader(""), version);
    }

    // ---- SyncGroup ----

    synchronized CompletionStage<AbstractResponse> syncGroup(ClientRequest request, AbstractRequest body) {
        SyncGroupRequestData data = ((SyncGroupRequest) body).data();
        ClassicGroup group = groups.get(data.groupId());
        if (fenced(group, data.groupInstanceId(), data.memberId())) {
            return done(syncError(Errors.FENCED_INSTANCE_ID));
        }
        GroupMember member = group == null ? null : group.members.get(data.memberId());
        if (member == null) {
            return done(syncError(Errors.UNKNOWN_MEMBER_ID));
        }
        if (data.generationId() != group.generationId) {
            return done(syncError(Errors.ILLEGAL_GENERATION));
        }
        if (data.protocolType() != null && !data.protocolType().equals(group.protocolType)
                || data.protocolName() != null && !data.protocolName().equals(group.protocolName)) {
            return done(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        long now = System.currentTimeMillis();
        switch (group.state) {
            case PREPARING_REBALANCE -> {
                return done(syncError(Errors.REBALANCE_IN_PROGRESS));
            }
            case STABLE -> {
                member.heard(now);
                return done(syncResponse(group, member));
            }
            case COMPLETING_REBALANCE -> {
                member.heard(now);
                CompletableFuture<AbstractResponse> response = new CompletableFuture<>();
                member.pendingSync = response;
                member.pendingSyncContext = request.context();
                if (member.memberId.equals(group.leaderId)) {
                    Map<String, byte[]> assignments = new HashMap<>();
                    data.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
                    for (GroupMember m : group.members.values()) {
                        m.assignment = assignments.getOrDefault(m.memberId, new byte[0]);
                    }
                    group.transitionTo(GroupState.STABLE);
                    LOG.info("group {}: generation {} is stable; assignment by leader {}", group.groupId,
                            group.generationId, group.leaderId);
                    for (GroupMember m : group.members.values()) {
                        if (m.pendingSync != null) {
                            complete(m.pendingSync, m.pendingSyncContext, syncResponse(group, m));
                            m.pendingSync = null;
                            m.pendingSyncContext = null;
                        }
                    }
                }
                return response;
            }
            default -> {
                return done(syncError(Errors.UNKNOWN_MEMBER_ID));
            }
        }
    }

    private static SyncGroupResponse syncResponse(ClassicGroup group, GroupMember member) {
        return new SyncGroupResponse(new SyncGroupResponseData().setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setAssignment(member.assignment));
    }

    private static SyncGroupResponse syncError(Errors error) {
        return new SyncGroupResponse(new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]));
    }

    // ---- Heartbeat and LeaveGroup ----

    private synchronized CompletionStage<AbstractResponse> heartbeat(ClientRequest request, AbstractRequest body) {
        HeartbeatRequestData data = ((HeartbeatRequest) body).data();
        ClassicGroup group = groups.get(data.groupId());
        GroupMember member = group == null ? null : group.members.get(data.memberId());
        Errors error;
        if (fenced(group, data.groupInstanceId(), data.memberId())) {
            error = Errors.FENCED_INSTANCE_ID;
        } else if (member == null) {
            error = Errors.UNKNOWN_MEMBER_ID;
        } else if (data.generationId() != group.generationId) {
            error = Errors.ILLEGAL_GENERATION;
        } else {
            member.heard(System.currentTimeMillis());
            error = group.is(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        }
        return done(new HeartbeatResponse(new HeartbeatResponseData().setErrorCode(error.code())));
    }

    private synchronized CompletionStage<AbstractResponse> leaveGroup(ClientRequest request, AbstractRequest body) {
        LeaveGroupRequest leave = (LeaveGroupRequest) body;
        LeaveGroupRequestData data = leave.data();
        ClassicGroup group = groups.get(data.groupId());
        if (group == null) {
            return done(new LeaveGroupResponse(new LeaveGroupResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()),
                    request.version()));
        }
        List<LeaveGroupResponseData.MemberResponse> responses = new ArrayList<>();
        for (LeaveGroupRequestData.MemberIdentity who : leave.members()) {
            Errors error = Errors.NONE;
            String staticId = who.groupInstanceId() == null ? null : group.staticMembers.get(who.groupInstanceId());
            if (who.groupInstanceId() != null && (staticId == null
                    || !who.memberId().equals(JoinGroupRequest.UNKNOWN_MEMBER_ID) && !who.memberId().equals(staticId))) {
                error = staticId == null ? Errors.UNKNOWN_MEMBER_ID : Errors.FENCED_INSTANCE_ID;
            } else if (staticId != null) {
                removeMember(group, group.members.get(staticId), staticId + " (" + who.groupInstanceId() + ") left the group");
            } else if (group.pendingMembers.remove(who.memberId()) != null) {
                tryCompleteJoin(group);
            } else {
                GroupMember member = group.members.get(who.memberId());
                if (member == null) {
                    error = Errors.UNKNOWN_MEMBER_ID;
                } else {
                    String reason = who.reason() != null ? who.reason() : "left the group";
                    removeMember(group, member, member.memberId + " " + reason);
                }
            }
            responses.add(new LeaveGroupResponseData.MemberResponse().setMemberId(who.memberId())
                    .setGroupInstanceId(who.groupInstanceId()).setErrorCode(error.code()));
        }
        return done(new LeaveGroupResponse(responses, Errors.NONE, 0, request.version()));
    }

    /** Drops a static member's old incarnation without a rebalance of its own: the new one's join follows. */
    private void fence(ClassicGroup group, GroupMember old) {
        LOG.info("group {}: static member {} ({}) is replaced by a new incarnation", group.groupId, old.memberId,
                old.groupInstanceId);
        if (old.pendingJoin != null) {
            complete(old.pendingJoin, old.pendingJoinContext,
                    joinError(old.memberId, Errors.FENCED_INSTANCE_ID, old.pendingJoinVersion));
            old.pendingJoin = null;
        }
        if (old.pendingSync != null) {
            complete(old.pendingSync, old.pendingSyncContext, syncError(Errors.FENCED_INSTANCE_ID));
            old.pendingSync = null;
        }
        group.members.remove(old.memberId);
        group.staticMembers.remove(old.groupInstanceId);
        if (old.memberId.equals(group.leaderId)) {
            group.leaderId = group.members.isEmpty() ? null : group.members.keySet().iterator().next();
        }
    }

    /** FENCED_INSTANCE_ID when {@code instanceId} now belongs to another member than {@code memberId}. */
    private static boolean fenced(ClassicGroup group, String instanceId, String memberId) {
        return instanceId != null && group != null && group.staticMembers.containsKey(instanceId)
                && !group.staticMembers.get(instanceId).equals(memberId);
    }

    private void removeMember(ClassicGroup group, GroupMember member, String reason) {
        if (member.pendingJoin != null) {
            complete(member.pendingJoin, member.pendingJoinContext,
                    joinError(member.memberId, Errors.UNKNOWN_MEMBER_ID, member.pendingJoinVersion));
            member.pendingJoin = null;
        }
        if (member.pendingSync != null) {
            complete(member.pendingSync, member.pendingSyncContext, syncError(Errors.UNKNOWN_MEMBER_ID));
            member.pendingSync = null;
        }
        group.members.remove(member.memberId);
        if (member.groupInstanceId != null && member.memberId.equals(group.staticMembers.get(member.groupInstanceId))) {
            group.staticMembers.remove(member.groupInstanceId);
        }
        if (member.memberId.equals(group.leaderId)) {
            group.leaderId = group.members.isEmpty() ? null : group.members.keySet().iterator().next();
        }
        switch (group.state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            case PREPARING_REBALANCE -> tryCompleteJoin(group);
            default -> {
            }
        }
    }

    /** Expires members and pending member ids whose session ran out; fsyncs and compacts the offset store. */
    private synchronized void sweep() {
        long now = System.currentTimeMillis();
        try {
            for (ClassicGroup group : List.copyOf(groups.values())) {
                if (group.pendingMembers.values().removeIf(deadline -> deadline < now)) {
                    tryCompleteJoin(group);
                }
                if (group.is(GroupState.EMPTY) && group.pendingMembers.isEmpty() && group.offsets.isEmpty()) {
                    if (group.emptySinceMs == 0) {
                        group.emptySinceMs = now;
                    } else if (now - group.emptySinceMs > EMPTY_GROUP_EXPIRY_MS) {
                        groups.remove(group.groupId);
                        group.transitionTo(GroupState.DEAD);
                        continue;
                    }
                } else {
                    group.emptySinceMs = 0;
                }
                for (GroupMember m : List.copyOf(group.members.values())) {
                    if (m.expired(now) && group.members.get(m.memberId) == m) {
                        LOG.info("group {}: member {} sent no heartbeat within its session timeout of {} ms",
                                group.groupId, m.memberId, m.sessionTimeoutMs);
                        removeMember(group, m, m.memberId + " timed out");
                    }
                }
            }
            if (now - lastRetentionCheckMs >= offsetsRetentionCheckIntervalMs) {
                lastRetentionCheckMs = now;
                expireOffsets(now);
            }
            store.maybeFlush(now);
            if (store.needsCompaction()) {
                store.compact(snapshot());
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("group coordinator sweep failed: {}", e.toString());
        }
    }

    // ---- Offsets ----

    /**
     * offsets.retention.minutes, as Kafka applies it: a group's offsets expire once it has been empty that long (a
     * group loaded from disk counts as empty since the broker started); offsets committed outside any group
     * membership (no protocol type) expire that long after their commit. Groups with members keep theirs.
     * Returns how many offsets expired.
     */
    synchronized int expireOffsets(long nowMs) {
        int expired = 0;
        for (ClassicGroup group : groups.values()) {
            if (!group.is(GroupState.EMPTY) || group.offsets.isEmpty()) {
                continue;
            }
            List<TopicPartition> old = new ArrayList<>();
            // Kafka counts an empty consumer group's offsets from when it became empty; a commit made since (a
            // kafka-consumer-groups --reset-offsets) counts from the commit here, so it is never expired at once.
            long base = group.protocolType.isEmpty() ? 0 : group.stateSinceMs;
            group.offsets.forEach((tp, committed) -> {
                if (nowMs - Math.max(base, committed.commitTimestampMs()) >= offsetsRetentionMs) {
                    old.add(tp);
                }
            });
            if (old.isEmpty()) {
                continue;
            }
            try {
                store.delete(group.groupId, old);
            } catch (IOException e) {
                LOG.error("group {}: cannot store the expiry of offsets: {}", group.groupId, e.toString());
                continue;
            }
            old.forEach(group.offsets::remove);
            expired += old.size();
            LOG.info("group {}: {} committed offset(s) expired after offsets.retention.minutes={}", group.groupId,
                    old.size(), offsetsRetentionMs / 60_000);
        }
        return expired;
    }

    /**
     * Drops every group's committed offsets of a deleted topic, as Kafka does, so a topic created again under the same
     * name is consumed from auto.offset.reset rather than from offsets of the old data. Groups left empty without
     * offsets go with the next sweep.
     */
    synchronized void removeOffsetsOf(String topic) {
        for (ClassicGroup group : groups.values()) {
            List<TopicPartition> gone = group.offsets.keySet().stream().filter(tp -> tp.topic().equals(topic)).toList();
            if (gone.isEmpty()) {
                continue;
            }
            try {
                store.delete(group.groupId, gone);
            } catch (IOException e) {
                LOG.error("group {}: cannot store the removal of the offsets of deleted topic {}: {}", group.groupId,
                        topic, e.toString());
                continue;
            }
            gone.forEach(group.offsets::remove);
            LOG.info("group {}: removed {} committed offset(s) of deleted topic {}", group.groupId, gone.size(), topic);
        }
    }

    synchronized CompletionStage<AbstractResponse> offsetCommit(ClientRequest request, AbstractRequest body) {
        OffsetCommitRequestData data = ((OffsetCommitRequest) body).data();
        short version = request.version();
        boolean byId = OffsetCommitResponse.useTopicIds(version);
        long now = System.currentTimeMillis();
        ClassicGroup group = groups.get(data.groupId());
        boolean simple = data.generationIdOrMemberEpoch() < 0 && (data.memberId() == null || data.memberId().isEmpty());
        Errors groupError = Errors.NONE;
        if (!validGroupId(data.groupId())) {
            groupError = Errors.INVALID_GROUP_ID;
        } else if (group == null) {
            if (!simple) {
                groupError = Errors.ILLEGAL_GENERATION;
            }
        } else if (simple) {
            if (!group.members.isEmpty()) {
                // Only members may commit while the group has members (kafka-consumer-groups needs it inactive).
                groupError = Errors.UNKNOWN_MEMBER_ID;
            }
        } else if (fenced(group, data.groupInstanceId(), data.memberId())) {
            groupError = Errors.FENCED_INSTANCE_ID;
        } else {
            GroupMember member = group.members.get(data.memberId());
            if (member == null) {
                groupError = Errors.UNKNOWN_MEMBER_ID;
            } else if (data.generationIdOrMemberEpoch() != group.generationId) {
                groupError = Errors.ILLEGAL_GENERATION;
            } else if (group.is(GroupState.COMPLETING_REBALANCE)) {
                groupError = Errors.REBALANCE_IN_PROGRESS;
            } else {
                member.heard(now);
            }
        }
        OffsetCommitResponse.Builder response = OffsetCommitResponse.newBuilder(byId);
        Map<TopicPartition, CommittedOffset> accepted = new LinkedHashMap<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : data.topics()) {
            String name = topic.name();
            Errors topicError = groupError;
            if (byId) {
                Topic known = logs.topic(topic.topicId());
                name = known == null ? "" : known.name();
                if (known == null && topicError == Errors.NONE) {
                    topicError = Errors.UNKNOWN_TOPIC_ID;
                }
            }
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                Errors error = topicError;
                if (error == Errors.NONE && p.committedMetadata() != null
                        && p.committedMetadata().length() > MAX_METADATA_BYTES) {
                    error = Errors.OFFSET_METADATA_TOO_LARGE;
                }
                if (error == Errors.NONE) {
                    accepted.put(new TopicPartition(name, p.partitionIndex()), new CommittedOffset(p.committedOffset(),
                            p.committedLeaderEpoch(), p.committedMetadata() == null ? "" : p.committedMetadata(), now));
                }
                response.addPartition(topic.topicId(), topic.name(), p.partitionIndex(), error);
            }
        }
        if (!accepted.isEmpty()) {
            if (group == null) {
                group = new ClassicGroup(data.groupId());
                groups.put(group.groupId, group);
            }
            try {
                store.commit(group.groupId, group.protocolType, accepted);
            } catch (IOException | RuntimeException e) {
                LOG.error("group {}: cannot store committed offsets: {}", group.groupId, e.toString());
                OffsetCommitResponse.Builder failed = OffsetCommitResponse.newBuilder(byId);
                for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : data.topics()) {
                    failed.addPartitions(topic.topicId(), topic.name(), topic.partitions(),
                            OffsetCommitRequestData.OffsetCommitRequestPartition::partitionIndex,
                            Errors.COORDINATOR_NOT_AVAILABLE);
                }
                return done(failed.build());
            }
            group.offsets.putAll(accepted);
        }
        return done(response.build());
    }

    synchronized CompletionStage<AbstractResponse> offsetFetch(ClientRequest request, AbstractRequest body) {
        OffsetFetchRequest fetch = (OffsetFetchRequest) body;
        OffsetFetchRequestData data = fetch.data();
        short version = request.version();
        boolean byId = OffsetFetchRequest.useTopicIds(version);
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
        List<OffsetFetchResponseData.OffsetFetchResponseGroup> results = new ArrayList<>();
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : wanted) {
            results.add(fetchGroupOffsets(g, byId));
        }
        return done(new OffsetFetchResponse.Builder(results).build(version));
    }

    private OffsetFetchResponseData.OffsetFetchResponseGroup fetchGroupOffsets(
            OffsetFetchRequestData.OffsetFetchRequestGroup wanted, boolean byId) {
        OffsetFetchResponseData.OffsetFetchResponseGroup out =
                new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(wanted.groupId());
        ClassicGroup group = groups.get(wanted.groupId());
        Map<TopicPartition, CommittedOffset> offsets = group == null ? Map.of() : group.offsets;
        if (wanted.topics() == null) {
            Map<String, List<Map.Entry<TopicPartition, CommittedOffset>>> byTopic = offsets.entrySet().stream()
                    .collect(Collectors.groupingBy(e -> e.getKey().topic(), TreeMap::new, Collectors.toList()));
            byTopic.forEach((name, entries) -> {
                Uuid id = Uuid.ZERO_UUID;
                if (byId) {
                    Topic known = logs.topic(name);
                    if (known == null) {
                        return;
                    }
                    id = known.id();
                }
                OffsetFetchResponseData.OffsetFetchResponseTopics topic =
                        new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(name).setTopicId(id);
                for (var e : entries) {
                    topic.partitions().add(partitionOffset(e.getKey().partition(), e.getValue()));
                }
                out.topics().add(topic);
            });
            return out;
        }
        for (OffsetFetchRequestData.OffsetFetchRequestTopics t : wanted.topics()) {
            String name = t.name();
            Topic known = byId ? logs.topic(t.topicId()) : null;
            if (byId) {
                name = known == null ? null : known.name();
            }
            OffsetFetchResponseData.OffsetFetchResponseTopics topic =
                    new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(t.name()).setTopicId(t.topicId());
            for (int partition : t.partitionIndexes()) {
                if (name == null) {
                    topic.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                            .setPartitionIndex(partition).setCommittedOffset(-1)
                            .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                } else {
                    topic.partitions().add(partitionOffset(partition, offsets.get(new TopicPartition(name, partition))));
                }
            }
            out.topics().add(topic);
        }
        return out;
    }

    private static OffsetFetchResponseData.OffsetFetchResponsePartitions partitionOffset(int partition,
                                                                                         CommittedOffset committed) {
        OffsetFetchResponseData.OffsetFetchResponsePartitions out =
                new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(partition);
        if (committed == null) {
            return out.setCommittedOffset(-1).setCommittedLeaderEpoch(RecordBatch.NO_PARTITION_LEADER_EPOCH)
                    .setMetadata("");
        }
        return out.setCommittedOffset(committed.offset()).setCommittedLeaderEpoch(committed.leaderEpoch())
                .setMetadata(committed.metadata());
    }

    private synchronized CompletionStage<AbstractResponse> offsetDelete(ClientRequest request, AbstractRequest body) {
        OffsetDeleteRequestData data = ((OffsetDeleteRequest) body).data();
        ClassicGroup group = groups.get(data.groupId());
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        if (group == null) {
            return done(new OffsetDeleteResponse(response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())));
        }
        boolean active = !group.members.isEmpty();
        if (active && !group.protocolType.equals("consumer")) {
            return done(new OffsetDeleteResponse(response.setErrorCode(Errors.NON_EMPTY_GROUP.code())));
        }
        Set<String> subscribed = active ? group.subscribedTopics() : Set.of();
        List<TopicPartition> deleted = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : data.topics()) {
            OffsetDeleteResponseData.OffsetDeleteResponseTopic out =
                    new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(topic.name());
            boolean inUse = subscribed.contains(topic.name()) || subscribed.contains("*");
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : topic.partitions()) {
                Errors error = inUse ? Errors.GROUP_SUBSCRIBED_TO_TOPIC : Errors.NONE;
                if (!inUse) {
                    deleted.add(new TopicPartition(topic.name(), p.partitionIndex()));
                }
                out.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
            }
            response.topics().add(out);
        }
        deleted.removeIf(tp -> !group.offsets.containsKey(tp));
        if (!deleted.isEmpty()) {
            try {
                store.delete(group.groupId, deleted);
            } catch (IOException e) {
                LOG.error("group {}: cannot store the deletion of offsets: {}", group.groupId, e.toString());
                return done(new OffsetDeleteResponse(new OffsetDeleteResponseData()
                        .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())));
            }
            deleted.forEach(group.offsets::remove);
        }
        return done(new OffsetDeleteResponse(response));
    }

    // ---- Group admin ----

    private synchronized CompletionStage<AbstractResponse> listGroups(ClientRequest request, AbstractRequest body) {
        ListGroupsRequestData data = ((ListGroupsRequest) body).data();
        Set<String> states = data.statesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> types = data.typesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        ListGroupsResponseData response = new ListGroupsResponseData();
        if (!types.isEmpty() && !types.contains("classic")) {
            return done(new ListGroupsResponse(response));
        }
        for (ClassicGroup group : new TreeMap<>(groups).values()) {
            if (!states.isEmpty() && !states.contains(group.state.kafkaName().toLowerCase(Locale.ROOT))) {
                continue;
            }
            response.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId)
                    .setProtocolType(group.protocolType).setGroupState(group.state.kafkaName()).setGroupType("classic"));
        }
        return done(new ListGroupsResponse(response));
    }

    private synchronized CompletionStage<AbstractResponse> describeGroups(ClientRequest request, AbstractRequest body) {
        DescribeGroupsRequestData data = ((DescribeGroupsRequest) body).data();
        DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        for (String id : data.groups()) {
            ClassicGroup group = groups.get(id);
            if (group == null) {
                response.groups().add(request.version() >= 6
                        ? DescribeGroupsResponse.groupError(id, Errors.GROUP_ID_NOT_FOUND, "group " + id + " not found")
                        : DescribeGroupsResponse.groupMetadata(id, Errors.NONE, GroupState.DEAD.kafkaName(), "", "",
                        List.of(), Integer.MIN_VALUE));
                continue;
            }
            boolean stable = group.is(GroupState.STABLE);
            List<DescribeGroupsResponseData.DescribedGroupMember> members = new ArrayList<>();
            for (GroupMember m : group.members.values()) {
                byte[] metadata = stable && group.protocolName != null ? m.protocols.get(group.protocolName) : new byte[0];
                members.add(new DescribeGroupsResponseData.DescribedGroupMember().setMemberId(m.memberId)
                        .setGroupInstanceId(m.groupInstanceId).setClientId(m.clientId).setClientHost(m.clientHost)
                        .setMemberMetadata(metadata == null ? new byte[0] : metadata)
                        .setMemberAssignment(stable ? m.assignment : new byte[0]));
            }
            response.groups().add(DescribeGroupsResponse.groupMetadata(id, Errors.NONE, group.state.kafkaName(),
                    group.protocolType, stable ? group.protocolName : "", members, Integer.MIN_VALUE));
        }
        return done(new DescribeGroupsResponse(response));
    }

    private synchronized CompletionStage<AbstractResponse> deleteGroups(ClientRequest request, AbstractRequest body) {
        DeleteGroupsRequestData data = ((DeleteGroupsRequest) body).data();
        DeleteGroupsResponseData response = new DeleteGroupsResponseData();
        for (String id : data.groupsNames()) {
            ClassicGroup group = groups.get(id);
            Errors error = Errors.NONE;
            if (group == null) {
                error = Errors.GROUP_ID_NOT_FOUND;
            } else if (!group.members.isEmpty() || !group.is(GroupState.EMPTY)) {
                error = Errors.NON_EMPTY_GROUP;
            } else {
                try {
                    store.deleteGroup(id);
                    groups.remove(id);
                    group.transitionTo(GroupState.DEAD);
                    LOG.info("group {}: deleted with its committed offsets", id);
                } catch (IOException e) {
                    LOG.error("group {}: cannot store its deletion: {}", id, e.toString());
                    error = Errors.COORDINATOR_NOT_AVAILABLE;
                }
            }
            response.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(id)
                    .setErrorCode(error.code()));
        }
        return done(new DeleteGroupsResponse(response));
    }

    // ---- plumbing ----

    private Map<String, OffsetStore.StoredGroup> snapshot() {
        Map<String, OffsetStore.StoredGroup> live = new TreeMap<>();
        for (ClassicGroup group : groups.values()) {
            if (!group.offsets.isEmpty()) {
                OffsetStore.StoredGroup stored = new OffsetStore.StoredGroup();
                stored.protocolType = group.protocolType;
                stored.offsets.putAll(group.offsets);
                live.put(group.groupId, stored);
            }
        }
        return live;
    }

    private void schedule(long delayMs, Runnable task) {
        try {
            timers.schedule(io.logpipe.queue.util.Supervised.task("group timer", task), delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("coordinator is stopping; timer dropped");
        }
    }

    /** Completes a response that waited for other members, on the connection's own event loop. */
    private static void complete(CompletableFuture<AbstractResponse> future, Context context, AbstractResponse response) {
        if (future == null) {
            return;
        }
        if (context == null) {
            future.complete(response);
        } else {
            context.runOnContext(v -> future.complete(response));
        }
    }

    private static boolean validGroupId(String groupId) {
        return !groupId.isEmpty() && groupId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_GROUP_ID_BYTES;
    }

    private static CompletionStage<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    /** Kafka reports a member's host as {@code /address}; the connection name is {@code address:port}. */
    private static String clientHost(String connection) {
        int colon = connection.lastIndexOf(':');
        String host = colon > 0 ? connection.substring(0, colon) : connection;
        return host.startsWith("/") ? host : "/" + host;
    }

    @Override
    public void close() throws IOException {
        timers.shutdownNow();
        synchronized (this) {
            store.close();
        }
    }
}
