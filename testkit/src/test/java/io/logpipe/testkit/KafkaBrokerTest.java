package io.logpipe.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The testkit has no queue on its classpath: it proves the Apache Kafka kind; the queue's own tests prove the other. */
class KafkaBrokerTest {
    static KafkaBroker kafka;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaBroker.start(KafkaBroker.Kind.KAFKA);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void producedRecordsAreReadBackFromEveryPartition() throws Exception {
        KafkaBroker broker = kafka;
        broker.createTopic("testkit-roundtrip", 3);
        try (Admin admin = broker.admin()) {
            assertTrue(admin.listTopics().names().get().contains("testkit-roundtrip"));
        }

        try (var producer = new KafkaProducer<String, String>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < 300; i++) {
                producer.send(new ProducerRecord<>("testkit-roundtrip", i % 3, "k" + i, "v" + i));
            }
            producer.flush();
        }

        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            List<TopicPartition> partitions = List.of(new TopicPartition("testkit-roundtrip", 0),
                    new TopicPartition("testkit-roundtrip", 1), new TopicPartition("testkit-roundtrip", 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read.size() < 300 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        assertEquals(300, read.size());
        for (ConsumerRecord<String, String> record : read) {
            int i = Integer.parseInt(record.value().substring(1));
            assertEquals("k" + i, record.key());
            assertEquals(i % 3, record.partition());
        }
        assertEquals(Set.of(0, 1, 2), Set.copyOf(read.stream().map(ConsumerRecord::partition).toList()));
    }

    @Test
    void theKindComesFromTheSystemProperty() {
        String before = System.getProperty(KafkaBroker.KIND_PROPERTY);
        try {
            System.setProperty(KafkaBroker.KIND_PROPERTY, "queue");
            UncheckedIOException missing = Assertions.assertThrows(UncheckedIOException.class,
                    KafkaBroker::start);
            assertTrue(String.valueOf(missing.getCause()).contains("is not on this module's test classpath"), missing.toString());
            System.setProperty(KafkaBroker.KIND_PROPERTY, "rabbit");
            Assertions.assertThrows(IllegalArgumentException.class, KafkaBroker::start);
        } finally {
            if (before == null) {
                System.clearProperty(KafkaBroker.KIND_PROPERTY);
            } else {
                System.setProperty(KafkaBroker.KIND_PROPERTY, before);
            }
        }
    }

    @Test
    void closeStopsTheBrokerProcess() {
        KafkaBroker own = KafkaBroker.start(KafkaBroker.Kind.KAFKA);
        assertFalse(own.bootstrapServers().equals(kafka.bootstrapServers()));
        own.close();
        try (var admin = own.admin()) {
            var nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000)).nodes();
            Assertions.assertThrows(Exception.class, () -> nodes.get());
        }
    }

    @Test
    void anExtraSslListenerServesTheTestCertificatesChain(@TempDir Path dir) throws Exception {
        TestCertificates certificates = TestCertificates.generate(dir);
        try (KafkaBroker secured = KafkaBroker.with(KafkaBroker.Kind.KAFKA)
                .listener("SECURE", "SSL")
                .property("listener.name.secure.ssl.keystore.location", certificates.serverKeystore().toString())
                .property("listener.name.secure.ssl.keystore.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.secure.ssl.key.password", TestCertificates.STORE_PASSWORD)
                .start()) {
            assertFalse(secured.bootstrapServers("SECURE").equals(secured.bootstrapServers()));
            secured.createTopic("testkit-tls", 1);
            try (var producer = new KafkaProducer<String, String>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, secured.bootstrapServers("secure"),
                    "security.protocol", "SSL",
                    "ssl.truststore.location", certificates.truststore().toString(),
                    "ssl.truststore.password", TestCertificates.STORE_PASSWORD,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                var sent = producer.send(new ProducerRecord<>("testkit-tls", "k", "over tls")).get();
                assertEquals(0, sent.offset());
            }
        }
    }
}
