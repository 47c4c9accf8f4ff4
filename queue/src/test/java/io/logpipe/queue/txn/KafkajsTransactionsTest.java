package io.logpipe.queue.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.logpipe.testkit.KafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kafkajs, the Node.js client, runs transactions against the broker (the bundled one, or Apache Kafka 4.2 with
 * {@code -Dtestkit.broker=kafka}): a committed transaction, an aborted one and one that commits the group's offset
 * with it ({@code sendOffsets}); its read_committed consumer and Java's see the committed records only, and the
 * group's offset is the one committed in the transaction. kafkajs is installed from
 * {@code src/test/kafkajs/package-lock.json} by {@code npm ci} (.ci/run does it).
 */
class KafkajsTransactionsTest {
    static final Path PROJECT = Path.of("src/test/kafkajs").toAbsolutePath();
    static KafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.with().property("transaction.max.timeout.ms", "120000").start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void kafkajsCommitsAbortsAndCommitsOffsetsInATransaction() throws Exception {
        assertTrue(Files.isDirectory(PROJECT.resolve("node_modules/kafkajs")),
                "kafkajs is not installed: run npm ci --prefix " + PROJECT + " (.ci/run does it)");
        String topic = "txn-kafkajs";
        String group = "txn-kafkajs-group";
        TxnClients.createTopic(broker, topic, 1);
        Process node = new ProcessBuilder("node", PROJECT.resolve("transactions.js").toString(),
                broker.bootstrapServers(), topic, group).directory(PROJECT.toFile()).redirectErrorStream(true).start();
        boolean finished = node.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            node.destroyForcibly();
        }
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(finished, "the kafkajs script did not finish in 120 s:\n" + out);
        assertEquals(0, node.exitValue(), out);
        assertTrue(out.contains("seen=committed-0,committed-1,committed-2,after-0,after-1\n"), out);

        try (KafkaConsumer<String, String> committed = TxnClients.consumer(broker, "read_committed", null);
             KafkaConsumer<String, String> all = TxnClients.consumer(broker, "read_uncommitted", null);
             Admin admin = broker.admin()) {
            TopicPartition p0 = new TopicPartition(topic, 0);
            assertEquals(List.of("committed-0", "committed-1", "committed-2", "after-0", "after-1"),
                    TxnClients.readToEnd(committed, List.of(p0)).get(0));
            assertEquals(List.of("committed-0", "committed-1", "committed-2", "aborted-0", "aborted-1", "after-0",
                    "after-1"), TxnClients.readToEnd(all, List.of(p0)).get(0));
            assertEquals(3L, admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(p0)
                    .offset(), "the offset committed with the last transaction");
        }
    }
}
