package io.logpipe.queue.txn;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the transaction tests do with the stock Java client: topics, producers, consumers of either isolation level, reading to the end. */
final class TxnClients {
    private TxnClients() {
    }

    /** A producer of strings; transactional with {@code transactionalId} unless null. */
    static KafkaProducer<String, String> producer(KafkaBroker broker, String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(props);
    }

    /** A consumer of strings reading from the earliest offset, without auto commit; in {@code group} unless null. */
    static KafkaConsumer<String, String> consumer(KafkaBroker broker, String isolation, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(props);
    }

    /** Creates {@code name} and waits until each partition has a leader (Kafka elects them after answering). */
    static void createTopic(KafkaBroker broker, String name, int partitions) throws Exception {
        broker.createTopic(name, partitions);
        try (Admin admin = broker.admin()) {
            Wait.until(name + " has a leader for each partition", Duration.ofSeconds(60),
                    () -> admin.describeTopics(List.of(name)).allTopicNames().get().get(name).partitions().stream()
                            .filter(p -> p.leader() != null && !p.leader().isEmpty()).count() == partitions);
        }
    }

    /** Reads {@code partitions} from the beginning to their end offsets (for the consumer's isolation level). */
    static Map<Integer, List<String>> readToEnd(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<Integer, List<String>> values = new HashMap<>();
        Wait.until("the consumer reached " + end, Duration.ofSeconds(60), () -> {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                values.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.value());
            }
            return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
        });
        return values;
    }
}
