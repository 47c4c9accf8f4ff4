package io.logpipe.queue.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.logpipe.queue.ChildBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's real main class in its own JVM, killed with SIGKILL in the middle of a transaction: after the restart
 * the committed transaction is whole and visible, the open one stays invisible to read_committed consumers (the last
 * stable offset holds at its first record, rebuilt from the log) until its timeout aborts it, and the coordinator's
 * state (producer ids, epochs, outcomes) comes back from {@code transactions.log}.
 */
class TransactionDurabilityTest {
    private static final String TOPIC = "txn-durable";

    @TempDir
    Path work;

    private Path config() throws Exception {
        Path file = work.resolve("server.properties");
        Files.writeString(file, """
                node.id=1
                listeners=PLAINTEXT://127.0.0.1:0
                log.dirs=%s
                transaction.abort.timed.out.transaction.cleanup.interval.ms=200
                """.formatted(work.resolve("data")));
        return file;
    }

    private static KafkaProducer<String, String> producer(String bootstrap, String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 4000);
        return new KafkaProducer<>(props);
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap, String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return new KafkaConsumer<>(props);
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static List<String> readToEnd(KafkaConsumer<String, String> consumer, TopicPartition tp) {
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long end = consumer.endOffsets(List.of(tp)).get(tp);
        List<String> values = new ArrayList<>();
        Wait.until("the consumer reached offset " + end, Duration.ofSeconds(30), () -> {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            return consumer.position(tp) >= end;
        });
        return values;
    }

    @Test
    void killMinus9MidTransactionKeepsTheCommittedOneAndAbortsTheOpenOneOnTimeout() throws Exception {
        Path config = config();
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        long committedProducerId;
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            try (Admin admin = admin(broker.bootstrap())) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> committed = producer(broker.bootstrap(), "durable-commit")) {
                committed.initTransactions();
                committed.beginTransaction();
                for (int i = 0; i < 5; i++) {
                    committed.send(new ProducerRecord<>(TOPIC, 0, null, "committed-" + i));
                }
                committed.commitTransaction();
            }
            KafkaProducer<String, String> open = producer(broker.bootstrap(), "durable-open");
            open.initTransactions();
            open.beginTransaction();
            for (int i = 0; i < 5; i++) {
                open.send(new ProducerRecord<>(TOPIC, 0, null, "open-" + i));
            }
            open.flush(); // acknowledged by the partition, never committed
            try (Admin admin = admin(broker.bootstrap())) {
                committedProducerId = admin.describeTransactions(List.of("durable-commit")).all().get()
                        .get("durable-commit").producerId();
            }
            broker.kill9();
            open.close(Duration.ZERO);
        }
        try (ChildBroker broker = ChildBroker.start(config, work);
             KafkaConsumer<String, String> committed = consumer(broker.bootstrap(), "read_committed");
             KafkaConsumer<String, String> uncommitted = consumer(broker.bootstrap(), "read_uncommitted");
             Admin admin = admin(broker.bootstrap())) {
            TransactionDescription described = admin.describeTransactions(List.of("durable-commit")).all().get()
                    .get("durable-commit");
            assertEquals(committedProducerId, described.producerId(), "the coordinator's state survived kill -9");
            assertEquals(TransactionState.COMPLETE_COMMIT, described.state());

            // until the open transaction times out, nothing of it is visible, and it holds the LSO at its start
            // (the abort may already have happened if the restart was slow: then the LSO is the log end)
            List<String> visible = readToEnd(committed, tp);
            assertEquals(List.of("committed-0", "committed-1", "committed-2", "committed-3", "committed-4"),
                    visible.subList(0, 5));
            assertEquals(5, visible.size(), "no record of the open transaction is half-visible: " + visible);

            Wait.until("the open transaction is aborted on its timeout", Duration.ofSeconds(30), () ->
                    admin.describeTransactions(List.of("durable-open")).all().get().get("durable-open").state()
                            == TransactionState.COMPLETE_ABORT);
            long logEnd = uncommitted.endOffsets(List.of(tp)).get(tp);
            assertEquals(logEnd, committed.endOffsets(List.of(tp)).get(tp), "the LSO reaches the log end");
            assertEquals(visible, readToEnd(committed, tp), "the aborted records stay invisible");
            List<String> all = readToEnd(uncommitted, tp);
            assertEquals(10, all.size(), all.toString());
            assertTrue(broker.stderr().contains("past its timeout"), broker.stderr());

            // the transactional id lives on: a new instance gets a higher epoch and commits
            try (KafkaProducer<String, String> again = producer(broker.bootstrap(), "durable-open")) {
                again.initTransactions();
                again.beginTransaction();
                again.send(new ProducerRecord<>(TOPIC, 0, null, "after-restart"));
                again.commitTransaction();
            }
            List<String> finalView = readToEnd(committed, tp);
            assertEquals("after-restart", finalView.get(finalView.size() - 1));
            assertEquals(6, finalView.size(), finalView.toString());
        }
    }
}
