package io.logpipe.queue.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import io.logpipe.queue.KafkaTool;
import io.logpipe.queue.RawClient;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.tools.TransactionsCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hanging transaction, found and aborted with Kafka's own {@code kafka-transactions find-hanging} and
 * {@code abort} (DescribeProducers, WriteTxnMarkers), the same against the bundled broker and Apache Kafka 4.2
 * ({@code -Dtestkit.broker=kafka}). The hanging transaction is the classic one: a transactional batch in a partition
 * its coordinator never added to the transaction, so no marker will ever end it and read_committed consumers stay
 * at its first offset. It is written raw, as a producer without partition verification could; Apache Kafka refuses
 * that batch unless {@code transaction.partition.verification.enable=false} (KIP-890), which the bundled broker does
 * not verify at all (it warns about the key and ignores it).
 */
class HangingTransactionsTest {
    private static final String TRANSACTIONAL_ID = "hanging-txn";
    /** Older than find-hanging's default threshold of 15 minutes. */
    private static final long TWENTY_MINUTES_AGO = System.currentTimeMillis() - Duration.ofMinutes(20).toMillis();

    static KafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.with().property("transaction.partition.verification.enable", "false").start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static KafkaProducer<String, String> producer(String transactionalId) {
        return TxnClients.producer(broker, transactionalId);
    }

    private static List<String> readToEnd(String isolation, TopicPartition tp) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            List<String> values = new ArrayList<>();
            Wait.until(isolation + " reaches " + end + " in " + tp, Duration.ofSeconds(30), () -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return consumer.position(tp) >= end;
            });
            return values;
        }
    }

    private static long endOffset(String isolation, TopicPartition tp) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    private static KafkaTool.Result kafkaTransactions(String... args) {
        return KafkaTool.run("kafka-transactions", TransactionsCommand::main, broker.bootstrapServers(), "", args);
    }

    /** The rows of find-hanging's table (its header left out), each split into its columns. */
    private static List<List<String>> findHanging(String... extra) {
        List<String> args = new ArrayList<>(List.of("find-hanging", "--broker-id", String.valueOf(broker.nodeId())));
        args.addAll(List.of(extra));
        KafkaTool.Result result = kafkaTransactions(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.printed());
        List<String> lines = result.outLines();
        assertTrue(lines.get(0).startsWith("Topic") && lines.get(0).contains("StartOffset"), result.printed());
        return lines.stream().skip(1).filter(line -> !line.isBlank())
                .map(line -> List.of(line.trim().split("\\s+"))).toList();
    }

    /**
     * A transactional batch of {@code producerId}/{@code epoch} written straight into {@code tp} with Produce v9,
     * without AddPartitionsToTxn: the coordinator does not know the partition is in the transaction.
     */
    private static void produceWithoutAddingThePartition(TopicPartition tp, long producerId, short epoch)
            throws Exception {
        String[] hostPort = broker.bootstrapServers().split(":");
        MemoryRecords batch = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, 0,
                new SimpleRecord(TWENTY_MINUTES_AGO, null, "hanging".getBytes(StandardCharsets.UTF_8)));
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000)
                .setTransactionalId(TRANSACTIONAL_ID);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(tp.topic());
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(tp.partition())
                .setRecords(batch));
        request.topicData().add(topic);
        try (RawClient raw = new RawClient(hostPort[0], Integer.parseInt(hostPort[1]))) {
            ProduceResponse response = raw.send(new ProduceRequest(request, (short) 9));
            short error = response.data().responses().iterator().next().partitionResponses().get(0).errorCode();
            assertEquals(Errors.NONE, Errors.forCode(error), "the raw transactional produce");
        }
    }

    @Test
    void findHangingListsATransactionNoCoordinatorWillEndAndAbortReleasesReadCommittedConsumers() throws Exception {
        String topic = "hanging";
        broker.createTopic(topic, 2);
        TopicPartition hanging = new TopicPartition(topic, 0);
        TopicPartition open = new TopicPartition(topic, 1);
        try (KafkaProducer<String, String> transactional = producer(TRANSACTIONAL_ID);
             KafkaProducer<String, String> plain = producer(null);
             Admin admin = broker.admin()) {
            transactional.initTransactions();
            transactional.beginTransaction();
            // an open transaction its coordinator knows, as old as the hanging one: find-hanging leaves it out
            transactional.send(new ProducerRecord<>(topic, 1, TWENTY_MINUTES_AGO, null, "open")).get();
            TransactionDescription described = admin.describeTransactions(List.of(TRANSACTIONAL_ID))
                    .description(TRANSACTIONAL_ID).get();
            assertEquals(List.of(open), List.copyOf(described.topicPartitions()));

            plain.send(new ProducerRecord<>(topic, 0, null, "before")).get();
            produceWithoutAddingThePartition(hanging, described.producerId(), (short) described.producerEpoch());
            plain.send(new ProducerRecord<>(topic, 0, null, "after")).get();
            assertEquals(1, endOffset("read_committed", hanging), "the hanging transaction holds the LSO");
            assertEquals(List.of("before"), readToEnd("read_committed", hanging));

            List<List<String>> rows = findHanging();
            assertEquals(1, rows.size(), rows.toString());
            List<String> row = rows.get(0);
            assertEquals(List.of(topic, "0", String.valueOf(described.producerId()),
                    String.valueOf(described.producerEpoch())), row.subList(0, 4), row.toString());
            assertEquals("1", row.get(5), "StartOffset: " + row);
            assertEquals(String.valueOf(TWENTY_MINUTES_AGO), row.get(6), "LastTimestamp: " + row);
            assertEquals(List.of(), findHanging("--max-transaction-timeout", "30"),
                    "a last write 20 minutes ago is within a 30 minute timeout");

            KafkaTool.Result aborted = kafkaTransactions("abort", "--topic", topic, "--partition", "0",
                    "--start-offset", "1");
            assertEquals(0, aborted.exitCode(), aborted.printed());
            // before, hanging, the ABORT marker, after: the LSO is the log end again
            assertEquals(4, endOffset("read_committed", hanging));
            assertEquals(endOffset("read_uncommitted", hanging), endOffset("read_committed", hanging));
            assertEquals(List.of("before", "after"), readToEnd("read_committed", hanging));
            assertEquals(List.of("before", "hanging", "after"), readToEnd("read_uncommitted", hanging));
            assertEquals(List.of(), findHanging());

            // the transaction its coordinator knows is untouched and still commits
            transactional.commitTransaction();
            assertEquals(List.of("open"), readToEnd("read_committed", open));
        }
    }

    @Test
    void describeProducersShowsEachProducersOpenTransaction() throws Exception {
        String topic = "hanging-describe";
        broker.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> transactional = producer("hanging-describe");
             Admin admin = broker.admin()) {
            transactional.initTransactions();
            transactional.beginTransaction();
            transactional.send(new ProducerRecord<>(topic, 0, TWENTY_MINUTES_AGO, null, "a")).get();
            transactional.send(new ProducerRecord<>(topic, 0, TWENTY_MINUTES_AGO + 1, null, "b")).get();
            KafkaTool.Result described = kafkaTransactions("describe-producers", "--topic", topic, "--partition",
                    "0");
            assertEquals(0, described.exitCode(), described.printed());
            List<String> lines = described.outLines();
            assertTrue(lines.get(0).startsWith("ProducerId"), described.printed());
            assertEquals(2, lines.size(), described.printed());
            // ProducerId ProducerEpoch LatestCoordinatorEpoch LastSequence LastTimestamp CurrentTransactionStartOffset
            List<String> row = List.of(lines.get(1).trim().split("\\s+"));
            TransactionDescription txn = admin.describeTransactions(List.of("hanging-describe"))
                    .description("hanging-describe").get();
            assertEquals(String.valueOf(txn.producerId()), row.get(0), row.toString());
            assertEquals(String.valueOf(txn.producerEpoch()), row.get(1), row.toString());
            assertEquals("1", row.get(3), "LastSequence: " + row);
            assertEquals(String.valueOf(TWENTY_MINUTES_AGO + 1), row.get(4), "LastTimestamp: " + row);
            assertEquals("0", row.get(5), "CurrentTransactionStartOffset: " + row);
            transactional.commitTransaction();

            var after = admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers();
            assertEquals(1, after.size(), after.toString());
            assertTrue(after.get(0).currentTransactionStartOffset().isEmpty(), "no open transaction: " + after);
        }
    }
}
