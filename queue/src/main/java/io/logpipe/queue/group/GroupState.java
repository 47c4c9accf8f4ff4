package io.logpipe.queue.group;

import java.util.EnumSet;
import java.util.Set;

/**
 * The classic group protocol's states, named as Kafka names them in DescribeGroups and ListGroups, each with the
 * states a group may come from (Kafka's ClassicGroupState table): a transition from anywhere else is a bug.
 */
public enum GroupState {
    /** No members; the group may still hold committed offsets. */
    EMPTY("Empty"),
    /** Waiting for every member to (re)join. */
    PREPARING_REBALANCE("PreparingRebalance"),
    /** Joined; waiting for the leader's assignment in SyncGroup. */
    COMPLETING_REBALANCE("CompletingRebalance"),
    /** Members hold their assignment and heartbeat. */
    STABLE("Stable"),
    /** Deleted. */
    DEAD("Dead");

    static {
        EMPTY.previous = EnumSet.of(PREPARING_REBALANCE);
        PREPARING_REBALANCE.previous = EnumSet.of(EMPTY, STABLE, COMPLETING_REBALANCE);
        COMPLETING_REBALANCE.previous = EnumSet.of(PREPARING_REBALANCE);
        STABLE.previous = EnumSet.of(COMPLETING_REBALANCE);
        DEAD.previous = EnumSet.allOf(GroupState.class);
    }

    private final String kafkaName;
    private Set<GroupState> previous;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }

    /** Whether a group in {@code from} may move to this state. */
    boolean canFollow(GroupState from) {
        return previous.contains(from);
    }
}
