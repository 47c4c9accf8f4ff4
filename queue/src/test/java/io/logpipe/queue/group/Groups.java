package io.logpipe.queue.group;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** What the group tests share: broker settings that keep rebalances quick, and group consumers. */
final class Groups {
    /** No initial rebalance delay and short sessions allowed, so a test's rebalances take milliseconds. */
    static final Map<String, String> FAST_GROUPS = Map.of(
            "group.initial.rebalance.delay.ms", "0",
            "group.min.session.timeout.ms", "500");

    private Groups() {
    }

    static void createTopic(TestBroker broker, String topic, int partitions) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    /** Sends {@code count} records "prefix-i", keyed so they spread over the partitions, and waits for the acks. */
    static void produce(TestBroker broker, String topic, String prefix, int count) {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, prefix + "-" + i));
            }
            producer.flush();
        }
    }

    /** A consumer in {@code group} with quick heartbeats and a short session; {@code overrides} on top. */
    static KafkaConsumer<String, String> consumer(TestBroker broker, String group, Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 3000);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 100);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        props.putAll(overrides);
        return broker.consumer(props);
    }

    /** One list of received records per consumer. */
    static List<List<ConsumerRecord<String, String>>> sinks(int consumers) {
        List<List<ConsumerRecord<String, String>>> sinks = new ArrayList<>();
        for (int i = 0; i < consumers; i++) {
            sinks.add(new ArrayList<>());
        }
        return sinks;
    }

    /** Polls every consumer in turn, into {@code received}, until {@code done} holds; fails after 30 s. */
    static void pollUntil(List<KafkaConsumer<String, String>> consumers,
                          List<List<ConsumerRecord<String, String>>> received, BooleanSupplier done) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            for (int i = 0; i < consumers.size(); i++) {
                consumers.get(i).poll(Duration.ofMillis(50)).forEach(received.get(i)::add);
            }
            if (done.getAsBoolean()) {
                return;
            }
        }
        throw new AssertionError("condition not reached within 30 s; received " + received.stream().map(List::size).toList()
                + ", assignments " + consumers.stream().map(KafkaConsumer::assignment).toList());
    }

    /** Polls until {@code total} records arrived altogether, then a little longer so duplicates would show. */
    static void drain(List<KafkaConsumer<String, String>> consumers, List<List<ConsumerRecord<String, String>>> received,
                      int total) {
        pollUntil(consumers, received, () -> received.stream().mapToInt(List::size).sum() >= total);
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < consumers.size(); i++) {
                consumers.get(i).poll(Duration.ofMillis(50)).forEach(received.get(i)::add);
            }
        }
    }

    static Set<String> values(List<ConsumerRecord<String, String>> records) {
        Set<String> values = new HashSet<>();
        records.forEach(r -> assertTrue(values.add(r.value()), "received twice: " + r.value()));
        return values;
    }
}
