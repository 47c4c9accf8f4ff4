package io.logpipe.queue.security;

import static io.logpipe.queue.security.Acls.allow;
import static io.logpipe.queue.security.Acls.allowPrefixed;
import static io.logpipe.queue.security.Acls.deny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACLs enforced on the bundled broker, seen through real Kafka clients: the errors they throw are Kafka's
 * authorization exceptions. Every connection here is {@code User:ANONYMOUS} (PLAINTEXT), so the broker starts with
 * {@code allow.everyone.if.no.acl.found=false} and, written into its ACL file beforehand, ANONYMOUS may manage ACLs
 * and create topics (ALTER, DESCRIBE, CREATE on the cluster); each test then grants or denies the rest.
 *
 * <p>Queue only: Apache Kafka cannot run with ANONYMOUS restricted like this, because its own controller and
 * inter-broker connections are ANONYMOUS on PLAINTEXT too and would need super.users=User:ANONYMOUS, which bypasses
 * every ACL. The same expectations are checked on Apache Kafka with SASL users in {@code SaslAclsTest}.
 */
class AclEnforcementTest {
    private static final String ANONYMOUS = "User:ANONYMOUS";
    private static final List<AclBinding> MANAGE = List.of(
            allow(ANONYMOUS, AclOperation.ALTER, ResourceType.CLUSTER, "kafka-cluster"),
            allow(ANONYMOUS, AclOperation.DESCRIBE, ResourceType.CLUSTER, "kafka-cluster"),
            allow(ANONYMOUS, AclOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster"));

    @TempDir
    Path data;
    TestBroker broker;
    Admin admin;

    @BeforeEach
    void start() throws Exception {
        AclStore.open(data).add(MANAGE);
        broker = TestBroker.start(data, Map.of(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found", "false",
                "num.partitions", "1"));
        admin = broker.admin();
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        broker.close();
    }

    private void grant(AclBinding... acls) throws Exception {
        admin.createAcls(List.of(acls)).all().get(10, TimeUnit.SECONDS);
    }

    private void revoke(AclBinding... acls) throws Exception {
        admin.deleteAcls(java.util.Arrays.stream(acls).map(AclBinding::toFilter).toList()).all()
                .get(10, TimeUnit.SECONDS);
    }

    private void createTopics(String... names) throws Exception {
        admin.createTopics(java.util.Arrays.stream(names).map(n -> new NewTopic(n, 1, (short) 1)).toList()).all()
                .get(10, TimeUnit.SECONDS);
    }

    private static <T extends Throwable> T cause(Class<T> type, KafkaFuture<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(type, e.getCause());
    }

    private static <T extends Throwable> T cause(Class<T> type, java.util.concurrent.Future<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(20, TimeUnit.SECONDS));
        return assertInstanceOf(type, e.getCause());
    }

    private KafkaProducer<String, String> plainProducer() {
        return broker.producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG,
                "all", ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000, ProducerConfig.RETRIES_CONFIG, 0));
    }

    @Test
    void producingNeedsWriteOnTheTopicAndAnAddedAclTakesEffectAtOnce() throws Exception {
        createTopics("logs");
        grant(allow(ANONYMOUS, AclOperation.DESCRIBE, ResourceType.TOPIC, "logs"));
        try (KafkaProducer<String, String> producer = plainProducer()) {
            TopicAuthorizationException e = cause(TopicAuthorizationException.class,
                    producer.send(new ProducerRecord<>("logs", "k", "refused")));
            assertEquals(Set.of("logs"), e.unauthorizedTopics());
        }
        grant(allow(ANONYMOUS, AclOperation.WRITE, ResourceType.TOPIC, "logs"));
        try (KafkaProducer<String, String> producer = plainProducer()) {
            assertEquals(0, producer.send(new ProducerRecord<>("logs", "k", "allowed")).get().offset());
        }
        // the client's default, idempotent producer: InitProducerId passes with WRITE on some topic
        try (KafkaProducer<String, String> idempotent = broker.producer(Map.of())) {
            assertEquals(1, idempotent.send(new ProducerRecord<>("logs", "k", "idempotent")).get().offset());
        }
        assertEquals(2, broker.server().logs().topic("logs").partitions().get(0).logEndOffset());
    }

    @Test
    void metadataShowsOnlyDescribableTopicsAndAutoCreationNeedsCreate() throws Exception {
        createTopics("visible", "hidden");
        grant(allow(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "visible"));
        assertEquals(Set.of("visible"), admin.listTopics().names().get(10, TimeUnit.SECONDS));
        // Admin reports the error code without the topic's name, on Apache Kafka too
        cause(TopicAuthorizationException.class, admin.describeTopics(List.of("hidden")).allTopicNames());

        revoke(MANAGE.get(2));
        grant(allow(ANONYMOUS, AclOperation.WRITE, ResourceType.TOPIC, "auto"));
        try (KafkaProducer<String, String> producer = plainProducer()) {
            assertEquals(Set.of("auto"), cause(TopicAuthorizationException.class,
                    producer.send(new ProducerRecord<>("auto", "k", "v"))).unauthorizedTopics());
        }
        assertNull(broker.server().logs().topic("auto"), "created without CREATE");
        grant(allow(ANONYMOUS, AclOperation.CREATE, ResourceType.TOPIC, "auto"));
        try (KafkaProducer<String, String> producer = plainProducer()) {
            assertEquals(0, producer.send(new ProducerRecord<>("auto", "k", "v")).get().offset());
        }
        assertNotNull(broker.server().logs().topic("auto"));
        // and CreateTopics itself: CREATE on the topic (the cluster's was revoked above)
        cause(TopicAuthorizationException.class, admin.createTopics(List.of(new NewTopic("other", 1, (short) 1))).all());
        assertNull(broker.server().logs().topic("other"));
    }

    private KafkaConsumer<String, String> groupConsumer(String group) {
        return broker.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
    }

    private static ConsumerRecords<String, String> pollUntilRecords(KafkaConsumer<String, String> consumer) {
        long deadline = System.currentTimeMillis() + 20_000;
        ConsumerRecords<String, String> got = ConsumerRecords.empty();
        while (got.isEmpty() && System.currentTimeMillis() < deadline) {
            got = consumer.poll(Duration.ofMillis(200));
        }
        return got;
    }

    @Test
    void aConsumerGroupNeedsReadOnTheGroupAndOnTheTopic() throws Exception {
        createTopics("events");
        grant(allow(ANONYMOUS, AclOperation.WRITE, ResourceType.TOPIC, "events"),
                allow(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "events"));
        try (KafkaProducer<String, String> producer = plainProducer()) {
            producer.send(new ProducerRecord<>("events", "k", "one")).get();
        }
        try (KafkaConsumer<String, String> consumer = groupConsumer("indexers")) {
            consumer.subscribe(List.of("events"));
            GroupAuthorizationException e = assertThrows(GroupAuthorizationException.class,
                    () -> pollUntilRecords(consumer));
            assertEquals("indexers", e.groupId());
        }
        grant(allow(ANONYMOUS, AclOperation.READ, ResourceType.GROUP, "indexers"));
        try (KafkaConsumer<String, String> consumer = groupConsumer("indexers")) {
            consumer.subscribe(List.of("events"));
            assertEquals("one", pollUntilRecords(consumer).iterator().next().value());
            consumer.commitSync();
        }
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("indexers")
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        assertEquals(1, committed.get(new TopicPartition("events", 0)).offset());

        // a DENY of READ on the topic: the group still may be joined, the fetch is refused
        grant(deny(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "events"));
        try (KafkaConsumer<String, String> consumer = groupConsumer("indexers")) {
            consumer.assign(List.of(new TopicPartition("events", 0)));
            consumer.seekToBeginning(List.of(new TopicPartition("events", 0)));
            TopicAuthorizationException e = assertThrows(TopicAuthorizationException.class,
                    () -> pollUntilRecords(consumer));
            assertEquals(Set.of("events"), e.unauthorizedTopics());
        }
    }

    @Test
    void prefixedAllowsAndADenyThatOverridesThem() throws Exception {
        createTopics("app-web", "app-secret", "other");
        grant(allowPrefixed(ANONYMOUS, AclOperation.WRITE, ResourceType.TOPIC, "app-"),
                deny(ANONYMOUS, AclOperation.WRITE, ResourceType.TOPIC, "app-secret"));
        try (KafkaProducer<String, String> producer = plainProducer()) {
            assertEquals(0, producer.send(new ProducerRecord<>("app-web", "k", "v")).get().offset());
            assertEquals(Set.of("app-secret"), cause(TopicAuthorizationException.class,
                    producer.send(new ProducerRecord<>("app-secret", "k", "v"))).unauthorizedTopics());
            assertEquals(Set.of("other"), cause(TopicAuthorizationException.class,
                    producer.send(new ProducerRecord<>("other", "k", "v"))).unauthorizedTopics());
        }
        assertEquals(0, broker.server().logs().topic("app-secret").partitions().get(0).logEndOffset());
    }

    @Test
    void groupListingsShowOnlyDescribableGroups() throws Exception {
        createTopics("t");
        grant(allow(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "t"),
                allow(ANONYMOUS, AclOperation.READ, ResourceType.GROUP, "seen"),
                allow(ANONYMOUS, AclOperation.READ, ResourceType.GROUP, "unseen"));
        TopicPartition tp = new TopicPartition("t", 0);
        for (String group : List.of("seen", "unseen")) {
            try (KafkaConsumer<String, String> consumer = groupConsumer(group)) {
                consumer.assign(List.of(tp));
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(0)));
            }
        }
        grant(deny(ANONYMOUS, AclOperation.DESCRIBE, ResourceType.GROUP, "unseen"));
        assertEquals("unseen", cause(GroupAuthorizationException.class,
                admin.describeConsumerGroups(List.of("unseen")).all()).groupId());
        assertEquals("unseen", cause(GroupAuthorizationException.class,
                admin.deleteConsumerGroups(List.of("unseen")).all()).groupId());
        // OffsetDelete: DELETE on the group, then READ on the topic
        cause(GroupAuthorizationException.class, admin.deleteConsumerGroupOffsets("seen", Set.of(tp)).all());
        grant(allow(ANONYMOUS, AclOperation.DELETE, ResourceType.GROUP, "seen"),
                deny(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "t"));
        cause(TopicAuthorizationException.class, admin.deleteConsumerGroupOffsets("seen", Set.of(tp))
                .partitionResult(tp));
        revoke(deny(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "t"));
        admin.deleteConsumerGroupOffsets("seen", Set.of(tp)).all().get(10, TimeUnit.SECONDS);
        // DESCRIBE on the cluster (ALTER implies it) would list every group
        revoke(MANAGE.get(0), MANAGE.get(1));
        assertEquals(List.of("seen"), admin.listConsumerGroups().all().get(10, TimeUnit.SECONDS).stream()
                .map(ConsumerGroupListing::groupId).toList());
    }

    @Test
    void managingAclsNeedsAlterAndListingThemDescribeOnTheCluster() throws Exception {
        assertEquals(Set.copyOf(MANAGE), Set.copyOf(admin.describeAcls(AclBindingFilter.ANY).values()
                .get(10, TimeUnit.SECONDS)));
        // authorized operations, as Admin shows them: ALTER implies DESCRIBE
        assertEquals(Set.of(AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.CREATE), admin.describeCluster(
                new DescribeClusterOptions().includeAuthorizedOperations(true)).authorizedOperations()
                .get(10, TimeUnit.SECONDS));
        createTopics("ops");
        grant(allow(ANONYMOUS, AclOperation.WRITE, ResourceType.TOPIC, "ops"));
        assertEquals(Set.of(AclOperation.WRITE, AclOperation.DESCRIBE),
                admin.describeTopics(List.of("ops"), new DescribeTopicsOptions().includeAuthorizedOperations(true))
                        .allTopicNames().get(10, TimeUnit.SECONDS).get("ops").authorizedOperations(),
                "the topic's own ACLs, as in Kafka: CREATE on the cluster does not count");
        // ALTER implies DESCRIBE: both go, in one DeleteAcls (checked against the ACLs before it)
        revoke(MANAGE.get(0), MANAGE.get(1));
        cause(ClusterAuthorizationException.class, admin.describeAcls(AclBindingFilter.ANY).values());
        cause(ClusterAuthorizationException.class,
                admin.createAcls(List.of(allow(ANONYMOUS, AclOperation.ALL, ResourceType.TOPIC, "*"))).all());
        assertEquals(List.of(MANAGE.get(2), allow(ANONYMOUS, AclOperation.WRITE, ResourceType.TOPIC, "ops")),
                AclStore.open(data).all());
        assertFalse(AclStore.open(data).all().contains(MANAGE.get(0)));
    }

    @Test
    void topicAdministrationNeedsDeleteAlterAndTheConfigOperations() throws Exception {
        createTopics("admin-t");
        grant(allow(ANONYMOUS, AclOperation.DESCRIBE, ResourceType.TOPIC, "admin-t"));
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "admin-t");
        ConfigResource brokerConfigs = new ConfigResource(ConfigResource.Type.BROKER, "1");
        AlterConfigOp retention = new AlterConfigOp(new ConfigEntry("retention.ms", "60000"), AlterConfigOp.OpType.SET);
        cause(TopicAuthorizationException.class, admin.deleteTopics(List.of("admin-t")).all());
        cause(TopicAuthorizationException.class,
                admin.createPartitions(Map.of("admin-t", NewPartitions.increaseTo(2))).all());
        cause(TopicAuthorizationException.class, admin.describeConfigs(List.of(topic)).all());
        cause(TopicAuthorizationException.class,
                admin.incrementalAlterConfigs(Map.of(topic, List.of(retention))).all());
        // the broker's own configs are the cluster's: ALTER on it does not imply DESCRIBE_CONFIGS
        cause(ClusterAuthorizationException.class, admin.describeConfigs(List.of(brokerConfigs)).all());
        assertEquals(1, broker.server().logs().topic("admin-t").partitions().size());

        grant(allow(ANONYMOUS, AclOperation.ALTER, ResourceType.TOPIC, "admin-t"),
                allow(ANONYMOUS, AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, "admin-t"),
                allow(ANONYMOUS, AclOperation.DELETE, ResourceType.TOPIC, "admin-t"));
        admin.createPartitions(Map.of("admin-t", NewPartitions.increaseTo(2))).all().get(10, TimeUnit.SECONDS);
        admin.incrementalAlterConfigs(Map.of(topic, List.of(retention))).all().get(10, TimeUnit.SECONDS);
        // ALTER_CONFIGS implies DESCRIBE_CONFIGS
        assertEquals("60000", admin.describeConfigs(List.of(topic)).all().get(10, TimeUnit.SECONDS).get(topic)
                .get("retention.ms").value());
        admin.deleteTopics(List.of("admin-t")).all().get(10, TimeUnit.SECONDS);
        assertNull(broker.server().logs().topic("admin-t"));
    }

    @Test
    void describingProducersNeedsReadOnTheTopicAndWritingMarkersClusterActionOnTheCluster() throws Exception {
        createTopics("txn-acl");
        TopicPartition tp = new TopicPartition("txn-acl", 0);
        // DESCRIBE lets the admin client find the partition's leader; it is not enough for either API
        grant(allow(ANONYMOUS, AclOperation.DESCRIBE, ResourceType.TOPIC, "txn-acl"));
        AbortTransactionSpec abort = new AbortTransactionSpec(tp, 42L, (short) 0, 0);
        cause(TopicAuthorizationException.class, admin.describeProducers(List.of(tp)).partitionResult(tp));
        cause(ClusterAuthorizationException.class, admin.abortTransaction(abort).all());
        assertEquals(0, broker.server().logs().log(tp).logEndOffset(), "no marker was written");

        grant(allow(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "txn-acl"),
                allow(ANONYMOUS, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, "kafka-cluster"));
        assertEquals(List.of(), admin.describeProducers(List.of(tp)).partitionResult(tp).get(10, TimeUnit.SECONDS)
                .activeProducers());
        admin.abortTransaction(abort).all().get(10, TimeUnit.SECONDS);
        assertEquals(1, broker.server().logs().log(tp).logEndOffset(), "the ABORT marker");
        var producer = admin.describeProducers(List.of(tp)).partitionResult(tp).get(10, TimeUnit.SECONDS)
                .activeProducers().get(0);
        assertEquals(42L, producer.producerId());
        assertEquals(0, producer.coordinatorEpoch().orElse(-1));
    }

    @Test
    void invalidBindingsAreRefusedOneByOne() throws Exception {
        AclBinding fine = allow(ANONYMOUS, AclOperation.READ, ResourceType.TOPIC, "fine");
        AclBinding noType = allow("alice", AclOperation.READ, ResourceType.TOPIC, "fine");
        AclBinding wrongCluster = allow(ANONYMOUS, AclOperation.ALTER, ResourceType.CLUSTER, "my-cluster");
        var results = admin.createAcls(List.of(fine, noType, wrongCluster)).values();
        results.get(fine).get(10, TimeUnit.SECONDS);
        assertEquals("ACL principal 'alice' is not Type:name (e.g. User:alice)", cause(
                org.apache.kafka.common.errors.InvalidRequestException.class, results.get(noType)).getMessage());
        assertEquals("the cluster resource is named kafka-cluster, not my-cluster", cause(
                org.apache.kafka.common.errors.InvalidRequestException.class, results.get(wrongCluster)).getMessage());
        assertTrue(AclStore.open(data).all().contains(fine));
        assertEquals(MANAGE.size() + 1, AclStore.open(data).all().size());
    }
}
