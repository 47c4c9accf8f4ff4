package io.logpipe.queue.security;

import static io.logpipe.queue.security.Acls.allow;
import static io.logpipe.queue.security.Acls.deny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ACLs with real users, the same on the bundled broker and on Apache Kafka 4.2 ({@code -Dtestkit.broker=kafka}): a
 * SASL_PLAINTEXT listener with PLAIN users alice, bob and carol, ACLs on, and the PLAINTEXT listener (the testkit's
 * admin, Kafka's own controller connection) as super user ANONYMOUS.
 */
class SaslAclsTest {
    static KafkaBroker broker;
    static Admin admin;

    static final AclBinding ALICE_WRITES = allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "logs");
    static final AclBinding BOB_READS = allow("User:bob", AclOperation.READ, ResourceType.TOPIC, "logs");
    static final AclBinding BOB_IN_GROUP = allow("User:bob", AclOperation.READ, ResourceType.GROUP, "indexers");
    static final AclBinding BOB_NOT_SECRET = deny("User:bob", AclOperation.READ, ResourceType.TOPIC, "secret");
    static final AclBinding BOB_READS_ALL = allow("User:bob", AclOperation.READ, ResourceType.TOPIC, "*");

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBroker.with().listener("SASL", "SASL_PLAINTEXT")
                .property("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .property("super.users", "User:ANONYMOUS")
                .property("allow.everyone.if.no.acl.found", "false")
                .property("sasl.enabled.mechanisms", "PLAIN")
                .property("listener.name.sasl.plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"alice-secret\" "
                                + "user_bob=\"bob-secret\" user_carol=\"carol-secret\";")
                .start();
        admin = broker.admin();
        broker.createTopic("logs", 1);
        broker.createTopic("secret", 1);
        List<AclBinding> acls = List.of(ALICE_WRITES, BOB_READS, BOB_IN_GROUP, BOB_NOT_SECRET, BOB_READS_ALL);
        admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        Wait.until("the ACLs to be in force", Duration.ofSeconds(30), () -> admin.describeAcls(AclBindingFilter.ANY)
                .values().get().containsAll(acls));
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    static Map<String, Object> as(String user) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers("SASL"));
        config.put("security.protocol", "SASL_PLAINTEXT");
        config.put("sasl.mechanism", "PLAIN");
        config.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + user + "-secret\";");
        return config;
    }

    static KafkaProducer<String, String> producer(String user, boolean idempotent) {
        Map<String, Object> config = as(user);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(config);
    }

    static KafkaConsumer<String, String> consumer(String user, String group) {
        Map<String, Object> config = as(user);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(config);
    }

    static ConsumerRecords<String, String> pollUntilRecords(KafkaConsumer<String, String> consumer) {
        long deadline = System.currentTimeMillis() + 30_000;
        ConsumerRecords<String, String> got = ConsumerRecords.empty();
        while (got.isEmpty() && System.currentTimeMillis() < deadline) {
            got = consumer.poll(Duration.ofMillis(200));
        }
        return got;
    }

    @Test
    void writeOnTheTopicForProducersReadOnTheGroupAndTopicForConsumers() throws Exception {
        try (KafkaProducer<String, String> bobWrites = producer("bob", false)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> bobWrites.send(new ProducerRecord<>("logs", "k", "v")).get(30, TimeUnit.SECONDS));
            assertEquals(Set.of("logs"), assertInstanceOf(TopicAuthorizationException.class, e.getCause())
                    .unauthorizedTopics());
        }
        try (KafkaProducer<String, String> alice = producer("alice", true)) {
            alice.send(new ProducerRecord<>("logs", "k", "from alice")).get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, String> alice = consumer("alice", "indexers")) {
            alice.subscribe(List.of("logs"));
            assertEquals("indexers", assertThrows(GroupAuthorizationException.class, () -> pollUntilRecords(alice))
                    .groupId());
        }
        try (KafkaConsumer<String, String> bob = consumer("bob", "indexers")) {
            bob.subscribe(List.of("logs"));
            assertEquals("from alice", pollUntilRecords(bob).iterator().next().value());
        }
    }

    @Test
    void aDenyOverridesTheWildcardAllow() {
        try (KafkaConsumer<String, String> bob = consumer("bob", "indexers")) {
            TopicPartition secret = new TopicPartition("secret", 0);
            bob.assign(List.of(secret));
            bob.seekToBeginning(List.of(secret));
            assertEquals(Set.of("secret"), assertThrows(TopicAuthorizationException.class,
                    () -> pollUntilRecords(bob)).unauthorizedTopics());
        }
    }

    @Test
    void aUserWithoutAclsSeesNoTopicsAndMayNotListAcls() throws Exception {
        Map<String, Object> config = as("carol");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin carol = Admin.create(config)) {
            assertEquals(Set.of(), carol.listTopics().names().get(30, TimeUnit.SECONDS));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> carol.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS));
            assertInstanceOf(ClusterAuthorizationException.class, e.getCause());
            e = assertThrows(ExecutionException.class,
                    () -> carol.createAcls(List.of(allow("User:carol", AclOperation.ALL, ResourceType.TOPIC, "*")))
                            .all().get(30, TimeUnit.SECONDS));
            assertInstanceOf(ClusterAuthorizationException.class, e.getCause());
        }
    }
}
