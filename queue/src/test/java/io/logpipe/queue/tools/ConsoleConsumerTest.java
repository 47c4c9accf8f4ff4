package io.logpipe.queue.tools;

import io.logpipe.queue.KafkaTool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.tools.consumer.ConsoleConsumer;
import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka's kafka-console-consumer (kafka-tools 4.2, in-process) against the broker: without {@code --group}
 * it prints exactly what was produced and commits nothing; with {@code --group} it commits what it printed, so the
 * next run with the same group prints only newer records and kafka-consumer-groups shows no lag.
 */
class ConsoleConsumerTest {
    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        // no initial rebalance delay: each run joins its group in milliseconds
        broker = TestBroker.start(data, Map.of("group.initial.rebalance.delay.ms", "0"));
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    static KafkaTool.Result consoleConsumer(String... args) {
        return KafkaTool.run("kafka-console-consumer", ConsoleConsumer::main, broker, "", args);
    }

    static List<String> produce(String topic, String prefix, int count) throws Exception {
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                values.add(prefix + "-" + i);
                producer.send(new ProducerRecord<>(topic, "k" + i, prefix + "-" + i)).get();
            }
        }
        return values;
    }

    static void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    @Test
    void fromBeginningWithoutAGroupPrintsExactlyTheProducedValues() throws Exception {
        createTopic("printed", 1);
        List<String> values = produce("printed", "value", 40);

        KafkaTool.Result all = consoleConsumer("--topic", "printed", "--from-beginning", "--max-messages", "40");
        assertEquals(0, all.exitCode(), all.err());
        assertEquals(values, all.outLines());
        assertTrue(all.err().contains("Processed a total of 40 messages"), all.err());

        KafkaTool.Result first = consoleConsumer("--topic", "printed", "--from-beginning", "--max-messages", "7");
        assertEquals(values.subList(0, 7), first.outLines(), "without --group nothing was committed: from the start again");

        KafkaTool.Result keyed = consoleConsumer("--topic", "printed", "--from-beginning", "--max-messages", "3",
                "--formatter-property", "print.key=true", "--formatter-property", "key.separator=|");
        assertEquals(List.of("k0|value-0", "k1|value-1", "k2|value-2"), keyed.outLines());
    }

    @Test
    void aGroupCommitsWhatItPrintedSoTheNextRunPrintsOnlyNewRecords() throws Exception {
        createTopic("grouped", 3);
        List<String> old = produce("grouped", "old", 30);

        KafkaTool.Result first = consoleConsumer("--topic", "grouped", "--group", "console", "--from-beginning",
                "--max-messages", "30");
        assertEquals(0, first.exitCode(), first.err());
        assertEquals(30, first.outLines().size(), first.out());
        assertEquals(Set.copyOf(old), new HashSet<>(first.outLines()));

        List<String> fresh = produce("grouped", "new", 9);
        // committed offsets win over --from-beginning: 9 records printed are the 9 new ones (the describe below
        // shows nothing left behind); --timeout-ms only keeps a broken run from hanging
        KafkaTool.Result second = consoleConsumer("--topic", "grouped", "--group", "console", "--from-beginning",
                "--max-messages", "9", "--timeout-ms", "30000");
        assertEquals(0, second.exitCode(), second.err());
        assertEquals(9, second.outLines().size(), second.out());
        assertEquals(Set.copyOf(fresh), new HashSet<>(second.outLines()));

        KafkaTool.Result described = KafkaTool.run("kafka-consumer-groups", ConsumerGroupCommand::main, broker, "",
                "--describe", "--group", "console");
        assertEquals(0, described.exitCode(), described.err());
        int rows = 0;
        long total = 0;
        for (String line : described.outLines()) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 6 && cols[0].equals("console") && cols[1].equals("grouped")) {
                rows++;
                assertEquals(cols[4], cols[3], "CURRENT-OFFSET = LOG-END-OFFSET: " + line);
                assertEquals("0", cols[5], "LAG: " + line);
                total += Long.parseLong(cols[3]);
            }
        }
        assertEquals(3, rows, described.out());
        assertEquals(39, total, "the committed offsets add up to every record of the topic");
    }
}
