package io.logpipe.queue.group;

import static io.logpipe.queue.RawClient.versions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.RawClient;
import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every version of every group API the broker advertises, request by request: older clients (and librdkafka) speak
 * older versions, and each must round-trip through kafka-clients' codecs with the right answer.
 */
class GroupApiVersionsTest {
    @TempDir
    static Path data;
    static TestBroker broker;
    static RawClient client;
    static Uuid topicId;
    /** A consumer's subscription to "vt", as the consumer protocol encodes it. */
    static final byte[] METADATA = org.apache.kafka.common.utils.Utils.toArray(ConsumerProtocol.serializeSubscription(
            new ConsumerPartitionAssignor.Subscription(List.of("vt"))));

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Groups.FAST_GROUPS);
        Groups.createTopic(broker, "vt", 1);
        topicId = broker.server().logs().topic("vt").id();
        client = new RawClient("127.0.0.1", broker.port());
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        broker.close();
    }


    static JoinGroupRequestData joinData(String group, String memberId) {
        JoinGroupRequestData data = new JoinGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setProtocolType("consumer").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000);
        data.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(METADATA));
        return data;
    }

    /** Joins {@code group} alone at JoinGroup {@code version}, with the member-id round trip where it applies. */
    static JoinGroupResponseData join(String group, short version) throws Exception {
        JoinGroupResponse response = client.send(new JoinGroupRequest.Builder(joinData(group, "")), version);
        if (version >= 4) {
            assertEquals(Errors.MEMBER_ID_REQUIRED, response.error(), "v" + version);
            String memberId = response.data().memberId();
            assertTrue(memberId.startsWith("raw-client-"), memberId);
            response = client.send(new JoinGroupRequest.Builder(joinData(group, memberId)), version);
        }
        assertEquals(Errors.NONE, response.error(), "JoinGroup v" + version);
        return response.data();
    }

    /** Joins and syncs with an assignment of {@code assignment}; returns the join answer. */
    static JoinGroupResponseData joinAndSync(String group, byte[] assignment) throws Exception {
        JoinGroupResponseData joined = join(group, ApiKeys.JOIN_GROUP.latestVersion());
        SyncGroupRequestData sync = new SyncGroupRequestData().setGroupId(group).setMemberId(joined.memberId())
                .setGenerationId(joined.generationId()).setProtocolType("consumer").setProtocolName("range");
        sync.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(joined.memberId())
                .setAssignment(assignment));
        SyncGroupResponse response = client.send(new SyncGroupRequest.Builder(sync), ApiKeys.SYNC_GROUP.latestVersion());
        assertEquals(Errors.NONE, response.error());
        return joined;
    }

    @Test
    void joinGroup_everyVersion() throws Exception {
        for (short v : versions(ApiKeys.JOIN_GROUP)) {
            JoinGroupResponseData joined = join("join-v" + v, v);
            assertEquals(1, joined.generationId());
            assertEquals("range", joined.protocolName());
            assertEquals(joined.memberId(), joined.leader(), "the only member leads");
            assertEquals(1, joined.members().size());
            assertArrayEquals(METADATA, joined.members().get(0).metadata());
            if (v >= 7) {
                assertEquals("consumer", joined.protocolType());
            }
        }
    }

    @Test
    void syncGroup_everyVersion() throws Exception {
        for (short v : versions(ApiKeys.SYNC_GROUP)) {
            String group = "sync-v" + v;
            JoinGroupResponseData joined = join(group, ApiKeys.JOIN_GROUP.latestVersion());
            SyncGroupRequestData sync = new SyncGroupRequestData().setGroupId(group).setMemberId(joined.memberId())
                    .setGenerationId(joined.generationId());
            if (v >= 5) {
                sync.setProtocolType("consumer").setProtocolName("range");
            }
            sync.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(joined.memberId())
                    .setAssignment(new byte[] {7, (byte) v}));
            SyncGroupResponseData synced = ((SyncGroupResponse) client.send(new SyncGroupRequest.Builder(sync), v)).data();
            assertEquals(Errors.NONE.code(), synced.errorCode(), "SyncGroup v" + v);
            assertArrayEquals(new byte[] {7, (byte) v}, synced.assignment());
            if (v >= 5) {
                assertEquals("range", synced.protocolName());
            }
        }
    }

    @Test
    void heartbeat_everyVersion() throws Exception {
        JoinGroupResponseData joined = joinAndSync("heartbeat", new byte[0]);
        for (short v : versions(ApiKeys.HEARTBEAT)) {
            HeartbeatRequestData ok = new HeartbeatRequestData().setGroupId("heartbeat").setMemberId(joined.memberId())
                    .setGenerationId(joined.generationId());
            assertEquals(Errors.NONE, ((HeartbeatResponse) client.send(new HeartbeatRequest.Builder(ok), v)).error());
            HeartbeatRequestData stale = ok.duplicate().setGenerationId(joined.generationId() - 1);
            assertEquals(Errors.ILLEGAL_GENERATION, ((HeartbeatResponse) client.send(new HeartbeatRequest.Builder(stale), v)).error());
            HeartbeatRequestData stranger = ok.duplicate().setMemberId("nobody");
            assertEquals(Errors.UNKNOWN_MEMBER_ID, ((HeartbeatResponse) client.send(new HeartbeatRequest.Builder(stranger), v)).error());
        }
    }

    @Test
    void leaveGroup_everyVersion() throws Exception {
        for (short v : versions(ApiKeys.LEAVE_GROUP)) {
            String group = "leave-v" + v;
            JoinGroupResponseData joined = joinAndSync(group, new byte[0]);
            LeaveGroupResponse left = client.send(new LeaveGroupRequest.Builder(group,
                    List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(joined.memberId()))), v);
            assertEquals(Errors.NONE, left.error(), "LeaveGroup v" + v);
            assertEquals("Empty", describe(group, ApiKeys.DESCRIBE_GROUPS.latestVersion()).groupState());
        }
    }

    static DescribeGroupsResponseData.DescribedGroup describe(String group, short version) throws Exception {
        DescribeGroupsResponse response = client.send(new DescribeGroupsRequest.Builder(
                new DescribeGroupsRequestData().setGroups(List.of(group))), version);
        return response.data().groups().get(0);
    }

    @Test
    void describeGroups_everyVersion() throws Exception {
        JoinGroupResponseData joined = joinAndSync("described", new byte[] {5, 5});
        for (short v : versions(ApiKeys.DESCRIBE_GROUPS)) {
            DescribeGroupsResponseData.DescribedGroup group = describe("described", v);
            assertEquals("Stable", group.groupState(), "DescribeGroups v" + v);
            assertEquals("consumer", group.protocolType());
            assertEquals("range", group.protocolData());
            assertEquals(joined.memberId(), group.members().get(0).memberId());
            assertEquals("raw-client", group.members().get(0).clientId());
            assertEquals("/127.0.0.1", group.members().get(0).clientHost());
            assertArrayEquals(METADATA, group.members().get(0).memberMetadata());
            assertArrayEquals(new byte[] {5, 5}, group.members().get(0).memberAssignment());
            DescribeGroupsResponseData.DescribedGroup missing = describe("no-such-group", v);
            if (v >= 6) {
                assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), missing.errorCode());
            } else {
                assertEquals("Dead", missing.groupState());
            }
        }
    }

    @Test
    void offsetCommitAndFetch_everyVersion() throws Exception {
        for (short v : versions(ApiKeys.OFFSET_COMMIT)) {
            String group = "commit-v" + v;
            OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId(group)
                    .setGenerationIdOrMemberEpoch(-1).setMemberId("");
            commit.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("vt").setTopicId(topicId)
                    .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                            .setPartitionIndex(0).setCommittedOffset(40 + v).setCommittedMetadata("m" + v))));
            OffsetCommitResponse committed = client.send(OffsetCommitRequest.Builder.forTopicIdsOrNames(commit), v);
            assertEquals(Map.of(Errors.NONE, 1), committed.errorCounts(), "OffsetCommit v" + v);
        }
        short lastCommit = ApiKeys.OFFSET_COMMIT.latestVersion();
        for (short v : versions(ApiKeys.OFFSET_FETCH)) {
            String group = "commit-v" + lastCommit;
            OffsetFetchRequestData fetch = new OffsetFetchRequestData();
            fetch.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group)
                    .setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("vt")
                            .setTopicId(topicId).setPartitionIndexes(List.of(0)))));
            OffsetFetchResponse response = client.send(OffsetFetchRequest.Builder.forTopicIdsOrNames(fetch, false), v);
            OffsetFetchResponseData.OffsetFetchResponseGroup answer = response.group(group);
            assertEquals(Errors.NONE.code(), answer.errorCode(), "OffsetFetch v" + v);
            OffsetFetchResponseData.OffsetFetchResponsePartitions p = answer.topics().get(0).partitions().get(0);
            assertEquals(40 + lastCommit, p.committedOffset(), "OffsetFetch v" + v);
            assertEquals("m" + lastCommit, p.metadata());
            if (v >= 2) {
                // All of a group's offsets (topics = null) exist from v2 on.
                OffsetFetchRequestData all = new OffsetFetchRequestData();
                all.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group).setTopics(null));
                OffsetFetchResponse everything = client.send(OffsetFetchRequest.Builder.forTopicIdsOrNames(all, false), v);
                assertEquals(40 + lastCommit, everything.group(group).topics().get(0).partitions().get(0).committedOffset());
            }
        }
    }

    @Test
    void findCoordinator_everyVersion() throws Exception {
        for (short v : versions(ApiKeys.FIND_COORDINATOR)) {
            FindCoordinatorRequestData data = new FindCoordinatorRequestData()
                    .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id());
            if (v < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
                data.setKey("any-group");
            } else {
                data.setCoordinatorKeys(List.of("any-group"));
            }
            FindCoordinatorResponse response = client.send(new FindCoordinatorRequest.Builder(data), v);
            FindCoordinatorResponseData.Coordinator coordinator = response.coordinators().get(0);
            assertEquals(Errors.NONE.code(), coordinator.errorCode(), "FindCoordinator v" + v);
            assertEquals(1, coordinator.nodeId());
            assertEquals("127.0.0.1", coordinator.host());
            assertEquals(broker.port(), coordinator.port());
        }
    }

    @Test
    void listDeleteGroupsAndOffsetDelete_everyVersion() throws Exception {
        joinAndSync("listed", new byte[0]);
        for (short v : versions(ApiKeys.LIST_GROUPS)) {
            ListGroupsResponse response = client.send(new ListGroupsRequest.Builder(new ListGroupsRequestData()), v);
            assertTrue(response.data().groups().stream().anyMatch(g -> g.groupId().equals("listed")
                    && g.protocolType().equals("consumer")), "ListGroups v" + v);
        }
        for (short v = 0; v < 3; v++) {
            OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId("to-delete-" + v)
                    .setGenerationIdOrMemberEpoch(-1).setMemberId("");
            commit.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("vt")
                    .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                            .setPartitionIndex(0).setCommittedOffset(1))));
            client.send(OffsetCommitRequest.Builder.forTopicNames(commit), (short) 8);
        }
        for (short v : versions(ApiKeys.OFFSET_DELETE)) {
            OffsetDeleteRequestData delete = new OffsetDeleteRequestData().setGroupId("to-delete-0");
            delete.topics().add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName("vt")
                    .setPartitions(List.of(new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0))));
            OffsetDeleteResponse response = client.send(new OffsetDeleteRequest.Builder(delete), v);
            assertEquals(Errors.NONE.code(), response.data().errorCode());
            assertEquals(Errors.NONE.code(), response.data().topics().find("vt").partitions().find(0).errorCode());
            OffsetFetchRequestData fetch = new OffsetFetchRequestData();
            fetch.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("to-delete-0").setTopics(null));
            OffsetFetchResponse left = client.send(OffsetFetchRequest.Builder.forTopicNames(fetch, false), (short) 9);
            assertEquals(List.of(), left.group("to-delete-0").topics(), "the offset is gone");
            OffsetDeleteResponse busy = client.send(new OffsetDeleteRequest.Builder(delete.duplicate().setGroupId("listed")), v);
            assertEquals(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code(), busy.data().topics().find("vt").partitions().find(0).errorCode(),
                    "the offsets of a topic the active members subscribe to stay");
        }
        for (short v : versions(ApiKeys.DELETE_GROUPS)) {
            String group = "to-delete-" + v;
            DeleteGroupsResponse response = client.send(new DeleteGroupsRequest.Builder(
                    new DeleteGroupsRequestData().setGroupsNames(List.of(group, "listed", "never-existed"))), v);
            assertEquals(Errors.NONE, response.get(group), "DeleteGroups v" + v);
            assertEquals(Errors.NON_EMPTY_GROUP, response.get("listed"));
            assertEquals(Errors.GROUP_ID_NOT_FOUND, response.get("never-existed"));
        }
    }
}
