package io.logpipe.queue.group;

/** The classic group protocol's states, named as Kafka names them in DescribeGroups and ListGroups. */
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

    private final String kafkaName;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }
}
