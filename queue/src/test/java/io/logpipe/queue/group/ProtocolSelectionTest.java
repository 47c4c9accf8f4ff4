package io.logpipe.queue.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.RawClient;
import io.logpipe.queue.TestBroker;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group's protocol (the assignor, for consumers) is one every member supports, chosen by the members' votes; a
 * member that shares none with the group is refused.
 */
class ProtocolSelectionTest {
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

    static JoinGroupRequestData join(String group, String memberId, List<String> protocols) {
        JoinGroupRequestData data = new JoinGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setProtocolType("consumer").setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000);
        for (String p : protocols) {
            data.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName(p).setMetadata(new byte[] {1}));
        }
        return data;
    }

    static JoinGroupResponse send(RawClient client, JoinGroupRequestData data) {
        try {
            return client.send(new JoinGroupRequest.Builder(data), ApiKeys.JOIN_GROUP.latestVersion());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The member id handed out with MEMBER_ID_REQUIRED. */
    static String memberId(RawClient client, String group, List<String> protocols) {
        JoinGroupResponse first = send(client, join(group, "", protocols));
        assertEquals(Errors.MEMBER_ID_REQUIRED, first.error());
        return first.data().memberId();
    }

    @Test
    void theProtocolAllMembersSupportWinsAndAnIncompatibleMemberIsRefused() throws Exception {
        try (RawClient a = new RawClient("127.0.0.1", broker.port());
             RawClient b = new RawClient("127.0.0.1", broker.port());
             RawClient c = new RawClient("127.0.0.1", broker.port())) {
            List<String> aProtocols = List.of("roundrobin", "range");
            String aId = memberId(a, "sel", aProtocols);
            JoinGroupResponseData alone = send(a, join("sel", aId, aProtocols)).data();
            assertEquals("roundrobin", alone.protocolName(), "alone, the member's first choice");
            SyncGroupResponse synced = a.send(new SyncGroupRequest.Builder(new SyncGroupRequestData().setGroupId("sel")
                    .setMemberId(aId).setGenerationId(1)), ApiKeys.SYNC_GROUP.latestVersion());
            assertEquals(Errors.NONE, synced.error());

            String bId = memberId(b, "sel", List.of("range"));
            CompletableFuture<JoinGroupResponse> bJoined = CompletableFuture.supplyAsync(
                    () -> send(b, join("sel", bId, List.of("range"))));
            CompletableFuture<JoinGroupResponse> aRejoined = CompletableFuture.supplyAsync(
                    () -> send(a, join("sel", aId, aProtocols)));
            JoinGroupResponseData bAnswer = bJoined.get(30, TimeUnit.SECONDS).data();
            JoinGroupResponseData aAnswer = aRejoined.get(30, TimeUnit.SECONDS).data();
            assertEquals(2, aAnswer.generationId());
            assertEquals(2, bAnswer.generationId());
            assertEquals("range", aAnswer.protocolName(), "the only protocol both members support");
            assertEquals("range", bAnswer.protocolName());
            assertEquals(aId, aAnswer.leader());
            assertEquals(2, aAnswer.members().size(), "the leader learns every member's metadata");
            assertEquals(List.of(), bAnswer.members(), "followers do not");

            JoinGroupResponse refused = send(c, join("sel", "", List.of("sticky-only")));
            assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL, refused.error());
            JoinGroupRequestData otherType = join("sel", "", List.of("range")).setProtocolType("connect");
            assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL, send(c, otherType).error());
        }
    }
}
