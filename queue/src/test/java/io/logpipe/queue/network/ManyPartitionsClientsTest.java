package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client-visible only, so it runs against the bundled queue and, with {@code -Dtestkit.broker=kafka}, Apache Kafka:
 * a topic of 200 partitions read by the Java consumer (which uses incremental fetch sessions) while records keep
 * arriving, and by kcat (librdkafka sends full fetches without a session), every record once and in order.
 */
class ManyPartitionsClientsTest {
    private static final int PARTITIONS = 200;
    static KafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.with().start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // one request in flight: a retry after Apache Kafka's NOT_LEADER_OR_FOLLOWER on a just-created partition
        // cannot overtake the batch before it
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return new KafkaProducer<>(props);
    }

    private static KafkaConsumer<String, String> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        return new KafkaConsumer<>(props);
    }

    /** Creates the topic and waits until every partition has a leader (Apache Kafka elects them after the create). */
    private static void createTopic(String name) throws Exception {
        broker.createTopic(name, PARTITIONS);
        try (var admin = broker.admin()) {
            Wait.until(name + " has a leader for each of its " + PARTITIONS + " partitions", Duration.ofSeconds(60),
                    () -> admin.describeTopics(List.of(name)).allTopicNames().get().get(name).partitions().stream()
                            .filter(p -> p.leader() != null && !p.leader().isEmpty()).count() == PARTITIONS);
        }
    }

    @Test
    void theJavaConsumerReadsTwoHundredPartitionsInOrderWhileRecordsArrive() throws Exception {
        createTopic("many-java");
        PartitionedRecords records = new PartitionedRecords("many-java", PARTITIONS);
        try (KafkaProducer<String, String> producer = producer(); KafkaConsumer<String, String> consumer = consumer()) {
            consumer.assign(records.topicPartitions());
            for (int round = 0; round < 4; round++) {
                records.produce(producer, 3);
                records.consumeUntil(consumer, records.producedCount(), Duration.ofSeconds(60));
            }
        }
        records.assertAllReadInOrder();
    }

    @Test
    void kcatReadsTwoHundredPartitionsInOrder() throws Exception {
        createTopic("many-kcat");
        PartitionedRecords records = new PartitionedRecords("many-kcat", PARTITIONS);
        try (KafkaProducer<String, String> producer = producer()) {
            records.produce(producer, 5);
        }
        List<String> command = List.of("kcat", "-b", broker.bootstrapServers(), "-C", "-t", "many-kcat",
                "-o", "beginning", "-e", "-q", "-f", "%p %s\\n");
        Process kcat;
        try {
            kcat = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IOException("kcat is needed for this test: apt-get install kcat (.ci/run does it)", e);
        }
        kcat.getOutputStream().close();
        String out = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!kcat.waitFor(60, TimeUnit.SECONDS)) {
            kcat.destroyForcibly();
        }
        assertEquals(0, kcat.exitValue(), "kcat " + command);
        out.lines().forEach(line -> {
            String[] parts = line.split(" ", 2);
            records.accept(Integer.parseInt(parts[0]), parts[1]);
        });
        records.assertAllReadInOrder();
    }
}
