package io.logpipe.queue.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.KafkaTool;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.tools.TransactionsCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka transactions with the stock Java client, the same against the bundled broker and Apache Kafka 4.2
 * ({@code -Dtestkit.broker=kafka}): committed records reach read_committed consumers in order, aborted ones never,
 * read_uncommitted consumers see everything; an open transaction holds read_committed consumers at the last stable
 * offset; a zombie producer is fenced by a new instance of its transactional id; consume-transform-produce with
 * {@code sendOffsetsToTransaction} moves the group's offsets only when the transaction commits; Kafka's
 * {@code kafka-transactions list/describe} (in-process) shows them.
 */
class TransactionsTest {
    static KafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.with().property("transaction.max.timeout.ms", "120000").start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static KafkaProducer<String, String> producer(String transactionalId) {
        return TxnClients.producer(broker, transactionalId);
    }

    static KafkaConsumer<String, String> consumer(String isolation, String group) {
        return TxnClients.consumer(broker, isolation, group);
    }

    static void createTopic(String name, int partitions) throws Exception {
        TxnClients.createTopic(broker, name, partitions);
    }

    static List<TopicPartition> partitions(String topic, int count) {
        List<TopicPartition> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new TopicPartition(topic, i));
        }
        return list;
    }

    static Map<Integer, List<String>> readToEnd(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions) {
        return TxnClients.readToEnd(consumer, partitions);
    }

    private static void sendAll(KafkaProducer<String, String> producer, String topic, int partitions, String prefix,
                                int perPartition) {
        for (int i = 0; i < perPartition; i++) {
            for (int p = 0; p < partitions; p++) {
                producer.send(new ProducerRecord<>(topic, p, null, prefix + "-" + p + "-" + i));
            }
        }
    }

    private static List<String> expected(String prefix, int partition, int count) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add(prefix + "-" + partition + "-" + i);
        }
        return values;
    }

    @Test
    void readCommittedSeesCommittedRecordsInOrderAndNeverAbortedOnes() throws Exception {
        String topic = "txn-commit-abort";
        createTopic(topic, 2);
        try (KafkaProducer<String, String> producer = producer("txn-commit-abort")) {
            producer.initTransactions();
            producer.beginTransaction();
            sendAll(producer, topic, 2, "first", 5);
            producer.commitTransaction();
            producer.beginTransaction();
            sendAll(producer, topic, 2, "aborted", 5);
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            sendAll(producer, topic, 2, "second", 5);
            producer.commitTransaction();
        }
        try (KafkaConsumer<String, String> committed = consumer("read_committed", null);
             KafkaConsumer<String, String> uncommitted = consumer("read_uncommitted", null)) {
            Map<Integer, List<String>> seen = readToEnd(committed, partitions(topic, 2));
            Map<Integer, List<String>> all = readToEnd(uncommitted, partitions(topic, 2));
            for (int p = 0; p < 2; p++) {
                List<String> want = new ArrayList<>(expected("first", p, 5));
                want.addAll(expected("second", p, 5));
                assertEquals(want, seen.get(p), "read_committed, partition " + p);
                List<String> everything = new ArrayList<>(expected("first", p, 5));
                everything.addAll(expected("aborted", p, 5));
                everything.addAll(expected("second", p, 5));
                assertEquals(everything, all.get(p), "read_uncommitted, partition " + p);
            }
        }
    }

    @Test
    void anOpenTransactionHoldsReadCommittedConsumersAtTheLastStableOffset() throws Exception {
        String topic = "txn-open";
        createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> transactional = producer("txn-open");
             KafkaProducer<String, String> plain = producer(null);
             KafkaConsumer<String, String> committed = consumer("read_committed", null);
             KafkaConsumer<String, String> uncommitted = consumer("read_uncommitted", null)) {
            plain.send(new ProducerRecord<>(topic, 0, null, "before")).get();
            transactional.initTransactions();
            transactional.beginTransaction();
            transactional.send(new ProducerRecord<>(topic, 0, null, "in-transaction")).get();
            long after = plain.send(new ProducerRecord<>(topic, 0, null, "after")).get().offset();

            assertEquals(List.of("before", "in-transaction", "after"), readToEnd(uncommitted, List.of(tp)).get(0));
            // the last stable offset is the open transaction's first offset: 1
            assertEquals(1L, committed.endOffsets(List.of(tp)).get(tp), "ListOffsets latest for read_committed");
            assertEquals(after + 1, uncommitted.endOffsets(List.of(tp)).get(tp));
            assertEquals(List.of("before"), readToEnd(committed, List.of(tp)).get(0));
            ConsumerRecords<String, String> held = committed.poll(Duration.ofMillis(500));
            assertTrue(held.isEmpty(), "nothing past the LSO: " + held.count());
            assertEquals(1L, committed.position(tp));

            transactional.commitTransaction();
            List<String> rest = new ArrayList<>();
            Wait.until("read_committed gets the records once the transaction commits", Duration.ofSeconds(30), () -> {
                committed.poll(Duration.ofMillis(200)).forEach(r -> rest.add(r.value()));
                return rest.size() >= 2;
            });
            assertEquals(List.of("in-transaction", "after"), rest);
            // the marker takes an offset too: the LSO is the log end again
            assertEquals(uncommitted.endOffsets(List.of(tp)).get(tp), committed.endOffsets(List.of(tp)).get(tp));
        }
    }

    @Test
    void aNewInstanceOfTheTransactionalIdFencesTheZombieAndAbortsItsTransaction() throws Exception {
        String topic = "txn-zombie";
        createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> zombie = producer("txn-zombie")) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>(topic, 0, null, "zombie")).get();
            try (KafkaProducer<String, String> successor = producer("txn-zombie")) {
                successor.initTransactions();
                KafkaException fenced = assertThrows(KafkaException.class, zombie::commitTransaction);
                assertTrue(fenced instanceof ProducerFencedException || fenced instanceof InvalidProducerEpochException,
                        fenced.toString());
                successor.beginTransaction();
                successor.send(new ProducerRecord<>(topic, 0, null, "successor"));
                successor.commitTransaction();
            }
        }
        try (KafkaConsumer<String, String> committed = consumer("read_committed", null);
             KafkaConsumer<String, String> uncommitted = consumer("read_uncommitted", null)) {
            assertEquals(List.of("successor"), readToEnd(committed, List.of(tp)).get(0));
            assertEquals(List.of("zombie", "successor"), readToEnd(uncommitted, List.of(tp)).get(0));
        }
    }

    @Test
    void kafkaTransactionsListsAndDescribesAnOpenTransaction() throws Exception {
        String topic = "txn-cli";
        createTopic(topic, 2);
        try (KafkaProducer<String, String> producer = producer("txn-cli")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 1, null, "open")).get();

            String list = kafkaTransactions("list");
            assertTrue(list.lines().anyMatch(line -> line.startsWith("txn-cli ") && line.trim().endsWith("Ongoing")),
                    list);
            String described = kafkaTransactions("describe", "--transactional-id", "txn-cli");
            String row = described.lines().filter(line -> line.contains("txn-cli")).findFirst().orElseThrow();
            assertTrue(row.contains("Ongoing") && row.contains(topic + "-1"), described);

            producer.commitTransaction();
            String after = kafkaTransactions("describe", "--transactional-id", "txn-cli");
            assertTrue(after.contains("CompleteCommit"), after);
        }
        KafkaTool.Result unknown = KafkaTool.run("kafka-transactions", TransactionsCommand::main,
                broker.bootstrapServers(), "", "describe", "--transactional-id", "no-such-id");
        assertEquals(1, unknown.exitCode(), unknown.printed());
        assertTrue(unknown.printed().contains("could not be found"), unknown.printed());
    }

    private static String kafkaTransactions(String... args) {
        KafkaTool.Result result = KafkaTool.run("kafka-transactions", TransactionsCommand::main,
                broker.bootstrapServers(), "", args);
        assertEquals(0, result.exitCode(), result.printed());
        return result.out();
    }

    /**
     * librdkafka's transactional producer and read_committed consumer, through Debian's python3-confluent-kafka:
     * a committed and an aborted transaction; librdkafka and the Java consumer both see only the committed records.
     */
    @Test
    void librdkafkaCommitsAndAbortsTransactions(@TempDir Path dir) throws Exception {
        String topic = "txn-librdkafka";
        createTopic(topic, 1);
        Path script = dir.resolve("txn.py");
        Files.writeString(script, """
                import sys
                from confluent_kafka import Producer, Consumer, TopicPartition
                bootstrap, topic = sys.argv[1], sys.argv[2]
                p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'txn-librdkafka'})
                p.init_transactions(30)
                p.begin_transaction()
                for i in range(3):
                    p.produce(topic, value='committed-%d' % i, partition=0)
                p.commit_transaction(30)
                p.begin_transaction()
                for i in range(2):
                    p.produce(topic, value='aborted-%d' % i, partition=0)
                p.flush(30)
                p.abort_transaction(30)
                c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'txn-librdkafka-reader',
                              'isolation.level': 'read_committed', 'enable.auto.commit': False,
                              'auto.offset.reset': 'earliest'})
                c.assign([TopicPartition(topic, 0, 0)])
                seen = []
                for _ in range(100):
                    m = c.poll(0.2)
                    if m is not None and m.error() is None:
                        seen.append(m.value().decode())
                    if len(seen) >= 3:
                        break
                print('seen=' + ','.join(seen))
                c.close()
                """);
        Process python;
        try {
            python = new ProcessBuilder("/usr/bin/python3", script.toString(), broker.bootstrapServers(), topic)
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("Debian's /usr/bin/python3 is needed: apt-get install python3-confluent-kafka (.ci/run does it)");
            return;
        }
        assertTrue(python.waitFor(90, TimeUnit.SECONDS), "the librdkafka script did not finish");
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeFalse(out.contains("No module named 'confluent_kafka'"),
                "python3-confluent-kafka is needed (.ci/run installs it)");
        assertEquals(0, python.exitValue(), out);
        assertTrue(out.contains("seen=committed-0,committed-1,committed-2\n"), out);
        try (KafkaConsumer<String, String> committed = consumer("read_committed", null)) {
            assertEquals(List.of("committed-0", "committed-1", "committed-2"),
                    readToEnd(committed, List.of(new TopicPartition(topic, 0))).get(0));
        }
    }

    @Test
    void aTimeoutAboveTheBrokersMaximumIsRefused() {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "txn-long",
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 600_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            KafkaException refused = assertThrows(KafkaException.class, producer::initTransactions);
            // kafka-clients reports INVALID_TRANSACTION_TIMEOUT here as an unexpected error, with that code's text
            assertTrue(refused.getMessage().contains(Errors.INVALID_TRANSACTION_TIMEOUT.message()), refused.toString());
        }
    }

    @Test
    void consumeTransformProduceMovesTheGroupsOffsetsOnlyWhenItCommits() throws Exception {
        String input = "txn-ctp-in";
        String output = "txn-ctp-out";
        String group = "txn-ctp";
        createTopic(input, 1);
        createTopic(output, 1);
        TopicPartition in = new TopicPartition(input, 0);
        try (KafkaProducer<String, String> plain = producer(null)) {
            for (int i = 0; i < 10; i++) {
                plain.send(new ProducerRecord<>(input, 0, null, "v" + i));
            }
            plain.flush();
        }
        try (KafkaConsumer<String, String> consumer = consumer("read_committed", group);
             KafkaProducer<String, String> producer = producer("txn-ctp");
             Admin admin = broker.admin()) {
            producer.initTransactions();
            consumer.subscribe(List.of(input));
            List<ConsumerRecord<String, String>> batch = new ArrayList<>();
            Wait.until("the group consumer gets records", Duration.ofSeconds(60), () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(batch::add);
                return !batch.isEmpty();
            });
            // an attempt that aborts: neither its output nor its offsets count
            producer.beginTransaction();
            for (ConsumerRecord<String, String> r : batch) {
                producer.send(new ProducerRecord<>(output, 0, null, "aborted-" + r.value()));
            }
            long next = batch.get(batch.size() - 1).offset() + 1;
            producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(next)), consumer.groupMetadata());
            producer.abortTransaction();
            assertEquals(Map.of(), admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(),
                    "offsets of an aborted transaction are not committed");

            // the real run: every input record transformed once, offsets with the output
            consumer.seek(in, 0);
            List<String> done = new ArrayList<>();
            while (done.size() < 10) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                long last = -1;
                for (ConsumerRecord<String, String> r : records) {
                    producer.send(new ProducerRecord<>(output, 0, null, "out-" + r.value()));
                    done.add(r.value());
                    last = r.offset();
                }
                producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(last + 1)),
                        consumer.groupMetadata());
                producer.commitTransaction();
            }
            assertEquals(10L, admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(in).offset());
        }
        try (KafkaConsumer<String, String> committed = consumer("read_committed", null)) {
            List<String> want = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                want.add("out-v" + i);
            }
            assertEquals(want, readToEnd(committed, List.of(new TopicPartition(output, 0))).get(0));
        }
    }
}
