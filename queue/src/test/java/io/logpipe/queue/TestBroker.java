package io.logpipe.queue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.logpipe.queue.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A broker started in this JVM on a free loopback port, with real Kafka clients pointed at it. */
public final class TestBroker implements AutoCloseable {
    private final QueueServer server;
    private final String bootstrap;

    private TestBroker(QueueServer server) {
        this.server = server;
        BrokerConfig.Endpoint endpoint = server.endpoints().get(0);
        this.bootstrap = endpoint.host() + ":" + endpoint.port();
    }

    /** Starts with {@code log.dirs=dataDir}, 3 partitions per topic and {@code settings} on top. */
    public static TestBroker start(Path dataDir, Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>();
        all.put("listeners", "PLAINTEXT://127.0.0.1:0");
        all.put("log.dirs", dataDir.toString());
        all.put("num.partitions", "3");
        all.putAll(settings);
        return new TestBroker(QueueServer.start(BrokerConfig.of(all)));
    }

    public String bootstrap() {
        return bootstrap;
    }

    public int port() {
        return server.endpoints().get(0).port();
    }

    public QueueServer server() {
        return server;
    }

    /** A producer with the client's defaults (idempotence on, acks=all) plus {@code overrides}. */
    public KafkaProducer<String, String> producer(Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.putAll(overrides);
        return new KafkaProducer<>(props);
    }

    /** A consumer without a group: partitions are assigned by the test. */
    public KafkaConsumer<String, String> consumer(Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(overrides);
        return new KafkaConsumer<>(props);
    }

    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
