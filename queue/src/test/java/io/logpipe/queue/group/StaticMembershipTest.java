package io.logpipe.queue.group;

import static io.logpipe.queue.group.Groups.consumer;
import static io.logpipe.queue.group.Groups.createTopic;
import static io.logpipe.queue.group.Groups.pollUntil;
import static io.logpipe.queue.group.Groups.sinks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.logpipe.queue.RawClient;
import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static membership (group.instance.id): a restarted member takes its old place at once instead of waiting out the
 * old incarnation's session, and the old incarnation is fenced.
 */
class StaticMembershipTest {
    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Groups.FAST_GROUPS);
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    static ConsumerGroupDescription describe(Admin admin, String group) {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, Object> instance(String id) {
        // A session far longer than the test: only replacement, not expiry, can remove the old incarnation.
        return Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 60_000);
    }

    @Test
    void aRestartedStaticMemberReplacesItsOldIncarnationWithoutWaitingForItsSession() throws Exception {
        createTopic(broker, "static", 2);
        List<KafkaConsumer<String, String>> consumers = new ArrayList<>(List.of(
                consumer(broker, "statics", instance("worker-a")), consumer(broker, "statics", instance("worker-b"))));
        try (Admin admin = broker.admin()) {
            consumers.forEach(c -> c.subscribe(List.of("static")));
            pollUntil(consumers, sinks(2), () -> consumers.stream().allMatch(c -> c.assignment().size() == 1)
                    && describe(admin, "statics").groupState() == GroupState.STABLE);
            String oldMemberId = describe(admin, "statics").members().stream()
                    .filter(m -> m.groupInstanceId().equals(java.util.Optional.of("worker-b")))
                    .findFirst().orElseThrow().consumerId();

            consumers.remove(1).close(); // a static member sends no LeaveGroup: its place is kept
            assertEquals(2, describe(admin, "statics").members().size());

            long restarted = System.currentTimeMillis();
            consumers.add(consumer(broker, "statics", instance("worker-b")));
            consumers.get(1).subscribe(List.of("static"));
            pollUntil(consumers, sinks(2), () -> consumers.stream().allMatch(c -> c.assignment().size() == 1)
                    && describe(admin, "statics").groupState() == GroupState.STABLE
                    && describe(admin, "statics").members().size() == 2);
            assertTrue(System.currentTimeMillis() - restarted < 30_000, "well within the old 60 s session");
            ConsumerGroupDescription after = describe(admin, "statics");
            Set<String> instances = after.members().stream().map(MemberDescription::groupInstanceId)
                    .map(o -> o.orElse("?")).collect(Collectors.toSet());
            assertEquals(Set.of("worker-a", "worker-b"), instances);
            assertTrue(after.members().stream().noneMatch(m -> m.consumerId().equals(oldMemberId)),
                    "the old incarnation is gone");
        } finally {
            consumers.forEach(KafkaConsumer::close);
        }
    }

    @Test
    void theOldIncarnationIsFencedAndLeaveGroupByInstanceIdWorks() throws Exception {
        try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
            short v = ApiKeys.JOIN_GROUP.latestVersion();
            JoinGroupRequestData join = GroupApiVersionsTest.joinData("fencing", "").setGroupInstanceId("box-1");
            JoinGroupResponse first = client.send(new JoinGroupRequest.Builder(join), v);
            assertEquals(Errors.NONE, first.error(), "a static member needs no member-id round trip");
            JoinGroupResponse second = client.send(new JoinGroupRequest.Builder(join.duplicate()), v);
            assertEquals(Errors.NONE, second.error());
            assertNotEquals(first.data().memberId(), second.data().memberId());

            HeartbeatRequestData stale = new HeartbeatRequestData().setGroupId("fencing").setGroupInstanceId("box-1")
                    .setMemberId(first.data().memberId()).setGenerationId(second.data().generationId());
            assertEquals(Errors.FENCED_INSTANCE_ID,
                    ((HeartbeatResponse) client.send(new HeartbeatRequest.Builder(stale), ApiKeys.HEARTBEAT.latestVersion())).error());
            JoinGroupResponse staleJoin = client.send(new JoinGroupRequest.Builder(join.duplicate()
                    .setMemberId(first.data().memberId())), v);
            assertEquals(Errors.FENCED_INSTANCE_ID, staleJoin.error());

            LeaveGroupResponse left = client.send(new LeaveGroupRequest.Builder("fencing", List.of(
                    new LeaveGroupRequestData.MemberIdentity().setGroupInstanceId("box-1")
                            .setMemberId(JoinGroupRequest.UNKNOWN_MEMBER_ID))), ApiKeys.LEAVE_GROUP.latestVersion());
            assertEquals(Errors.NONE, Errors.forCode(left.memberResponses().get(0).errorCode()));
            try (Admin admin = broker.admin()) {
                assertEquals(GroupState.EMPTY, describe(admin, "fencing").groupState());
            }
        }
    }
}
