package io.logpipe.queue.group;

import static io.logpipe.queue.group.Groups.consumer;
import static io.logpipe.queue.group.Groups.createTopic;
import static io.logpipe.queue.group.Groups.drain;
import static io.logpipe.queue.group.Groups.pollUntil;
import static io.logpipe.queue.group.Groups.produce;
import static io.logpipe.queue.group.Groups.sinks;
import static io.logpipe.queue.group.Groups.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Consumer groups of the stock Java client (classic protocol, default settings except short session and heartbeat
 * intervals) against the broker: who gets which partitions, and that every record arrives once.
 */
class ConsumerGroupTest {
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

    /** Polls until the group is Stable with every consumer a member and {@code partitions} partitions assigned. */
    static List<List<ConsumerRecord<String, String>>> awaitStable(String group, List<KafkaConsumer<String, String>> consumers,
                                                                  int partitions) {
        List<List<ConsumerRecord<String, String>>> received = sinks(consumers.size());
        try (Admin admin = broker.admin()) {
            pollUntil(consumers, received, () -> {
                if (consumers.stream().mapToInt(c -> c.assignment().size()).sum() != partitions) {
                    return false;
                }
                try {
                    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                    return d.groupState() == GroupState.STABLE && d.members().size() == consumers.size();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
        return received;
    }

    private static List<KafkaConsumer<String, String>> subscribed(String group, String topic, int count,
                                                                  Map<String, Object> props) {
        List<KafkaConsumer<String, String>> consumers = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            KafkaConsumer<String, String> c = consumer(broker, group, props);
            c.subscribe(List.of(topic));
            consumers.add(c);
        }
        return consumers;
    }

    @Test
    void onePartitionTwoConsumers_oneReceivesEverythingTheOtherNothing() {
        createTopicQuietly("one-partition", 1);
        List<KafkaConsumer<String, String>> consumers = subscribed("g1", "one-partition", 2, Map.of());
        try {
            List<List<ConsumerRecord<String, String>>> received = awaitStable("g1", consumers, 1);
            produce(broker, "one-partition", "m", 200);
            drain(consumers, received, 200);
            int busy = consumers.get(0).assignment().isEmpty() ? 1 : 0;
            assertEquals(200, values(received.get(busy)).size(), "the member holding the partition got every record");
            assertEquals(List.of(), received.get(1 - busy), "the other member got nothing");
            assertTrue(consumers.get(1 - busy).assignment().isEmpty());
        } finally {
            consumers.forEach(KafkaConsumer::close);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(classes = {RangeAssignor.class, RoundRobinAssignor.class, CooperativeStickyAssignor.class})
    void threePartitionsTwoConsumers_everythingConsumedNothingTwice(Class<?> assignor) {
        String topic = "three-" + assignor.getSimpleName();
        String group = "g-" + assignor.getSimpleName();
        createTopicQuietly(topic, 3);
        List<KafkaConsumer<String, String>> consumers = subscribed(group, topic, 2,
                Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor.getName()));
        try {
            List<List<ConsumerRecord<String, String>>> received = awaitStable(group, consumers, 3);
            Set<TopicPartition> union = new HashSet<>(consumers.get(0).assignment());
            union.addAll(consumers.get(1).assignment());
            assertEquals(3, union.size(), "the partitions are split between the members, none shared");
            assertFalse(consumers.get(0).assignment().isEmpty());
            assertFalse(consumers.get(1).assignment().isEmpty());

            produce(broker, topic, "m", 300);
            drain(consumers, received, 300);
            Set<String> all = new HashSet<>(values(received.get(0)));
            for (String v : values(received.get(1))) {
                assertTrue(all.add(v), "received by both members: " + v);
            }
            assertEquals(300, all.size());
            for (int i = 0; i < 2; i++) {
                Set<TopicPartition> owned = consumers.get(i).assignment();
                received.get(i).forEach(r -> assertTrue(owned.contains(new TopicPartition(r.topic(), r.partition()))));
            }
        } finally {
            consumers.forEach(KafkaConsumer::close);
        }
    }

    @Test
    void threePartitionsThreeConsumers_onePartitionEach() {
        createTopicQuietly("three-by-three", 3);
        List<KafkaConsumer<String, String>> consumers = subscribed("g3", "three-by-three", 3, Map.of());
        try {
            List<List<ConsumerRecord<String, String>>> received = awaitStable("g3", consumers, 3);
            Set<TopicPartition> union = new HashSet<>();
            for (KafkaConsumer<String, String> c : consumers) {
                assertEquals(1, c.assignment().size(), "one partition each: " + c.assignment());
                union.addAll(c.assignment());
            }
            assertEquals(3, union.size());
            produce(broker, "three-by-three", "m", 90);
            drain(consumers, received, 90);
            for (int i = 0; i < 3; i++) {
                assertFalse(received.get(i).isEmpty());
                int partition = consumers.get(i).assignment().iterator().next().partition();
                received.get(i).forEach(r -> assertEquals(partition, r.partition()));
            }
            assertEquals(90, received.stream().mapToInt(List::size).sum());
        } finally {
            consumers.forEach(KafkaConsumer::close);
        }
    }

    @Test
    void twoGroups_eachReceivesEverything() {
        createTopicQuietly("shared", 3);
        produce(broker, "shared", "m", 150);
        List<KafkaConsumer<String, String>> consumers = List.of(consumer(broker, "ga", Map.of()),
                consumer(broker, "gb", Map.of()));
        try {
            consumers.forEach(c -> c.subscribe(List.of("shared")));
            List<List<ConsumerRecord<String, String>>> received = sinks(2);
            pollUntil(consumers, received, () -> received.get(0).size() >= 150 && received.get(1).size() >= 150);
            assertEquals(150, values(received.get(0)).size());
            assertEquals(150, values(received.get(1)).size());
        } finally {
            consumers.forEach(KafkaConsumer::close);
        }
    }

    @Test
    void aMemberThatLeavesHandsItsPartitionsOverAtOnce() {
        createTopicQuietly("leave", 3);
        List<KafkaConsumer<String, String>> consumers = subscribed("gl", "leave", 2,
                Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 20_000));
        KafkaConsumer<String, String> stays = consumers.get(0);
        try {
            awaitStable("gl", consumers, 3);
            long left = System.currentTimeMillis();
            consumers.get(1).close();
            pollUntil(List.of(stays), sinks(1), () -> stays.assignment().size() == 3);
            long took = System.currentTimeMillis() - left;
            assertTrue(took < 15_000, "LeaveGroup triggers the rebalance; the 20 s session is not waited for: " + took);
        } finally {
            stays.close();
        }
    }

    @Test
    void aMemberThatStopsHeartbeatingIsRemovedAfterItsSessionTimeout() {
        createTopicQuietly("silent", 3);
        List<KafkaConsumer<String, String>> consumers = subscribed("gs", "silent", 2, Map.of());
        KafkaConsumer<String, String> stays = consumers.get(0);
        try {
            awaitStable("gs", consumers, 3);
            long silent = System.currentTimeMillis();
            // Closed without LeaveGroup, the member just goes quiet, as if its process had died.
            consumers.get(1).close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
            List<List<ConsumerRecord<String, String>>> received = sinks(1);
            pollUntil(List.of(stays), received, () -> stays.assignment().size() == 3);
            long took = System.currentTimeMillis() - silent;
            assertTrue(took >= 2500, "the silent member kept its partitions for its session (3 s), took " + took);
            produce(broker, "silent", "after", 60);
            drain(List.of(stays), received, 60);
            assertEquals(60, values(received.get(0)).size());
        } finally {
            stays.close();
        }
    }

    private static void createTopicQuietly(String topic, int partitions) {
        try {
            createTopic(broker, topic, partitions);
        } catch (Exception e) {
            throw new AssertionError("cannot create " + topic, e);
        }
    }
}
