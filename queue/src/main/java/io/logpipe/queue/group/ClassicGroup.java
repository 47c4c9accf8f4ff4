package io.logpipe.queue.group;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;

/**
 * A group of the classic protocol: its members, generation and leader, the protocol chosen for the current
 * generation, and its committed offsets. The {@link GroupStateMachine} mutates it under its lock; the group itself
 * keeps its invariants: a state only follows one it may follow, a leader exists while there are members, and each
 * static instance id names the member that holds it.
 */
final class ClassicGroup {
    final String groupId;
    GroupState state = GroupState.EMPTY;
    int generationId;
    String protocolType = "";
    String protocolName;
    String leaderId;
    final Map<String, GroupMember> members = new LinkedHashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined with them yet, with their deadlines. */
    final Map<String, Long> pendingMembers = new HashMap<>();
    final Map<TopicPartition, CommittedOffset> offsets = new LinkedHashMap<>();
    /** group.instance.id of each static member to its current member id. */
    final Map<String, String> staticMembers = new HashMap<>();

    /** Bumped on every state change, so a timer set for an earlier rebalance knows it is stale. */
    long rebalanceSerial;
    /** While set, the first rebalance of an empty group waits group.initial.rebalance.delay.ms for more members. */
    boolean inInitialDelay;
    boolean newMemberAddedDuringDelay;
    long initialDelayRemainingMs;
    /** When the group last changed state (or was loaded from disk): an empty group's offsets expire from then. */
    long stateSinceMs;
    /** When the group was first seen empty, without offsets; 0 while it is not. */
    long emptySinceMs;

    ClassicGroup(String groupId, long nowMs) {
        this.groupId = groupId;
        this.stateSinceMs = nowMs;
    }

    boolean is(GroupState s) {
        return state == s;
    }

    /** Moves to {@code next}, which must follow the current state (see {@link GroupState}); stale timers see it. */
    void transitionTo(GroupState next, long nowMs) {
        if (!next.canFollow(state)) {
            throw new IllegalStateException("group " + groupId + " cannot go from " + state.kafkaName() + " to "
                    + next.kafkaName());
        }
        if (next != state) {
            stateSinceMs = nowMs;
        }
        state = next;
        rebalanceSerial++;
    }

    /** Adds a member that joined; the first one of the group leads it. */
    void add(GroupMember member) {
        members.put(member.memberId, member);
        if (member.groupInstanceId != null) {
            staticMembers.put(member.groupInstanceId, member.memberId);
        }
        if (leaderId == null) {
            leaderId = member.memberId;
        }
    }

    /** Removes a member (its static id goes with it unless a newer incarnation holds it); a new leader if it led. */
    void remove(GroupMember member) {
        members.remove(member.memberId);
        if (member.groupInstanceId != null) {
            staticMembers.remove(member.groupInstanceId, member.memberId);
        }
        if (member.memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    boolean allMembersJoined() {
        return pendingMembers.isEmpty() && members.values().stream().allMatch(GroupMember::awaitingJoin);
    }

    int maxRebalanceTimeoutMs() {
        return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
    }

    /** Whether a member with these protocols may join: same protocol type and at least one protocol in common. */
    boolean supports(String type, Set<String> protocols) {
        if (members.isEmpty()) {
            return !type.isEmpty() && !protocols.isEmpty();
        }
        if (!type.equals(protocolType)) {
            return false;
        }
        Set<String> common = candidateProtocols();
        common.retainAll(protocols);
        return !common.isEmpty();
    }

    /** The protocols every member supports, in the leader's order of preference. */
    Set<String> candidateProtocols() {
        Set<String> candidates = null;
        GroupMember leader = leaderId == null ? null : members.get(leaderId);
        if (leader != null) {
            candidates = new LinkedHashSet<>(leader.protocols.keySet());
        }
        for (GroupMember m : members.values()) {
            if (candidates == null) {
                candidates = new LinkedHashSet<>(m.protocols.keySet());
            } else {
                candidates.retainAll(m.protocols.keySet());
            }
        }
        return candidates == null ? new LinkedHashSet<>() : candidates;
    }

    /** Each member votes for its most preferred candidate; the most votes wins (ties: the leader's preference). */
    String selectProtocol() {
        Set<String> candidates = candidateProtocols();
        Map<String, Integer> votes = new HashMap<>();
        for (GroupMember m : members.values()) {
            for (String p : m.protocols.keySet()) {
                if (candidates.contains(p)) {
                    votes.merge(p, 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        for (String p : candidates) {
            if (best == null || votes.getOrDefault(p, 0) > votes.getOrDefault(best, 0)) {
                best = p;
            }
        }
        return best;
    }

    /** The topics the members subscribe to, read from their consumer-protocol metadata (empty if not a consumer group). */
    Set<String> subscribedTopics() {
        Set<String> topics = new HashSet<>();
        if (!protocolType.equals(ConsumerProtocol.PROTOCOL_TYPE)) {
            return topics;
        }
        for (GroupMember m : members.values()) {
            byte[] metadata = protocolName != null && m.protocols.containsKey(protocolName)
                    ? m.protocols.get(protocolName) : m.protocols.values().stream().findFirst().orElse(null);
            if (metadata == null) {
                continue;
            }
            try {
                ConsumerPartitionAssignor.Subscription subscription =
                        ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata));
                topics.addAll(subscription.topics());
            } catch (RuntimeException e) {
                // Unreadable metadata: the member could be subscribed to anything.
                topics.add("*");
            }
        }
        return topics;
    }
}
