import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads N records of a topic from the beginning with a plain KafkaConsumer that assign()s every partition (no
 * consumer group), and prints records/s and MB/s. Run with `java -cp KAFKA_CLASSPATH AssignedConsumerPerformance.java
 * BOOTSTRAP TOPIC N [CLIENT_PROPERTIES]`; the optional properties file (security.protocol, sasl.*, ssl.*, as given
 * to the kafka-tools with --command-config) is read first, so BOOTSTRAP and the fetch settings below win. Beside
 * kafka-tools' ConsumerPerformance, which always joins a consumer group, it measures the fetch path alone (it first
 * stood in for ConsumerPerformance while the queue had no groups).
 */
public class AssignedConsumerPerformance {
    public static void main(String[] args) throws IOException {
        if (args.length < 3 || args.length > 4 || args[0].equals("--help")) {
            System.out.println("usage: AssignedConsumerPerformance BOOTSTRAP TOPIC RECORDS [CLIENT_PROPERTIES]");
            System.exit(args.length == 1 ? 0 : 2);
        }
        Properties props = new Properties();
        if (args.length == 4) {
            try (Reader in = Files.newBufferedReader(Path.of(args[3]))) {
                props.load(in);
            }
        }
        props.put("bootstrap.servers", args[0]);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("max.partition.fetch.bytes", Integer.toString(1 << 20));
        props.put("receive.buffer.bytes", Integer.toString(2 << 20));
        long wanted = Long.parseLong(args[2]);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(args[1])) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long records = 0;
            long bytes = 0;
            long start = System.nanoTime();
            long lastProgress = start;
            while (records < wanted) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    bytes += r.serializedValueSize() + Math.max(0, r.serializedKeySize());
                }
                if (System.nanoTime() - lastProgress > 30_000_000_000L) {
                    throw new IllegalStateException("no progress for 30 s at " + records + " records");
                }
                if (records > 0) {
                    lastProgress = System.nanoTime();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%d records consumed in %.2f s, %.1f records/sec (%.2f MB/sec)%n", records, seconds,
                    records / seconds, bytes / seconds / (1024 * 1024));
        }
    }
}
