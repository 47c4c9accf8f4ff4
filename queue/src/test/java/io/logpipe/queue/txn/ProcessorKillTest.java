package io.logpipe.queue.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once through a SIGKILL of the processing JVM: a consume-transform-produce processor
 * ({@link TransformProcessor}, transactions with {@code sendOffsetsToTransaction}) is killed while it works through
 * the input and started again with the same transactional id; its open transaction is aborted when the new instance
 * initializes, and read_committed consumers of the output then see every input record transformed exactly once, in
 * order, with the group's offsets at the end of the input. The same against the bundled broker and Apache Kafka 4.2
 * ({@code -Dtestkit.broker=kafka}).
 */
class ProcessorKillTest {
    static final int PARTITIONS = 3;
    static final int PER_PARTITION = 5000;
    static final Pattern COMMITTED = Pattern.compile("committed (\\d+)\\n");
    static KafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.with().property("transaction.max.timeout.ms", "120000").start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static Process processor(Path log) throws Exception {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), TransformProcessor.class.getName(),
                broker.bootstrapServers(), "ctp-kill-in", "ctp-kill-out", "ctp-kill", "ctp-kill-processor")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The processor's last {@code committed N}, 0 before its first commit. */
    static long committed(Path log) throws Exception {
        Matcher m = COMMITTED.matcher(Files.readString(log, StandardCharsets.UTF_8));
        long last = 0;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    @Test
    void aKilledProcessorRestartedWithItsTransactionalIdTransformsEveryRecordExactlyOnce(@TempDir Path dir)
            throws Exception {
        TxnClients.createTopic(broker, "ctp-kill-in", PARTITIONS);
        TxnClients.createTopic(broker, "ctp-kill-out", PARTITIONS);
        try (KafkaProducer<String, String> plain = TxnClients.producer(broker, null)) {
            for (int i = 0; i < PER_PARTITION; i++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    plain.send(new ProducerRecord<>("ctp-kill-in", p, null, "v-" + p + "-" + i));
                }
            }
            plain.flush();
        }

        Path firstLog = dir.resolve("first.log");
        Process first = processor(firstLog);
        try {
            Wait.until("the first processor committed 3000 records", Duration.ofSeconds(120),
                    () -> committed(firstLog) >= 3000 || !first.isAlive());
            assertTrue(first.isAlive(), "the first processor exited:\n" + Files.readString(firstLog));
        } finally {
            first.destroyForcibly(); // SIGKILL
            first.waitFor(30, TimeUnit.SECONDS);
        }
        long before = committed(firstLog);
        assertTrue(before < PARTITIONS * PER_PARTITION, "killed before the end of the input, after " + before);

        Path secondLog = dir.resolve("second.log");
        Process second = processor(secondLog);
        List<TopicPartition> out = new ArrayList<>();
        List<TopicPartition> in = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            out.add(new TopicPartition("ctp-kill-out", p));
            in.add(new TopicPartition("ctp-kill-in", p));
        }
        try (Admin admin = broker.admin()) {
            Wait.until("the group's offsets at the end of the input", Duration.ofSeconds(180), () -> {
                assertTrue(second.isAlive(), "the second processor exited:\n" + Files.readString(secondLog));
                Map<TopicPartition, OffsetAndMetadata> offsets =
                        admin.listConsumerGroupOffsets("ctp-kill").partitionsToOffsetAndMetadata().get();
                return in.stream().allMatch(tp -> offsets.get(tp) != null && offsets.get(tp).offset() == PER_PARTITION);
            });
        } finally {
            second.destroyForcibly();
            second.waitFor(30, TimeUnit.SECONDS);
        }

        try (KafkaConsumer<String, String> committed = TxnClients.consumer(broker, "read_committed", null)) {
            Map<Integer, List<String>> seen = TxnClients.readToEnd(committed, out);
            for (int p = 0; p < PARTITIONS; p++) {
                List<String> want = new ArrayList<>();
                for (int i = 0; i < PER_PARTITION; i++) {
                    want.add("out-v-" + p + "-" + i);
                }
                assertEquals(want, seen.get(p), "partition " + p + ": every record once, in order");
            }
        }
    }
}
