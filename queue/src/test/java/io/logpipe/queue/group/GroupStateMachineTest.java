package io.logpipe.queue.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.Test;

/**
 * The classic group protocol's rebalance cases, driven straight into the state machine: no network, no disk, and
 * time moved by hand, so a session or rebalance timeout takes no time.
 */
class GroupStateMachineTest {
    static final String GROUP = "g";
    static final int SESSION_MS = 10_000;
    static final int REBALANCE_MS = 30_000;
    static final short JOIN_VERSION = 5; // the member-id-required round trip (v4+)

    /** A clock that moves only when told to, running the timers that fall due on the way. */
    static final class ManualTimer implements GroupTimer {
        record Task(long dueMs, long seq, Runnable task) {
        }

        long now = 1_000_000;
        private long seq;
        private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.dueMs != b.dueMs
                ? Long.compare(a.dueMs, b.dueMs) : Long.compare(a.seq, b.seq));

        @Override
        public long nowMs() {
            return now;
        }

        @Override
        public void schedule(long delayMs, Runnable task) {
            tasks.add(new Task(now + delayMs, seq++, task));
        }

        void advance(long ms) {
            long target = now + ms;
            while (!tasks.isEmpty() && tasks.peek().dueMs <= target) {
                Task t = tasks.poll();
                now = t.dueMs;
                t.task.run();
            }
            now = target;
        }
    }

    final ManualTimer timer = new ManualTimer();
    final GroupStateMachine machine = new GroupStateMachine(
            new GroupStateMachine.Settings(0, 6_000, 1_800_000, 7 * 24 * 3_600_000L), timer, id -> null, name -> null,
            Map.of());

    static GroupStateMachine.Caller caller(short version) {
        return new GroupStateMachine.Caller("client", "/127.0.0.1", version, Runnable::run);
    }

    CompletableFuture<AbstractResponse> join(String memberId, String instanceId, byte[] metadata) {
        JoinGroupRequestData data = new JoinGroupRequestData().setGroupId(GROUP).setMemberId(memberId)
                .setGroupInstanceId(instanceId).setProtocolType("consumer").setSessionTimeoutMs(SESSION_MS)
                .setRebalanceTimeoutMs(REBALANCE_MS);
        data.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
        CompletionStage<AbstractResponse> response = machine.joinGroup(data, caller(JOIN_VERSION));
        return response.toCompletableFuture();
    }

    /** A new dynamic member: the MEMBER_ID_REQUIRED round trip, then the join that waits for the generation. */
    CompletableFuture<AbstractResponse> joinNew() {
        JoinGroupResponse required = (JoinGroupResponse) join("", null, new byte[0]).getNow(null);
        assertEquals(Errors.MEMBER_ID_REQUIRED, required.error());
        return join(required.data().memberId(), null, new byte[0]);
    }

    static JoinGroupResponse joined(CompletableFuture<AbstractResponse> join) {
        assertTrue(join.isDone(), "the JoinGroup is answered");
        return (JoinGroupResponse) join.getNow(null);
    }

    CompletableFuture<AbstractResponse> sync(JoinGroupResponse joined, Map<String, byte[]> assignments) {
        SyncGroupRequestData data = new SyncGroupRequestData().setGroupId(GROUP).setMemberId(joined.data().memberId())
                .setGenerationId(joined.data().generationId());
        assignments.forEach((member, assignment) -> data.assignments().add(
                new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(member).setAssignment(assignment)));
        return machine.syncGroup(data, caller((short) 5)).toCompletableFuture();
    }

    Errors heartbeat(JoinGroupResponse joined) {
        return heartbeat(joined.data().memberId(), joined.data().generationId(), null);
    }

    Errors heartbeat(String memberId, int generation, String instanceId) {
        return machine.heartbeat(new HeartbeatRequestData().setGroupId(GROUP).setMemberId(memberId)
                .setGenerationId(generation).setGroupInstanceId(instanceId)).error();
    }

    /** Two dynamic members, joined and synced: a stable group at generation 2 led by the first. */
    JoinGroupResponse[] stableGroupOfTwo() {
        JoinGroupResponse a = joined(joinNew());
        assertEquals(1, a.data().generationId());
        CompletableFuture<AbstractResponse> bJoin = joinNew();
        assertFalse(bJoin.isDone(), "a new member waits until the others have rejoined");
        a = joined(join(a.data().memberId(), null, new byte[0]));
        JoinGroupResponse b = joined(bJoin);
        CompletableFuture<AbstractResponse> bSync = sync(b, Map.of());
        sync(a, Map.of(a.data().memberId(), new byte[] {1}, b.data().memberId(), new byte[] {2}));
        assertTrue(bSync.isDone());
        return new JoinGroupResponse[] {a, b};
    }

    GroupState state() {
        return GroupState.valueOf(machine.describeGroups(List.of(GROUP), (short) 5).data().groups().get(0)
                .groupState().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase());
    }

    @Test
    void membersJoinOneGenerationAndTheLeaderSeesEveryonesMetadata() {
        JoinGroupResponse a = joined(joinNew());
        assertEquals(Errors.NONE, a.error());
        assertEquals(a.data().memberId(), a.data().leader(), "the first member leads");
        CompletableFuture<AbstractResponse> bJoin = joinNew();
        assertEquals(GroupState.PREPARING_REBALANCE, state());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(a), "the leader is told to rejoin");

        JoinGroupResponse a2 = joined(join(a.data().memberId(), null, new byte[0]));
        JoinGroupResponse b = joined(bJoin);
        assertEquals(2, a2.data().generationId());
        assertEquals(2, b.data().generationId());
        assertEquals(2, a2.data().members().size(), "the leader gets every member's subscription");
        assertTrue(b.data().members().isEmpty(), "a follower gets none");
        assertEquals(GroupState.COMPLETING_REBALANCE, state());
    }

    @Test
    void syncHandsEachMemberTheLeadersAssignment() {
        JoinGroupResponse a = joined(joinNew());
        CompletableFuture<AbstractResponse> bJoin = joinNew();
        a = joined(join(a.data().memberId(), null, new byte[0]));
        JoinGroupResponse b = joined(bJoin);

        CompletableFuture<AbstractResponse> bSync = sync(b, Map.of());
        assertFalse(bSync.isDone(), "a follower waits for the leader's assignment");
        SyncGroupResponse aSynced = (SyncGroupResponse) sync(a,
                Map.of(a.data().memberId(), new byte[] {1}, b.data().memberId(), new byte[] {2})).getNow(null);
        assertArrayEquals(new byte[] {1}, aSynced.data().assignment());
        assertArrayEquals(new byte[] {2}, ((SyncGroupResponse) bSync.getNow(null)).data().assignment());
        assertEquals(GroupState.STABLE, state());
        assertEquals(Errors.NONE, heartbeat(b));
    }

    @Test
    void aMemberWithoutHeartbeatsWithinItsSessionIsRemovedAndTheOthersRebalance() {
        JoinGroupResponse[] ab = stableGroupOfTwo();
        timer.advance(SESSION_MS / 2);
        assertEquals(Errors.NONE, heartbeat(ab[0]));
        machine.expireSessions();
        assertEquals(Errors.NONE, heartbeat(ab[1]), "within its session");
        timer.advance(SESSION_MS / 2 + 1);
        assertEquals(Errors.NONE, heartbeat(ab[0]));
        timer.advance(SESSION_MS / 2);
        assertEquals(Errors.NONE, heartbeat(ab[0]));
        machine.expireSessions();
        assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(ab[1]), "silent for longer than its session");
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(ab[0]));
        JoinGroupResponse alone = joined(join(ab[0].data().memberId(), null, new byte[0]));
        assertEquals(3, alone.data().generationId());
        assertEquals(1, alone.data().members().size());
    }

    @Test
    void aMemberThatLeavesTriggersARebalanceAndTheLeaderIsReElected() {
        JoinGroupResponse[] ab = stableGroupOfTwo();
        var left = machine.leaveGroup(GROUP, List.of(new LeaveGroupRequestData.MemberIdentity()
                .setMemberId(ab[0].data().memberId())), (short) 3);
        assertEquals(Errors.NONE, left.error());
        assertEquals(GroupState.PREPARING_REBALANCE, state());
        assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(ab[0]));
        JoinGroupResponse b = joined(join(ab[1].data().memberId(), null, new byte[0]));
        assertEquals(3, b.data().generationId());
        assertEquals(b.data().memberId(), b.data().leader(), "the remaining member leads now");
    }

    @Test
    void aRestartedStaticMemberReplacesItsOldIncarnationAtOnce() {
        JoinGroupResponse old = joined(join("", "web-1", new byte[0]));
        assertEquals(Errors.NONE, old.error(), "a static member joins without the member-id round trip");
        sync(old, Map.of(old.data().memberId(), new byte[] {1}));
        assertEquals(GroupState.STABLE, state());

        JoinGroupResponse restarted = joined(join("", "web-1", new byte[0]));
        assertEquals(Errors.NONE, restarted.error(), "no waiting for the old incarnation's session to run out");
        assertNotEquals(old.data().memberId(), restarted.data().memberId());
        assertEquals(restarted.data().memberId(), restarted.data().leader());
        assertEquals(Errors.FENCED_INSTANCE_ID, heartbeat(old.data().memberId(), old.data().generationId(), "web-1"));
        assertEquals(Errors.FENCED_INSTANCE_ID,
                ((JoinGroupResponse) join(old.data().memberId(), "web-1", new byte[0]).getNow(null)).error());
    }

    @Test
    void aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsDropped() {
        JoinGroupResponse[] ab = stableGroupOfTwo();
        CompletableFuture<AbstractResponse> aRejoin = join(ab[0].data().memberId(), null, new byte[] {9});
        assertFalse(aRejoin.isDone(), "a new subscription waits for every member");
        timer.advance(REBALANCE_MS - 1);
        assertFalse(aRejoin.isDone());
        timer.advance(1);
        JoinGroupResponse a = joined(aRejoin);
        assertEquals(3, a.data().generationId());
        assertEquals(List.of(ab[0].data().memberId()),
                a.data().members().stream().map(m -> m.memberId()).toList(), "the member that did not rejoin is out");
        assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(ab[1]));
    }

    @Test
    void aCommitReturnsItsRecordAndIsVisibleOnlyOnceApplied() {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId("simple").setMemberId("")
                .setGenerationIdOrMemberEpoch(-1);
        data.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(7))));
        GroupStateMachine.Result result = machine.offsetCommit(data, (short) 8);
        assertEquals(Map.of(Errors.NONE, 1), ((OffsetCommitResponse) result.response()).errorCounts());
        assertEquals(Map.of(Errors.COORDINATOR_NOT_AVAILABLE, 1),
                ((OffsetCommitResponse) result.ifNotStored()).errorCounts(), "the answer if the record is not stored");
        OffsetRecord.Commit commit = assertInstanceOf(OffsetRecord.Commit.class, result.writes().get(0).record());
        assertEquals(7, commit.offsets().get(new TopicPartition("t", 0)).offset());
        assertEquals(-1, committed("simple"), "not visible before it is stored");
        result.writes().get(0).apply().run();
        assertEquals(7, committed("simple"));
    }

    @Test
    void aTransactionalCommitIsCheckedAgainstTheGroupsMembersAndGenerationAsInKafka() {
        assertEquals(Errors.NONE, machine.validateTransactionalCommit("nobody", "", null, -1),
                "no group yet and no group metadata: a simple commit");
        assertEquals(Errors.ILLEGAL_GENERATION, machine.validateTransactionalCommit("nobody", "m", null, 1));
        JoinGroupResponse[] ab = stableGroupOfTwo();
        String a = ab[0].data().memberId();
        assertEquals(Errors.NONE, machine.validateTransactionalCommit(GROUP, a, null, 2));
        assertEquals(Errors.NONE, machine.validateTransactionalCommit(GROUP, "", null, -1),
                "a producer that gave only the group id, even while the group has members");
        assertEquals(Errors.ILLEGAL_GENERATION, machine.validateTransactionalCommit(GROUP, a, null, 1));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, machine.validateTransactionalCommit(GROUP, "gone", null, 2));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, machine.validateTransactionalCommit(GROUP, "", null, 2));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, machine.validateTransactionalCommit(GROUP, a, "no-such-instance", 2));
        // during a rebalance the generation it was given still commits (OffsetCommit would be told to rejoin)
        join(ab[1].data().memberId(), null, new byte[] {9});
        assertEquals(GroupState.PREPARING_REBALANCE, state());
        assertEquals(Errors.NONE, machine.validateTransactionalCommit(GROUP, a, null, 2));
    }

    @Test
    void aReplacedStaticMembersTransactionalCommitIsFenced() {
        JoinGroupResponse old = joined(join("", "web-1", new byte[0]));
        sync(old, Map.of(old.data().memberId(), new byte[] {1}));
        JoinGroupResponse restarted = joined(join("", "web-1", new byte[0]));
        int generation = restarted.data().generationId();
        assertEquals(Errors.FENCED_INSTANCE_ID,
                machine.validateTransactionalCommit(GROUP, old.data().memberId(), "web-1", generation));
        assertEquals(Errors.NONE,
                machine.validateTransactionalCommit(GROUP, restarted.data().memberId(), "web-1", generation));
    }

    @Test
    void offsetsPendingInATransactionAreUnstableForRequireStableFetchesUntilItEnds() {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId("simple").setMemberId("")
                .setGenerationIdOrMemberEpoch(-1);
        data.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(7))));
        machine.offsetCommit(data, (short) 8).writes().get(0).apply().run();
        machine.transactionalOffsetsPending("txn-1", "simple", List.of(new TopicPartition("t", 0)));
        var wanted = new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("simple").setTopics(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("t").setPartitionIndexes(List.of(0))));
        var unstable = machine.offsetFetch(List.of(wanted), false, true).get(0).topics().get(0).partitions().get(0);
        assertEquals(Errors.UNSTABLE_OFFSET_COMMIT.code(), unstable.errorCode());
        assertEquals(-1, unstable.committedOffset());
        var all = new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("simple").setTopics(null);
        assertEquals(Errors.UNSTABLE_OFFSET_COMMIT.code(), machine.offsetFetch(List.of(all), false, true).get(0)
                .topics().get(0).partitions().get(0).errorCode(), "the all-topics fetch too");
        assertEquals(7, committed("simple"), "without require_stable: the committed offset");

        machine.transactionEnded("txn-1");
        var stable = machine.offsetFetch(List.of(wanted), false, true).get(0).topics().get(0).partitions().get(0);
        assertEquals(Errors.NONE.code(), stable.errorCode());
        assertEquals(7, stable.committedOffset());
    }

    @Test
    void aGroupMovesOnlyBetweenStatesThatMayFollowEachOther() {
        ClassicGroup group = new ClassicGroup(GROUP, 0);
        assertThrows(IllegalStateException.class, () -> group.transitionTo(GroupState.STABLE, 0));
        group.transitionTo(GroupState.PREPARING_REBALANCE, 0);
        assertThrows(IllegalStateException.class, () -> group.transitionTo(GroupState.STABLE, 0));
        group.transitionTo(GroupState.COMPLETING_REBALANCE, 0);
        group.transitionTo(GroupState.STABLE, 0);
        assertThrows(IllegalStateException.class, () -> group.transitionTo(GroupState.EMPTY, 0));
        group.transitionTo(GroupState.DEAD, 0);
    }

    long committed(String group) {
        var wanted = new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group).setTopics(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("t").setPartitionIndexes(List.of(0))));
        return machine.offsetFetch(List.of(wanted), false, false).get(0).topics().get(0).partitions().get(0).committedOffset();
    }
}
