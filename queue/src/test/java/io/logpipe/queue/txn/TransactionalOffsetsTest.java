package io.logpipe.queue.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KIP-447 with the stock Java client, the same against the bundled broker and Apache Kafka 4.2
 * ({@code -Dtestkit.broker=kafka}): offsets sent with {@code sendOffsetsToTransaction(offsets, groupMetadata)} are
 * refused when that metadata is no longer the group's (a zombie processor whose generation moved on, a member that
 * left, a static member replaced by a new incarnation), so the producer aborts; and offsets a transaction holds
 * are not handed to a consumer as committed until it ends (OffsetFetch with require_stable: UNSTABLE_OFFSET_COMMIT,
 * which the consumer retries).
 */
class TransactionalOffsetsTest {
    static KafkaBroker broker;

    @BeforeAll
    static void start() {
        // no initial delay: the rebalances here happen when the test makes them
        broker = KafkaBroker.with().property("group.initial.rebalance.delay.ms", "0").start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static KafkaProducer<String, String> producer(String transactionalId) {
        return TxnClients.producer(broker, transactionalId);
    }

    private static KafkaConsumer<String, String> consumer(String group, String instanceId) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        if (instanceId != null) {
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        return new KafkaConsumer<>(props);
    }

    private static void createTopicWithRecords(String topic, int partitions, int perPartition) throws Exception {
        broker.createTopic(topic, partitions);
        try (KafkaProducer<String, String> plain = producer(null)) {
            for (int p = 0; p < partitions; p++) {
                for (int i = 0; i < perPartition; i++) {
                    plain.send(new ProducerRecord<>(topic, p, null, "v" + p + "-" + i)).get();
                }
            }
        }
    }

    /** Polls every consumer until each holds {@code each} partitions (a rebalance has completed for all). */
    @SafeVarargs
    private static void pollUntilAssigned(int each, KafkaConsumer<String, String>... consumers) {
        Wait.until("every consumer holds " + each + " partition(s)", Duration.ofSeconds(60), () -> {
            boolean all = true;
            for (KafkaConsumer<String, String> c : consumers) {
                c.poll(Duration.ofMillis(100));
                all &= c.assignment().size() == each;
            }
            return all;
        });
    }

    private static long committed(Admin admin, String group, TopicPartition tp) throws Exception {
        OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp);
        return offset == null ? -1 : offset.offset();
    }

    /**
     * Waits until the admin client sees {@code expected} for {@code tp}: Apache Kafka answers EndTxn once the commit
     * is decided and writes the markers (and so the group's offsets) after.
     */
    private static void awaitCommitted(Admin admin, String group, TopicPartition tp, long expected) {
        Wait.until(group + " commits " + expected + " for " + tp, () -> committed(admin, group, tp) == expected);
    }

    /**
     * Begins a transaction with one output record and sends {@code offset} for {@code tp} with {@code metadata}; a
     * refusal of the offsets is thrown from here (the producer then has to abort).
     */
    private static void sendOffsets(KafkaProducer<String, String> producer, String output, TopicPartition tp,
                                    long offset, ConsumerGroupMetadata metadata) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(output, 0, null, "out-" + offset));
        producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(offset)), metadata);
    }

    @Test
    void aZombieWhoseGenerationMovedOnOrWhoLeftCannotCommitOffsetsInATransaction() throws Exception {
        String input = "kip447-in";
        String output = "kip447-out";
        String group = "kip447";
        createTopicWithRecords(input, 2, 10);
        broker.createTopic(output, 1);
        TopicPartition p0 = new TopicPartition(input, 0);
        try (KafkaConsumer<String, String> first = consumer(group, null);
             KafkaProducer<String, String> producer = producer("kip447-zombie");
             Admin admin = broker.admin()) {
            producer.initTransactions();
            first.subscribe(List.of(input));
            pollUntilAssigned(2, first);
            ConsumerGroupMetadata before = first.groupMetadata();
            sendOffsets(producer, output, p0, 1, before);
            producer.commitTransaction();
            awaitCommitted(admin, group, p0, 1); // the member of the current generation commits

            try (KafkaConsumer<String, String> second = consumer(group, null)) {
                second.subscribe(List.of(input));
                pollUntilAssigned(1, first, second);
                assertNotEquals(before.generationId(), first.groupMetadata().generationId(), "a rebalance happened");

                // the processor that lost a partition in the rebalance, still holding the old generation
                CommitFailedException stale = assertThrows(CommitFailedException.class,
                        () -> sendOffsets(producer, output, p0, 5, before));
                assertTrue(stale.getMessage().contains(Errors.ILLEGAL_GENERATION.message()), stale.toString());
                producer.abortTransaction();
                assertEquals(1, committed(admin, group, p0), "a stale generation's offsets are not committed");

                ConsumerGroupMetadata left = second.groupMetadata();
                second.close();
                CommitFailedException gone = assertThrows(CommitFailedException.class,
                        () -> sendOffsets(producer, output, p0, 6, left));
                assertTrue(gone.getMessage().contains(Errors.UNKNOWN_MEMBER_ID.message()), gone.toString());
                producer.abortTransaction();
                assertEquals(1, committed(admin, group, p0), "offsets of a member that left are not committed");
            }

            pollUntilAssigned(2, first);
            sendOffsets(producer, output, p0, 7, first.groupMetadata());
            producer.commitTransaction();
            awaitCommitted(admin, group, p0, 7); // the current generation commits again
        }
    }

    @Test
    void aStaticMemberReplacedByANewIncarnationIsFenced() throws Exception {
        String input = "kip447-static-in";
        String output = "kip447-static-out";
        String group = "kip447-static";
        createTopicWithRecords(input, 1, 5);
        broker.createTopic(output, 1);
        TopicPartition tp = new TopicPartition(input, 0);
        try (KafkaConsumer<String, String> old = consumer(group, "instance-1");
             KafkaProducer<String, String> producer = producer("kip447-static");
             Admin admin = broker.admin()) {
            producer.initTransactions();
            old.subscribe(List.of(input));
            pollUntilAssigned(1, old);
            ConsumerGroupMetadata replaced = old.groupMetadata();
            try (KafkaConsumer<String, String> successor = consumer(group, "instance-1")) {
                successor.subscribe(List.of(input));
                pollUntilAssigned(1, successor);
                assertNotEquals(replaced.memberId(), successor.groupMetadata().memberId());

                assertThrows(FencedInstanceIdException.class, () -> sendOffsets(producer, output, tp, 3, replaced));
                producer.abortTransaction();
                assertEquals(-1, committed(admin, group, tp), "the replaced incarnation commits nothing");

                sendOffsets(producer, output, tp, 4, successor.groupMetadata());
                producer.commitTransaction();
                awaitCommitted(admin, group, tp, 4);
            }
        }
    }

    @Test
    void aConsumerIsNotGivenOffsetsThatAnOpenTransactionMayStillReplace() throws Exception {
        String input = "kip447-stable-in";
        String output = "kip447-stable-out";
        String group = "kip447-stable";
        createTopicWithRecords(input, 1, 10);
        broker.createTopic(output, 1);
        TopicPartition tp = new TopicPartition(input, 0);
        try (KafkaProducer<String, String> producer = producer("kip447-stable");
             KafkaConsumer<String, String> consumer = consumer(group, null);
             Admin admin = broker.admin()) {
            admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(3))).all().get();
            // the consumer knows its coordinator before the timed calls below
            assertEquals(3, consumer.committed(Set.of(tp), Duration.ofSeconds(30)).get(tp).offset());
            producer.initTransactions();

            // a producer without group management gives only the group id (generation -1): always accepted
            sendOffsets(producer, output, tp, 7, new ConsumerGroupMetadata(group));
            // kafka-clients' consumers ask with require_stable: the answer is UNSTABLE_OFFSET_COMMIT until the
            // transaction ends, retried until the call's timeout
            assertThrows(TimeoutException.class, () -> consumer.committed(Set.of(tp), Duration.ofSeconds(2)));
            // the admin client does not ask for stable offsets: it sees the committed one
            assertEquals(3, committed(admin, group, tp));

            producer.commitTransaction();
            assertEquals(7, consumer.committed(Set.of(tp), Duration.ofSeconds(30)).get(tp).offset());

            sendOffsets(producer, output, tp, 9, new ConsumerGroupMetadata(group));
            assertThrows(TimeoutException.class, () -> consumer.committed(Set.of(tp), Duration.ofSeconds(2)));
            producer.abortTransaction();
            assertEquals(7, consumer.committed(Set.of(tp), Duration.ofSeconds(30)).get(tp).offset(),
                    "an aborted transaction's offsets are dropped");

            // a consumer joining the group starts from the offset the transaction committed
            consumer.subscribe(List.of(input));
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            Wait.until("the group consumer gets records", Duration.ofSeconds(60), () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
            assertEquals(7, records.get(0).offset());
        }
    }
}
