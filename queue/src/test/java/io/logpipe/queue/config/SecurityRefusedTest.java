package io.logpipe.queue.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import io.logpipe.queue.ChildBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real broker process, given a Kafka file that asks for TLS and ACLs, refuses to start and says why. */
class SecurityRefusedTest {
    @TempDir
    Path work;

    @Test
    void aSaslSslListenerStopsTheStartWithFileLineAndListener() throws Exception {
        Path file = work.resolve("secure.properties");
        Files.writeString(file, """
                node.id=1
                listeners=PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0
                log.dirs=%s
                ssl.keystore.location=/etc/kafka/broker.p12
                ssl.keystore.password=secret
                sasl.enabled.mechanisms=SCRAM-SHA-512
                authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
                """.formatted(work.resolve("data")));
        String[] result = ChildBroker.runToExit(file.toString());
        assertEquals("2", result[0], result[1]);
        assertTrue(result[1].contains("queue-server: " + file + ":4: ssl.keystore.location: asks for TLS, but this"
                + " broker has no TLS/ACLs yet (issue 15): remove ssl.keystore.location or use Apache Kafka"),
                result[1]);
        assertFalse(result[1].contains("listening on"), result[1]);

        Files.writeString(file, "listeners=PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0\nlog.dirs="
                + work.resolve("data") + "\n");
        result = ChildBroker.runToExit(file.toString());
        assertEquals("2", result[0], result[1]);
        assertTrue(result[1].contains(file + ":1: listeners: entry SASL_SSL://127.0.0.1:0 uses SASL_SSL, but this"
                + " broker has no TLS/ACLs yet (issue 15)"), result[1]);
        assertFalse(result[1].contains("listening on"), result[1]);
    }
}
