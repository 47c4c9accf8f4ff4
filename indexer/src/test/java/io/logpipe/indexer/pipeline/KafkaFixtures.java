package io.logpipe.indexer.pipeline;

import io.logpipe.testkit.KafkaBroker;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producing to and inspecting the real broker of the test kit with kafka-clients. */
public final class KafkaFixtures {
    private KafkaFixtures() {
    }

    public static void produce(KafkaBroker broker, String topic, Integer partition, List<String> values) {
        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrapServers());
        props.put("acks", "all");
        props.put("linger.ms", "5");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, partition, null, value));
            }
            producer.flush();
        }
    }

    /** The group's committed offset per partition of {@code topic}. */
    public static Map<TopicPartition, OffsetAndMetadata> committed(KafkaBroker broker, String group) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        }
    }

    public static long committedTotal(KafkaBroker broker, String group) throws Exception {
        return committed(broker, group).values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
    }
}
