package io.logpipe.queue.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import io.logpipe.queue.ChildBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real broker process never starts half-protected: a SASL_SSL listener whose keystore is missing, or a key asking
 * for what this broker lacks (delegation tokens), stops the start naming file, line and key, before any port is bound.
 */
class SecurityRefusedTest {
    @TempDir
    Path work;

    @Test
    void aSaslSslListenerWithoutItsKeystoreStopsTheStartWithFileLineAndKey() throws Exception {
        Path file = work.resolve("secure.properties");
        Files.writeString(file, """
                node.id=1
                listeners=PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0
                log.dirs=%s
                ssl.keystore.location=%s
                ssl.keystore.password=secret
                sasl.enabled.mechanisms=SCRAM-SHA-512
                listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
                authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
                """.formatted(work.resolve("data"), work.resolve("missing.p12")));
        String[] result = ChildBroker.runToExit(file.toString());
        assertEquals("2", result[0], result[1]);
        assertTrue(result[1].contains(file + ":4: ssl.keystore.location"), result[1]);
        assertTrue(result[1].contains("missing.p12"), result[1]);
        assertFalse(result[1].contains("listening on"), result[1]);
    }

    @Test
    void aDelegationTokenSecretStopsTheStart() throws Exception {
        Path file = work.resolve("tokens.properties");
        Files.writeString(file, """
                listeners=PLAINTEXT://127.0.0.1:0
                log.dirs=%s
                delegation.token.secret.key=s3cret
                """.formatted(work.resolve("data")));
        String[] result = ChildBroker.runToExit(file.toString());
        assertEquals("2", result[0], result[1]);
        assertTrue(result[1].contains(file + ":3: delegation.token.secret.key: asks for delegation tokens, but this"
                + " broker has no delegation tokens (issue 15): remove delegation.token.secret.key or use Apache Kafka"),
                result[1]);
        assertFalse(result[1].contains("listening on"), result[1]);
    }
}
