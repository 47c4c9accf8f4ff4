package io.logpipe.queue.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.queue.log.LogConfig;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.network.ClientRequest;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * offsets.retention.minutes: offsets of a group without members expire that long after the group emptied (or after
 * the commit, for offsets committed outside a membership), durably; a group with members keeps its offsets. The
 * coordinator is driven directly here, with the clock moved forward instead of waiting minutes.
 */
class OffsetRetentionTest {
    @TempDir
    Path dir;

    static final long MINUTE = 60_000;

    BrokerConfig config() throws Exception {
        return BrokerConfig.of(Map.of("log.dirs", dir.toString(), "offsets.retention.minutes", "1",
                "group.initial.rebalance.delay.ms", "0"));
    }

    static ClientRequest request(ApiKeys key, short version) {
        return new ClientRequest(new RequestHeader(key, version, "retention-test", 1), "127.0.0.1:1", null,
                org.apache.kafka.common.security.auth.KafkaPrincipal.ANONYMOUS);
    }

    static <T extends AbstractRequest> T build(AbstractRequest.Builder<T> builder, short version) {
        return builder.build(version);
    }

    static void commit(GroupCoordinator coordinator, String group, String memberId, int generation, long offset)
            throws Exception {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generation);
        data.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset))));
        short v = 9;
        OffsetCommitResponse response = (OffsetCommitResponse) coordinator.offsetCommit(request(ApiKeys.OFFSET_COMMIT, v),
                build(OffsetCommitRequest.Builder.forTopicNames(data), v)).toCompletableFuture().get();
        assertEquals(Map.of(Errors.NONE, 1), response.errorCounts());
    }

    static long committed(GroupCoordinator coordinator, String group) throws Exception {
        OffsetFetchRequestData data = new OffsetFetchRequestData();
        data.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group).setTopics(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("t").setPartitionIndexes(List.of(0)))));
        short v = 9;
        OffsetFetchResponse response = (OffsetFetchResponse) coordinator.offsetFetch(request(ApiKeys.OFFSET_FETCH, v),
                build(OffsetFetchRequest.Builder.forTopicNames(data, false), v)).toCompletableFuture().get();
        return response.group(group).topics().get(0).partitions().get(0).committedOffset();
    }

    static JoinGroupResponse join(GroupCoordinator coordinator, String group, String memberId) throws Exception {
        JoinGroupRequestData data = new JoinGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setProtocolType("consumer").setSessionTimeoutMs(600_000).setRebalanceTimeoutMs(600_000);
        data.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        short v = 9;
        return (JoinGroupResponse) coordinator.joinGroup(request(ApiKeys.JOIN_GROUP, v),
                build(new JoinGroupRequest.Builder(data), v)).toCompletableFuture().get();
    }

    @Test
    void offsetsOfEmptyGroupsExpireDurablyAndMembersKeepTheirs() throws Exception {
        long start = System.currentTimeMillis();
        try (LogManager logs = LogManager.open(List.of(dir), LogConfig.from(config()), 1);
             GroupCoordinator coordinator = GroupCoordinator.open(config(), logs)) {
            commit(coordinator, "simple", "", -1, 7);
            String memberId = join(coordinator, "active", "").data().memberId();
            JoinGroupResponse joined = join(coordinator, "active", memberId);
            assertEquals(Errors.NONE, joined.error());
            SyncGroupRequestData sync = new SyncGroupRequestData().setGroupId("active").setMemberId(memberId)
                    .setGenerationId(joined.data().generationId());
            short v = ApiKeys.SYNC_GROUP.latestVersion();
            SyncGroupResponse synced = (SyncGroupResponse) coordinator.syncGroup(request(ApiKeys.SYNC_GROUP, v),
                    build(new SyncGroupRequest.Builder(sync), v)).toCompletableFuture().get();
            assertEquals(Errors.NONE, synced.error());
            commit(coordinator, "active", memberId, joined.data().generationId(), 9);

            assertEquals(0, coordinator.expireOffsets(start + MINUTE / 2), "not a minute old yet");
            assertEquals(1, coordinator.expireOffsets(System.currentTimeMillis() + MINUTE + 1),
                    "only the offsets committed outside a membership expire");
            assertEquals(-1, committed(coordinator, "simple"));
            assertEquals(9, committed(coordinator, "active"), "a group with members keeps its offsets");
        }
        try (LogManager logs = LogManager.open(List.of(dir), LogConfig.from(config()), 1);
             GroupCoordinator coordinator = GroupCoordinator.open(config(), logs)) {
            assertEquals(-1, committed(coordinator, "simple"), "the expiry was stored");
            assertEquals(9, committed(coordinator, "active"));
            long loaded = System.currentTimeMillis();
            assertEquals(0, coordinator.expireOffsets(loaded + MINUTE / 2),
                    "a group read from disk counts as empty since the broker started");
            assertEquals(1, coordinator.expireOffsets(loaded + MINUTE + 1));
            assertEquals(-1, committed(coordinator, "active"));
        }
    }
}
