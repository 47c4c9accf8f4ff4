package io.logpipe.queue.security;

import static io.logpipe.queue.RawClient.versions;
import static io.logpipe.queue.security.Acls.allow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.RawClient;
import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-resource answers of the APIs whose shape changed across versions (batched groups, topic ids, v0's empty
 * topic list meaning all topics), at every version kafka-clients speaks: a denied resource gets its error and the
 * allowed ones are answered. Queue only (ANONYMOUS restricted; see AclEnforcementTest).
 */
class AclApiVersionsTest {
    private static final String ANONYMOUS = "User:ANONYMOUS";
    @TempDir
    static Path data;
    static TestBroker broker;
    static RawClient client;

    @BeforeAll
    static void start() throws Exception {
        AclStore.open(data).add(List.of(allow(ANONYMOUS, AclOperation.ALTER, ResourceType.CLUSTER, "kafka-cluster"),
                allow(ANONYMOUS, AclOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster"),
                allow(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "shown"),
                allow(ANONYMOUS, AclOperation.READ, ResourceType.GROUP, "allowed")));
        broker = TestBroker.start(data, Map.of(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "num.partitions", "1"));
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("shown", 1, (short) 1), new NewTopic("hidden", 1, (short) 1)))
                    .all().get();
            // offsets of "allowed" for both topics, committed while ANONYMOUS may still read "hidden"
            admin.createAcls(List.of(allow(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "hidden"))).all().get();
            admin.alterConsumerGroupOffsets("allowed", Map.of(new TopicPartition("shown", 0), new OffsetAndMetadata(3),
                    new TopicPartition("hidden", 0), new OffsetAndMetadata(4))).all().get();
            admin.deleteAcls(List.of(allow(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "hidden").toFilter()))
                    .all().get();
        }
        client = new RawClient("127.0.0.1", broker.port());
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        broker.close();
    }


    @Test
    void metadataAnswersTheDeniedTopicWithItsErrorAtEveryVersion() throws Exception {
        // from v1: kafka-clients cannot build v0 any more (where an empty list would mean all topics)
        for (short v : versions(ApiKeys.METADATA).subList(1, ApiKeys.METADATA.latestVersion() + 1)) {
            MetadataRequestData data = new MetadataRequestData().setAllowAutoTopicCreation(v < 4);
            for (String name : List.of("shown", "hidden")) {
                data.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(name));
            }
            MetadataResponse response = client.send(new MetadataRequest.Builder(data), v);
            assertEquals(Map.of("shown", Errors.NONE, "hidden", Errors.TOPIC_AUTHORIZATION_FAILED),
                    errors(response), "Metadata v" + v);
            MetadataRequestData onlyHidden = new MetadataRequestData().setAllowAutoTopicCreation(v < 4);
            onlyHidden.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("hidden"));
            // with "hidden" taken out no topic is left: none is listed
            assertEquals(Map.of("hidden", Errors.TOPIC_AUTHORIZATION_FAILED),
                    errors(client.send(new MetadataRequest.Builder(onlyHidden), v)), "Metadata v" + v);
        }
    }

    private static Map<String, Errors> errors(MetadataResponse response) {
        Map<String, Errors> errors = new java.util.HashMap<>();
        response.data().topics().forEach(t -> errors.put(t.name(), Errors.forCode(t.errorCode())));
        return errors;
    }

    @Test
    void findCoordinatorDeniesTheGroupsThePrincipalMayNotDescribeAtEveryVersion() throws Exception {
        for (short v : versions(ApiKeys.FIND_COORDINATOR)) {
            for (String group : List.of("allowed", "denied")) {
                FindCoordinatorRequestData data = new FindCoordinatorRequestData()
                        .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id());
                if (v < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
                    data.setKey(group);
                } else {
                    data.setCoordinatorKeys(List.of(group));
                }
                FindCoordinatorResponse response = client.send(new FindCoordinatorRequest.Builder(data), v);
                assertEquals(group.equals("allowed") ? Errors.NONE : Errors.GROUP_AUTHORIZATION_FAILED,
                        Errors.forCode(response.coordinators().get(0).errorCode()), "FindCoordinator v" + v + " " + group);
            }
        }
    }

    @Test
    void offsetFetchAnswersPerGroupAndPerTopicAtEveryVersion() throws Exception {
        for (short v : versions(ApiKeys.OFFSET_FETCH)) {
            List<String> groups = v < 8 ? List.of("allowed") : List.of("allowed", "denied");
            OffsetFetchRequestData data = new OffsetFetchRequestData();
            for (String group : groups) {
                List<OffsetFetchRequestData.OffsetFetchRequestTopics> topics = new ArrayList<>();
                for (String topic : List.of("shown", "hidden")) {
                    topics.add(new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(topic)
                            .setTopicId(broker.server().logs().topic(topic).id()).setPartitionIndexes(List.of(0)));
                }
                data.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group)
                        .setTopics(topics));
            }
            OffsetFetchResponse response = client.send(OffsetFetchRequest.Builder.forTopicIdsOrNames(data, false), v);
            OffsetFetchResponseData.OffsetFetchResponseGroup allowed = response.group("allowed");
            assertEquals(Errors.NONE.code(), allowed.errorCode(), "OffsetFetch v" + v);
            assertEquals(2, allowed.topics().size(), "OffsetFetch v" + v);
            for (OffsetFetchResponseData.OffsetFetchResponseTopics topic : allowed.topics()) {
                boolean shown = topic.name().equals("shown") || broker.server().logs().topic("shown").id()
                        .equals(topic.topicId());
                OffsetFetchResponseData.OffsetFetchResponsePartitions p = topic.partitions().get(0);
                assertEquals(shown ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED, Errors.forCode(p.errorCode()),
                        "OffsetFetch v" + v + " " + topic);
                assertEquals(shown ? 3 : -1, p.committedOffset(), "OffsetFetch v" + v);
            }
            if (v >= 8) {
                assertEquals(Errors.GROUP_AUTHORIZATION_FAILED.code(), response.group("denied").errorCode());
            }
            if (v >= 2) {
                // all of a group's offsets: the topic the principal may not describe is left out
                OffsetFetchRequestData all = new OffsetFetchRequestData();
                all.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("allowed")
                        .setTopics(null));
                OffsetFetchResponse everything = client.send(OffsetFetchRequest.Builder.forTopicIdsOrNames(all, false),
                        v);
                assertEquals(1, everything.group("allowed").topics().size(), "OffsetFetch v" + v);
                assertEquals(3, everything.group("allowed").topics().get(0).partitions().get(0).committedOffset());
            }
        }
    }
}
