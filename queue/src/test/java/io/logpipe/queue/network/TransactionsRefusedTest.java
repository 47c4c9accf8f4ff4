package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transactional producer fails at its first step with a fatal error, instead of retrying FindCoordinator until
 * its timeout: kafka-clients' initTransactions and librdkafka's init_transactions (through Debian's Python binding,
 * the librdkafka kcat uses) both give up well before the minute they are allowed to wait.
 */
class TransactionsRefusedTest {
    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    @Test
    void kafkaClientsInitTransactionsFailsAtOnceAndForGood() {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("transactional.id", "tx-1",
                "max.block.ms", "60000"))) {
            KafkaException failure = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> assertThrows(KafkaException.class, producer::initTransactions),
                    "a retriable answer would block for max.block.ms (60 s)");
            assertTrue(failure instanceof TransactionalIdAuthorizationException, failure.toString());
        }
    }

    @Test
    void librdkafkaInitTransactionsFailsFatallyWithTheBrokersReason() throws Exception {
        Path script = data.resolve("tx.py");
        Files.writeString(script, """
                import sys
                from confluent_kafka import Producer, KafkaException
                p = Producer({'bootstrap.servers': sys.argv[1], 'transactional.id': 'tx-2'})
                try:
                    p.init_transactions(60)
                    print('initialized')
                except KafkaException as e:
                    err = e.args[0]
                    print('fatal=%s retriable=%s %s' % (err.fatal(), err.retriable(), err.str()))
                """);
        Process python;
        try {
            python = new ProcessBuilder("/usr/bin/python3", script.toString(), broker.bootstrap()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("Debian's /usr/bin/python3 is needed: apt-get install python3-confluent-kafka (.ci/run does it)");
            return;
        }
        assertTrue(python.waitFor(40, TimeUnit.SECONDS), "init_transactions kept retrying (allowed 60 s)");
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeFalse(out.contains("No module named 'confluent_kafka'"),
                "python3-confluent-kafka is needed (.ci/run installs it)");
        assertTrue(out.contains("fatal=True retriable=False"), out);
        assertTrue(out.contains(TransactionRefusal.MESSAGE), "librdkafka passes the broker's reason on:\n" + out);
        assertEquals(0, python.exitValue(), out);
    }
}
