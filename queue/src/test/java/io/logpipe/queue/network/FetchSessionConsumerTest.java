package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.TestBroker;
import io.logpipe.testkit.FreePorts;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java consumer on 200 partitions with fetch sessions, as the broker sees it: its incremental fetches leave out
 * the partitions without news; after a broker restart mid-consumption (every session gone) it opens a new session
 * and reads on; and when its session is evicted by a bigger one it gets FETCH_SESSION_ID_NOT_FOUND, falls back to
 * full fetches and still reads everything, in order, once.
 */
class FetchSessionConsumerTest {
    private static final int PARTITIONS = 200;

    @TempDir
    Path data;

    private static void createTopic(TestBroker broker, String name, int partitions) throws Exception {
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }

    private static FetchSessionCache.Counters counters(TestBroker broker) {
        return broker.server().network().fetchSessions().counters();
    }

    @Test
    void aConsumerOfTwoHundredPartitionsReadsEverythingInOrderAcrossABrokerRestart() throws Exception {
        Map<String, String> settings = Map.of("listeners", "PLAINTEXT://127.0.0.1:" + FreePorts.pick());
        PartitionedRecords records = new PartitionedRecords("wide", PARTITIONS);
        TestBroker broker = TestBroker.start(data, settings);
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of("max.poll.records", 100))) {
            createTopic(broker, "wide", PARTITIONS);
            try (KafkaProducer<String, String> producer = broker.producer(Map.of("linger.ms", 5))) {
                records.produce(producer, 5);
            }
            consumer.assign(records.topicPartitions());
            records.consumeUntil(consumer, records.producedCount(), Duration.ofSeconds(60));
            TestBroker first = broker;
            records.pollUntil(consumer, "incremental fetches leave out the partitions without news",
                    () -> counters(first).incrementalFetches() > 0 && counters(first).partitionsLeftOut() > 0,
                    Duration.ofSeconds(30));
            assertTrue(counters(first).created() >= 1, counters(first).toString());

            broker.close();
            broker = TestBroker.start(data, settings);
            try (KafkaProducer<String, String> producer = broker.producer(Map.of("linger.ms", 5))) {
                records.produce(producer, 5);
            }
            records.consumeUntil(consumer, records.producedCount(), Duration.ofSeconds(90));
            TestBroker second = broker;
            records.pollUntil(consumer, "a new session after the restart, used incrementally",
                    () -> counters(second).created() >= 1 && counters(second).incrementalFetches() > 0,
                    Duration.ofSeconds(30));
            records.assertAllReadInOrder();
        } finally {
            broker.close();
        }
    }

    @Test
    void aConsumerWhoseSessionWasEvictedFallsBackAndReadsOn() throws Exception {
        try (TestBroker broker = TestBroker.start(data, Map.of("max.incremental.fetch.session.cache.slots", "1"))) {
            createTopic(broker, "narrow", 10);
            createTopic(broker, "wide", PARTITIONS);
            PartitionedRecords narrow = new PartitionedRecords("narrow", 10);
            PartitionedRecords wide = new PartitionedRecords("wide", PARTITIONS);
            try (KafkaProducer<String, String> producer = broker.producer(Map.of("linger.ms", 5));
                 KafkaConsumer<String, String> first = broker.consumer(Map.of());
                 KafkaConsumer<String, String> second = broker.consumer(Map.of())) {
                narrow.produce(producer, 20);
                first.assign(narrow.topicPartitions());
                narrow.consumeUntil(first, narrow.producedCount(), Duration.ofSeconds(60));
                long createdBefore = counters(broker).created();

                // the second consumer's 200-partition session takes the only slot from the first's 10
                wide.produce(producer, 2);
                second.assign(wide.topicPartitions());
                wide.consumeUntil(second, wide.producedCount(), Duration.ofSeconds(60));
                wide.pollUntil(second, "the wide consumer's session took the slot",
                        () -> counters(broker).created() > createdBefore && counters(broker).incrementalFetches() > 0,
                        Duration.ofSeconds(30));

                narrow.produce(producer, 20);
                wide.produce(producer, 2);
                narrow.consumeUntil(first, narrow.producedCount(), Duration.ofSeconds(60));
                wide.consumeUntil(second, wide.producedCount(), Duration.ofSeconds(60));
                narrow.assertAllReadInOrder();
                wide.assertAllReadInOrder();
            }
        }
    }
}
