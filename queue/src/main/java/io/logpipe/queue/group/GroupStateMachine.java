package io.logpipe.queue.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.logpipe.queue.log.Topic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
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
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group protocol as a state machine, without a network or a disk: requests come in decoded, time comes
 * from a {@link GroupTimer}, and every change of committed offsets comes back as a {@link Result} holding the
 * response and the {@link OffsetRecord}s to persist. The caller writes those records and then applies them
 * ({@link Write#apply}), so the in-memory offsets never run ahead of the file.
 *
 * <p>Not thread-safe: the {@link GroupCoordinator} calls it under one lock, timers included.
 */
final class GroupStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(GroupStateMachine.class);
    /** Kafka's offset.metadata.max.bytes default. */
    private static final int MAX_METADATA_BYTES = 4096;
    /** Like Kafka (offsets.retention.check.interval.ms), a group with no members and no offsets is dropped after this. */
    static final long EMPTY_GROUP_EXPIRY_MS = 600_000;
    /** Group ids are stored as int16-length strings. */
    private static final int MAX_GROUP_ID_BYTES = Short.MAX_VALUE;

    /** One record to persist, what to change in memory once it is in the file, and what to do if it cannot be. */
    record Write(OffsetRecord record, Runnable apply, Runnable ifNotStored) {
        Write(OffsetRecord record, Runnable apply) {
            this(record, apply, () -> { });
        }
    }

    /**
     * A response, the records that must be stored before it is sent, and the response to send instead if one of
     * them cannot be.
     */
    record Result(AbstractResponse response, List<Write> writes, AbstractResponse ifNotStored) {
        static Result of(AbstractResponse response) {
            return new Result(response, List.of(), response);
        }
    }

    /** The settings the protocol depends on (from server.properties). */
    record Settings(int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                    long offsetsRetentionMs) {
    }

    private final Settings settings;
    private final GroupTimer timer;
    private final Function<Uuid, Topic> topicById;
    private final Function<String, Topic> topicByName;
    private final Map<String, ClassicGroup> groups = new HashMap<>();
    private final PendingTransactionalOffsets pendingTransactional = new PendingTransactionalOffsets();

    GroupStateMachine(Settings settings, GroupTimer timer, Function<Uuid, Topic> topicById,
                      Function<String, Topic> topicByName, Map<String, OffsetStore.StoredGroup> loaded) {
        this.settings = settings;
        this.timer = timer;
        this.topicById = topicById;
        this.topicByName = topicByName;
        long now = timer.nowMs();
        loaded.forEach((id, stored) -> {
            ClassicGroup group = new ClassicGroup(id, now);
            group.protocolType = stored.protocolType;
            group.offsets.putAll(stored.offsets);
            groups.put(id, group);
        });
    }

    /** Who sent a request: its client id and host, the version it speaks, where its delayed answer completes. */
    record Caller(String clientId, String clientHost, short version, Executor executor) {
    }

    // ---- JoinGroup ----

    CompletionStage<AbstractResponse> joinGroup(JoinGroupRequestData data, Caller caller) {
        short version = caller.version();
        long now = timer.nowMs();
        String memberId = data.memberId();
        if (!validGroupId(data.groupId())) {
            return done(GroupMember.joinError(memberId, Errors.INVALID_GROUP_ID, version));
        }
        if (data.sessionTimeoutMs() < settings.minSessionTimeoutMs()
                || data.sessionTimeoutMs() > settings.maxSessionTimeoutMs()) {
            return done(GroupMember.joinError(memberId, Errors.INVALID_SESSION_TIMEOUT, version));
        }
        LinkedHashMap<String, byte[]> protocols = new LinkedHashMap<>();
        data.protocols().forEach(p -> protocols.putIfAbsent(p.name(), p.metadata()));
        ClassicGroup group = groups.get(data.groupId());
        if (group == null) {
            if (!memberId.isEmpty()) {
                return done(GroupMember.joinError(memberId, Errors.UNKNOWN_MEMBER_ID, version));
            }
            group = new ClassicGroup(data.groupId(), now);
            groups.put(group.groupId, group);
        }
        if (!group.supports(data.protocolType(), protocols.keySet())) {
            return done(GroupMember.joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL, version));
        }
        CompletableFuture<AbstractResponse> response = new CompletableFuture<>();
        GroupMember.Pending pending = new GroupMember.Pending(response, caller.executor(), version);
        String instanceId = data.groupInstanceId();
        if (instanceId != null && !memberId.isEmpty() && !memberId.equals(group.staticMembers.get(instanceId))) {
            return done(GroupMember.joinError(memberId, Errors.FENCED_INSTANCE_ID, version));
        }
        if (memberId.isEmpty() && instanceId != null && group.staticMembers.containsKey(instanceId)) {
            // A static member restarted: its new incarnation replaces the old one, which is fenced from now on.
            GroupMember old = group.members.get(group.staticMembers.get(instanceId));
            if (old != null) {
                LOG.info("group {}: static member {} ({}) is replaced by a new incarnation", group.groupId,
                        old.memberId, old.groupInstanceId);
                // No rebalance of its own: the new incarnation's join follows.
                old.failPending(Errors.FENCED_INSTANCE_ID);
                group.remove(old);
            }
        }
        if (memberId.isEmpty()) {
            String newId = (instanceId != null ? instanceId : caller.clientId()) + "-" + UUID.randomUUID();
            if (JoinGroupRequest.requiresKnownMemberId(data, version)) {
                // The client must come back with this id, so a client that dies mid-join leaves no ghost member.
                group.pendingMembers.put(newId, now + data.sessionTimeoutMs());
                return done(GroupMember.joinError(newId, Errors.MEMBER_ID_REQUIRED, version));
            }
            addMemberAndRebalance(group, newId, data, caller, protocols, pending, now);
            return response;
        }
        if (group.pendingMembers.remove(memberId) != null) {
            addMemberAndRebalance(group, memberId, data, caller, protocols, pending, now);
            return response;
        }
        GroupMember member = group.members.get(memberId);
        if (member == null) {
            return done(GroupMember.joinError(memberId, Errors.UNKNOWN_MEMBER_ID, version));
        }
        switch (group.state) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, data, protocols, pending, now);
            case COMPLETING_REBALANCE -> {
                if (member.sameProtocols(protocols)) {
                    // A retried JoinGroup: answer with the generation it already belongs to.
                    member.heard(now);
                    return done(new JoinGroupResponse(joinResponse(group, member), version));
                }
                updateMemberAndRebalance(group, member, data, protocols, pending, now);
            }
            case STABLE -> {
                if (memberId.equals(group.leaderId) || !member.sameProtocols(protocols)) {
                    // The leader rejoins to trigger a rebalance (e.g. after a metadata change); so does a member
                    // whose subscription changed.
                    updateMemberAndRebalance(group, member, data, protocols, pending, now);
                } else {
                    member.heard(now);
                    return done(new JoinGroupResponse(joinResponse(group, member), version));
                }
            }
            default -> {
                return done(GroupMember.joinError(memberId, Errors.UNKNOWN_MEMBER_ID, version));
            }
        }
        return response;
    }

    private void addMemberAndRebalance(ClassicGroup group, String memberId, JoinGroupRequestData data, Caller caller,
                                       LinkedHashMap<String, byte[]> protocols, GroupMember.Pending pending, long now) {
        GroupMember member = new GroupMember(memberId, data.groupInstanceId(), caller.clientId(), caller.clientHost());
        if (group.members.isEmpty()) {
            group.protocolType = data.protocolType();
        }
        group.add(member);
        group.newMemberAddedDuringDelay = true;
        updateMemberAndRebalance(group, member, data, protocols, pending, now);
    }

    private void updateMemberAndRebalance(ClassicGroup group, GroupMember member, JoinGroupRequestData data,
                                          LinkedHashMap<String, byte[]> protocols, GroupMember.Pending pending,
                                          long now) {
        member.protocols = protocols;
        member.sessionTimeoutMs = data.sessionTimeoutMs();
        member.rebalanceTimeoutMs = pending.version() == 0 ? data.sessionTimeoutMs() : data.rebalanceTimeoutMs();
        member.awaitJoin(pending);
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
                m.completeSync(GroupMember.syncError(Errors.REBALANCE_IN_PROGRESS));
            }
        }
        boolean initial = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE, timer.nowMs());
        long serial = group.rebalanceSerial;
        LOG.info("group {}: preparing to rebalance (generation {}): {}", group.groupId, group.generationId, reason);
        int delay = settings.initialRebalanceDelayMs();
        if (initial && delay > 0) {
            group.inInitialDelay = true;
            group.newMemberAddedDuringDelay = false;
            group.initialDelayRemainingMs = Math.max(group.maxRebalanceTimeoutMs() - delay, 0);
            timer.schedule(delay, () -> initialDelayExpired(group, serial));
        } else {
            group.inInitialDelay = false;
            timer.schedule(group.maxRebalanceTimeoutMs(), () -> rebalanceTimedOut(group, serial));
            tryCompleteJoin(group);
        }
    }

    private void initialDelayExpired(ClassicGroup group, long serial) {
        if (group.rebalanceSerial != serial || !group.is(GroupState.PREPARING_REBALANCE)) {
            return;
        }
        if (group.newMemberAddedDuringDelay && group.initialDelayRemainingMs > 0) {
            long delay = Math.min(settings.initialRebalanceDelayMs(), group.initialDelayRemainingMs);
            group.initialDelayRemainingMs -= delay;
            group.newMemberAddedDuringDelay = false;
            timer.schedule(delay, () -> initialDelayExpired(group, serial));
            return;
        }
        group.inInitialDelay = false;
        completeJoin(group);
    }

    private void rebalanceTimedOut(ClassicGroup group, long serial) {
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
        for (GroupMember m : List.copyOf(group.members.values())) {
            if (!m.awaitingJoin()) {
                LOG.info("group {}: member {} did not rejoin in time and is removed", group.groupId, m.memberId);
                group.remove(m);
            }
        }
        group.inInitialDelay = false;
        group.generationId++;
        long now = timer.nowMs();
        if (group.members.isEmpty()) {
            group.protocolName = null;
            group.transitionTo(GroupState.EMPTY, now);
            LOG.info("group {}: is empty at generation {}", group.groupId, group.generationId);
            return;
        }
        group.protocolName = group.selectProtocol();
        group.transitionTo(GroupState.COMPLETING_REBALANCE, now);
        LOG.info("group {}: generation {} with {} member(s), protocol {}, leader {}", group.groupId,
                group.generationId, group.members.size(), group.protocolName, group.leaderId);
        for (GroupMember m : group.members.values()) {
            m.completeJoin(joinResponse(group, m));
            m.heard(now);
        }
    }

    private static JoinGroupResponseData joinResponse(ClassicGroup group, GroupMember member) {
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

    // ---- SyncGroup ----

    CompletionStage<AbstractResponse> syncGroup(SyncGroupRequestData data, Caller caller) {
        ClassicGroup group = groups.get(data.groupId());
        if (fenced(group, data.groupInstanceId(), data.memberId())) {
            return done(GroupMember.syncError(Errors.FENCED_INSTANCE_ID));
        }
        GroupMember member = group == null ? null : group.members.get(data.memberId());
        if (member == null) {
            return done(GroupMember.syncError(Errors.UNKNOWN_MEMBER_ID));
        }
        if (data.generationId() != group.generationId) {
            return done(GroupMember.syncError(Errors.ILLEGAL_GENERATION));
        }
        if (data.protocolType() != null && !data.protocolType().equals(group.protocolType)
                || data.protocolName() != null && !data.protocolName().equals(group.protocolName)) {
            return done(GroupMember.syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        long now = timer.nowMs();
        switch (group.state) {
            case PREPARING_REBALANCE -> {
                return done(GroupMember.syncError(Errors.REBALANCE_IN_PROGRESS));
            }
            case STABLE -> {
                member.heard(now);
                return done(syncResponse(group, member));
            }
            case COMPLETING_REBALANCE -> {
                member.heard(now);
                CompletableFuture<AbstractResponse> response = new CompletableFuture<>();
                member.awaitSync(new GroupMember.Pending(response, caller.executor(), caller.version()));
                if (member.memberId.equals(group.leaderId)) {
                    Map<String, byte[]> assignments = new HashMap<>();
                    data.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
                    for (GroupMember m : group.members.values()) {
                        m.assignment = assignments.getOrDefault(m.memberId, new byte[0]);
                    }
                    group.transitionTo(GroupState.STABLE, now);
                    LOG.info("group {}: generation {} is stable; assignment by leader {}", group.groupId,
                            group.generationId, group.leaderId);
                    for (GroupMember m : group.members.values()) {
                        m.completeSync(syncResponse(group, m));
                    }
                }
                return response;
            }
            default -> {
                return done(GroupMember.syncError(Errors.UNKNOWN_MEMBER_ID));
            }
        }
    }

    private static SyncGroupResponse syncResponse(ClassicGroup group, GroupMember member) {
        return new SyncGroupResponse(new SyncGroupResponseData().setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setAssignment(member.assignment));
    }

    // ---- Heartbeat and LeaveGroup ----

    HeartbeatResponse heartbeat(HeartbeatRequestData data) {
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
            member.heard(timer.nowMs());
            error = group.is(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        }
        return new HeartbeatResponse(new HeartbeatResponseData().setErrorCode(error.code()));
    }

    /** LeaveGroup of {@code leaving} (one member before v3, a batch from v3 on). */
    LeaveGroupResponse leaveGroup(String groupId, List<LeaveGroupRequestData.MemberIdentity> leaving, short version) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            return new LeaveGroupResponse(new LeaveGroupResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()),
                    version);
        }
        List<LeaveGroupResponseData.MemberResponse> responses = new ArrayList<>();
        for (LeaveGroupRequestData.MemberIdentity who : leaving) {
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
        return new LeaveGroupResponse(responses, Errors.NONE, 0, version);
    }

    /** FENCED_INSTANCE_ID when {@code instanceId} now belongs to another member than {@code memberId}. */
    private static boolean fenced(ClassicGroup group, String instanceId, String memberId) {
        return instanceId != null && group != null && group.staticMembers.containsKey(instanceId)
                && !group.staticMembers.get(instanceId).equals(memberId);
    }

    private void removeMember(ClassicGroup group, GroupMember member, String reason) {
        member.failPending(Errors.UNKNOWN_MEMBER_ID);
        group.remove(member);
        switch (group.state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            case PREPARING_REBALANCE -> tryCompleteJoin(group);
            default -> {
            }
        }
    }

    /**
     * Expires members and pending member ids whose session ran out, and drops groups that have stayed empty without
     * offsets for {@link #EMPTY_GROUP_EXPIRY_MS}.
     */
    void expireSessions() {
        long now = timer.nowMs();
        for (ClassicGroup group : List.copyOf(groups.values())) {
            if (group.pendingMembers.values().removeIf(deadline -> deadline < now)) {
                tryCompleteJoin(group);
            }
            if (group.is(GroupState.EMPTY) && group.pendingMembers.isEmpty() && group.offsets.isEmpty()) {
                if (group.emptySinceMs == 0) {
                    group.emptySinceMs = now;
                } else if (now - group.emptySinceMs > EMPTY_GROUP_EXPIRY_MS) {
                    groups.remove(group.groupId);
                    group.transitionTo(GroupState.DEAD, now);
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
    }

    // ---- Offsets ----

    /**
     * offsets.retention.minutes, as Kafka applies it: a group's offsets expire once it has been empty that long (a
     * group loaded from disk counts as empty since the broker started); offsets committed outside any group
     * membership (no protocol type) expire that long after their commit. Groups with members keep theirs.
     */
    List<Write> expireOffsets(long nowMs) {
        List<Write> writes = new ArrayList<>();
        for (ClassicGroup group : groups.values()) {
            if (!group.is(GroupState.EMPTY) || group.offsets.isEmpty()) {
                continue;
            }
            List<TopicPartition> old = new ArrayList<>();
            // Kafka counts an empty consumer group's offsets from when it became empty; a commit made since (a
            // kafka-consumer-groups --reset-offsets) counts from the commit here, so it is never expired at once.
            long base = group.protocolType.isEmpty() ? 0 : group.stateSinceMs;
            group.offsets.forEach((tp, committed) -> {
                if (nowMs - Math.max(base, committed.commitTimestampMs()) >= settings.offsetsRetentionMs()) {
                    old.add(tp);
                }
            });
            if (!old.isEmpty()) {
                writes.add(deleteOffsets(group, old, "expired after offsets.retention.minutes="
                        + settings.offsetsRetentionMs() / 60_000));
            }
        }
        return writes;
    }

    /**
     * Drops every group's committed offsets of a deleted topic, as Kafka does, so a topic created again under the same
     * name is consumed from auto.offset.reset rather than from offsets of the old data. Groups left empty without
     * offsets go with the next sweep.
     */
    List<Write> removeOffsetsOf(String topic) {
        List<Write> writes = new ArrayList<>();
        for (ClassicGroup group : groups.values()) {
            List<TopicPartition> gone = group.offsets.keySet().stream().filter(tp -> tp.topic().equals(topic)).toList();
            if (!gone.isEmpty()) {
                writes.add(deleteOffsets(group, gone, "removed with deleted topic " + topic));
            }
        }
        return writes;
    }

    /** The one way offsets leave a group: a DELETE record, then, once it is stored, the map and a log line. */
    private static Write deleteOffsets(ClassicGroup group, List<TopicPartition> partitions, String why) {
        return new Write(new OffsetRecord.Delete(group.groupId, partitions), () -> {
            partitions.forEach(group.offsets::remove);
            LOG.info("group {}: {} committed offset(s) {}", group.groupId, partitions.size(), why);
        });
    }

    Result offsetCommit(OffsetCommitRequestData data, short version) {
        boolean byId = OffsetCommitResponse.useTopicIds(version);
        long now = timer.nowMs();
        ClassicGroup existing = groups.get(data.groupId());
        boolean simple = data.generationIdOrMemberEpoch() < 0 && (data.memberId() == null || data.memberId().isEmpty());
        Errors groupError = Errors.NONE;
        if (!validGroupId(data.groupId())) {
            groupError = Errors.INVALID_GROUP_ID;
        } else if (existing == null) {
            if (!simple) {
                groupError = Errors.ILLEGAL_GENERATION;
            }
        } else if (simple) {
            if (!existing.members.isEmpty()) {
                // Only members may commit while the group has members (kafka-consumer-groups needs it inactive).
                groupError = Errors.UNKNOWN_MEMBER_ID;
            }
        } else if (fenced(existing, data.groupInstanceId(), data.memberId())) {
            groupError = Errors.FENCED_INSTANCE_ID;
        } else {
            GroupMember member = existing.members.get(data.memberId());
            if (member == null) {
                groupError = Errors.UNKNOWN_MEMBER_ID;
            } else if (data.generationIdOrMemberEpoch() != existing.generationId) {
                groupError = Errors.ILLEGAL_GENERATION;
            } else if (existing.is(GroupState.COMPLETING_REBALANCE)) {
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
                Topic known = topicById.apply(topic.topicId());
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
        if (accepted.isEmpty()) {
            return Result.of(response.build());
        }
        ClassicGroup group = existing != null ? existing : groups.computeIfAbsent(data.groupId(),
                id -> new ClassicGroup(id, now));
        OffsetCommitResponse.Builder failed = OffsetCommitResponse.newBuilder(byId);
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : data.topics()) {
            failed.addPartitions(topic.topicId(), topic.name(), topic.partitions(),
                    OffsetCommitRequestData.OffsetCommitRequestPartition::partitionIndex,
                    Errors.COORDINATOR_NOT_AVAILABLE);
        }
        Write write = new Write(new OffsetRecord.Commit(group.groupId, group.protocolType, accepted),
                () -> group.offsets.putAll(accepted));
        return new Result(response.build(), List.of(write), failed.build());
    }

    /**
     * The offsets a committed transaction wrote for {@code groupId} (TxnOffsetCommit): they become the group's
     * committed offsets now, whatever its membership, as in Kafka once the COMMIT marker is written.
     */
    Write transactionalCommit(String groupId, Map<TopicPartition, CommittedOffset> offsets) {
        long now = timer.nowMs();
        ClassicGroup group = groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, now));
        Map<TopicPartition, CommittedOffset> stamped = new LinkedHashMap<>();
        offsets.forEach((tp, o) -> stamped.put(tp, new CommittedOffset(o.offset(), o.leaderEpoch(), o.metadata(), now)));
        return new Write(new OffsetRecord.Commit(group.groupId, group.protocolType, stamped),
                () -> group.offsets.putAll(stamped));
    }

    /**
     * KIP-447, Kafka's check of a TxnOffsetCommit's group metadata (what {@code sendOffsetsToTransaction} got from
     * {@code consumer.groupMetadata()}): NONE when it may commit; ILLEGAL_GENERATION for another generation (a zombie
     * that lost its partitions in a rebalance) or a generation for a group that does not exist, UNKNOWN_MEMBER_ID for
     * a member that is not in the group, FENCED_INSTANCE_ID for a static member whose instance id a newer member
     * holds. Without member id, instance id and generation (a producer that gave only the group id) it always may,
     * as in Kafka; unlike OffsetCommit, a transactional commit is not refused during a rebalance.
     */
    Errors validateTransactionalCommit(String groupId, String memberId, String groupInstanceId, int generationId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            return generationId < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION;
        }
        if (group.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generationId < 0 && group.is(GroupState.EMPTY)) {
            return Errors.NONE;
        }
        boolean member = memberId != null && !memberId.isEmpty();
        if (generationId < 0 && !member && groupInstanceId == null) {
            return Errors.NONE;
        }
        if (groupInstanceId != null) {
            String holder = group.staticMembers.get(groupInstanceId);
            if (holder == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!holder.equals(memberId)) {
                LOG.info("group {}: a transactional offset commit of member {} is fenced: instance {} is member {}",
                        groupId, memberId, groupInstanceId, holder);
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        if (!member || !group.members.containsKey(memberId)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (generationId != group.generationId) {
            LOG.info("group {}: a transactional offset commit of member {} for generation {} is refused: the group"
                    + " is at generation {}", groupId, memberId, generationId, group.generationId);
            return Errors.ILLEGAL_GENERATION;
        }
        return Errors.NONE;
    }

    /** {@code transactionalId}'s open transaction committed offsets of {@code partitions} for {@code groupId}. */
    void transactionalOffsetsPending(String transactionalId, String groupId, Collection<TopicPartition> partitions) {
        pendingTransactional.add(transactionalId, groupId, partitions);
    }

    /** {@code transactionalId}'s transaction ended: its offsets are the groups' (a commit) or gone (an abort). */
    void transactionEnded(String transactionalId) {
        pendingTransactional.remove(transactionalId);
    }

    /**
     * OffsetFetch, for the groups of the request (one before v8). With {@code requireStable} (kafka-clients'
     * consumers always ask so) a partition with offsets pending in an open transaction gets UNSTABLE_OFFSET_COMMIT,
     * which the client retries, as from Kafka (KIP-447).
     */
    List<OffsetFetchResponseData.OffsetFetchResponseGroup> offsetFetch(
            List<OffsetFetchRequestData.OffsetFetchRequestGroup> wanted, boolean byId, boolean requireStable) {
        List<OffsetFetchResponseData.OffsetFetchResponseGroup> results = new ArrayList<>();
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : wanted) {
            results.add(fetchGroupOffsets(g, byId, requireStable));
        }
        return results;
    }

    private OffsetFetchResponseData.OffsetFetchResponseGroup fetchGroupOffsets(
            OffsetFetchRequestData.OffsetFetchRequestGroup wanted, boolean byId, boolean requireStable) {
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
                    Topic known = topicByName.apply(name);
                    if (known == null) {
                        return;
                    }
                    id = known.id();
                }
                OffsetFetchResponseData.OffsetFetchResponseTopics topic =
                        new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(name).setTopicId(id);
                for (var e : entries) {
                    topic.partitions().add(requireStable && pendingTransactional.isPending(wanted.groupId(), e.getKey())
                            ? unstable(e.getKey().partition()) : partitionOffset(e.getKey().partition(), e.getValue()));
                }
                out.topics().add(topic);
            });
            return out;
        }
        for (OffsetFetchRequestData.OffsetFetchRequestTopics t : wanted.topics()) {
            String name = t.name();
            if (byId) {
                Topic known = topicById.apply(t.topicId());
                name = known == null ? null : known.name();
            }
            OffsetFetchResponseData.OffsetFetchResponseTopics topic =
                    new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(t.name()).setTopicId(t.topicId());
            for (int partition : t.partitionIndexes()) {
                if (name == null) {
                    topic.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                            .setPartitionIndex(partition).setCommittedOffset(-1)
                            .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                } else if (requireStable
                        && pendingTransactional.isPending(wanted.groupId(), new TopicPartition(name, partition))) {
                    topic.partitions().add(unstable(partition));
                } else {
                    topic.partitions().add(partitionOffset(partition, offsets.get(new TopicPartition(name, partition))));
                }
            }
            out.topics().add(topic);
        }
        return out;
    }

    private static OffsetFetchResponseData.OffsetFetchResponsePartitions unstable(int partition) {
        return new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(partition)
                .setCommittedOffset(-1).setCommittedLeaderEpoch(RecordBatch.NO_PARTITION_LEADER_EPOCH).setMetadata("")
                .setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
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

    Result offsetDelete(OffsetDeleteRequestData data) {
        ClassicGroup group = groups.get(data.groupId());
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        if (group == null) {
            return Result.of(new OffsetDeleteResponse(response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())));
        }
        boolean active = !group.members.isEmpty();
        if (active && !group.protocolType.equals("consumer")) {
            return Result.of(new OffsetDeleteResponse(response.setErrorCode(Errors.NON_EMPTY_GROUP.code())));
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
        if (deleted.isEmpty()) {
            return Result.of(new OffsetDeleteResponse(response));
        }
        return new Result(new OffsetDeleteResponse(response), List.of(deleteOffsets(group, deleted, "deleted")),
                new OffsetDeleteResponse(new OffsetDeleteResponseData()
                        .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())));
    }

    // ---- Group admin ----

    ListGroupsResponse listGroups(ListGroupsRequestData data) {
        Set<String> states = data.statesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> types = data.typesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        ListGroupsResponseData response = new ListGroupsResponseData();
        if (!types.isEmpty() && !types.contains("classic")) {
            return new ListGroupsResponse(response);
        }
        for (ClassicGroup group : new TreeMap<>(groups).values()) {
            if (!states.isEmpty() && !states.contains(group.state.kafkaName().toLowerCase(Locale.ROOT))) {
                continue;
            }
            response.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId)
                    .setProtocolType(group.protocolType).setGroupState(group.state.kafkaName()).setGroupType("classic"));
        }
        return new ListGroupsResponse(response);
    }

    DescribeGroupsResponse describeGroups(List<String> ids, short version) {
        DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        for (String id : ids) {
            ClassicGroup group = groups.get(id);
            if (group == null) {
                response.groups().add(version >= 6
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
        return new DescribeGroupsResponse(response);
    }

    /**
     * DeleteGroups: every named group that is empty goes, with its offsets, once its DELETE_GROUP record is stored;
     * one whose record cannot be stored is answered COORDINATOR_NOT_AVAILABLE and stays.
     */
    Result deleteGroups(List<String> ids) {
        DeleteGroupsResponseData response = new DeleteGroupsResponseData();
        List<Write> writes = new ArrayList<>();
        for (String id : ids) {
            ClassicGroup group = groups.get(id);
            DeleteGroupsResponseData.DeletableGroupResult result =
                    new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(id);
            if (group == null) {
                result.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
            } else if (!group.members.isEmpty() || !group.is(GroupState.EMPTY)) {
                result.setErrorCode(Errors.NON_EMPTY_GROUP.code());
            } else {
                writes.add(new Write(new OffsetRecord.DeleteGroup(id), () -> {
                    group.offsets.clear();
                    // Members may have joined while the record was written: then only the offsets go.
                    if (group.is(GroupState.EMPTY) && groups.remove(id, group)) {
                        group.transitionTo(GroupState.DEAD, timer.nowMs());
                    }
                    LOG.info("group {}: deleted with its committed offsets", id);
                }, () -> result.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())));
            }
            response.results().add(result);
        }
        DeleteGroupsResponse answer = new DeleteGroupsResponse(response);
        return new Result(answer, writes, answer);
    }

    /** The committed offsets of every group, as a compacted store holds them. */
    Map<String, OffsetStore.StoredGroup> snapshot() {
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

    private static boolean validGroupId(String groupId) {
        return !groupId.isEmpty() && groupId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_GROUP_ID_BYTES;
    }

    private static CompletionStage<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
