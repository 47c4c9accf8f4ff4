package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stock AdminClient managing topics; auto-creation off, so unknown topics stay unknown. */
class AdminApiTest {
    @TempDir
    static Path data;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Map.of("auto.create.topics.enable", "false", "node.id", "5",
                "log.segment.bytes", "65536"));
        admin = broker.admin();
    }

    @AfterAll
    static void stop() throws Exception {
        admin.close();
        broker.close();
    }

    @Test
    void createsDescribesGrowsAndDeletesTopics() throws Exception {
        admin.createTopics(List.of(new NewTopic("orders", 2, (short) 1), new NewTopic("defaults", Optional.empty(),
                Optional.empty()))).all().get();
        ExecutionException exists = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get());
        assertInstanceOf(TopicExistsException.class, exists.getCause());
        ExecutionException replicated = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("safe", 1, (short) 3))).all().get());
        assertInstanceOf(InvalidReplicationFactorException.class, replicated.getCause());

        assertTrue(admin.listTopics().names().get().containsAll(Set.of("orders", "defaults")));
        TopicDescription orders = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
        assertEquals(2, orders.partitions().size());
        assertEquals(5, orders.partitions().get(0).leader().id());
        assertNotNull(orders.topicId());
        assertEquals(broker.server().logs().topic("orders").id(), orders.topicId());
        assertEquals(3, admin.describeTopics(List.of("defaults")).allTopicNames().get().get("defaults").partitions().size());

        admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(5))).all().get();
        assertEquals(5, admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders").partitions().size());
        ExecutionException shrink = assertThrows(ExecutionException.class,
                () -> admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(2))).all().get());
        assertInstanceOf(InvalidPartitionsException.class, shrink.getCause());

        admin.deleteTopics(List.of("orders")).all().get();
        assertFalse(admin.listTopics().names().get().contains("orders"));
        ExecutionException gone = assertThrows(ExecutionException.class,
                () -> admin.describeTopics(List.of("orders")).allTopicNames().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, gone.getCause());
    }

    @Test
    void describesClusterAndConfigs() throws Exception {
        DescribeClusterResult cluster = admin.describeCluster();
        assertEquals(broker.server().logs().clusterId(), cluster.clusterId().get());
        assertEquals(5, cluster.controller().get().id());
        assertEquals(1, cluster.nodes().get().size());
        assertEquals(broker.port(), cluster.nodes().get().iterator().next().port());

        admin.createTopics(List.of(new NewTopic("configured", 1, (short) 1))).all().get();
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "configured");
        ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "5");
        Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(topic, node)).all().get();
        assertEquals("65536", configs.get(topic).get("segment.bytes").value());
        assertEquals("delete", configs.get(topic).get("cleanup.policy").value());
        assertEquals("65536", configs.get(node).get("log.segment.bytes").value());
        assertEquals("false", configs.get(node).get("auto.create.topics.enable").value());
    }

    @Test
    void anUnknownTopicIsNotCreatedWhenAutoCreationIsOff() throws Exception {
        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> admin.describeTopics(List.of("nobody-made-this")).allTopicNames().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, unknown.getCause());
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("max.block.ms", "1500"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("nobody-made-this", "x")).get());
            assertInstanceOf(TimeoutException.class, e.getCause());
        }
        assertEquals(null, broker.server().logs().topic("nobody-made-this"));
    }
}
