package io.logpipe.queue.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.ChildBroker;
import io.logpipe.queue.KafkaTool;
import io.logpipe.testkit.FreePorts;
import kafka.admin.ConfigCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SCRAM user added with Apache Kafka's own {@code kafka-configs --alter --add-config 'SCRAM-SHA-512=[...]'} is
 * kept salted and hashed in {@code scram-credentials}, never as its password, and still logs in after the broker
 * process is killed with SIGKILL right after the tool returned, and after a clean restart; a password change with
 * the tool replaces the old one.
 */
class ScramDurabilityTest {
    @TempDir
    Path work;

    private Path config(int saslPort) throws Exception {
        Path file = work.resolve("server.properties");
        Files.writeString(file, """
                node.id=1
                listeners=PLAINTEXT://127.0.0.1:0,SASL://127.0.0.1:%d
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT
                sasl.enabled.mechanisms=SCRAM-SHA-512
                listener.name.sasl.scram-sha-512.sasl.jaas.config=%s
                log.dirs=%s
                """.formatted(saslPort, SaslClients.SCRAM_JAAS, work.resolve("data")));
        return file;
    }

    private static KafkaTool.Result kafkaConfigs(ChildBroker broker, String... args) {
        return KafkaTool.run("kafka-configs", ConfigCommand::main, broker.bootstrap(), "", args);
    }

    private static boolean logsIn(int saslPort, String user, String password) throws Exception {
        try (Admin admin = SaslClients.admin(SaslClients.settings("127.0.0.1:" + saslPort, "SCRAM-SHA-512", user,
                password))) {
            admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            assertInstanceOf(SaslAuthenticationException.class, e.getCause(), String.valueOf(e.getCause()));
            return false;
        }
    }

    @Test
    void aUserAddedWithKafkaConfigsSurvivesKillNineAndARestart() throws Exception {
        int saslPort = FreePorts.pick();
        Path config = config(saslPort);
        ChildBroker broker = ChildBroker.start(config, work);
        KafkaTool.Result added = kafkaConfigs(broker, "--alter", "--add-config",
                "SCRAM-SHA-512=[iterations=8192,password=alice-secret]", "--entity-type", "users", "--entity-name",
                "alice");
        assertEquals(0, added.exitCode(), added.printed());
        assertTrue(added.out().contains("Completed updating config for user alice."), added.printed());
        broker.kill9();

        broker = ChildBroker.start(config, work);
        assertTrue(logsIn(saslPort, "alice", "alice-secret"), "alice logs in after kill -9");
        assertFalse(logsIn(saslPort, "alice", "wrong"));
        String stored = Files.readString(work.resolve("data").resolve(ScramCredentialStore.FILE_NAME));
        assertFalse(stored.contains("alice-secret"), stored);
        assertTrue(stored.contains("SCRAM-SHA-512 YWxpY2U "), "alice, base64url: " + stored);
        assertTrue(stored.contains(",iterations=8192"), stored);

        KafkaTool.Result changed = kafkaConfigs(broker, "--alter", "--add-config",
                "SCRAM-SHA-512=[password=alice-new-secret]", "--entity-type", "users", "--entity-name", "alice");
        assertEquals(0, changed.exitCode(), changed.printed());
        assertEquals(0, broker.stop(), "SIGTERM: a complete clean stop exits 0");

        broker = ChildBroker.start(config, work);
        try {
            assertTrue(logsIn(saslPort, "alice", "alice-new-secret"), "the new password after a clean restart");
            assertFalse(logsIn(saslPort, "alice", "alice-secret"), "the old password no longer works");
            KafkaTool.Result deleted = kafkaConfigs(broker, "--alter", "--delete-config", "SCRAM-SHA-512",
                    "--entity-type", "users", "--entity-name", "alice");
            assertEquals(0, deleted.exitCode(), deleted.printed());
            assertFalse(logsIn(saslPort, "alice", "alice-new-secret"), "a deleted user cannot log in");
        } finally {
            broker.close();
        }
    }

    @Test
    void aDamagedCredentialsFileStopsTheStartNamingFileAndLine() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        Files.writeString(data.resolve(ScramCredentialStore.FILE_NAME),
                "# logpipe SCRAM credentials v1\nSCRAM-SHA-512 YWxpY2U salt=broken\n");
        String[] result = ChildBroker.runToExit(config(FreePorts.pick()).toString());
        assertEquals("2", result[0], result[1]);
        assertTrue(result[1].contains(data.resolve(ScramCredentialStore.FILE_NAME) + ":2: not a SCRAM credential"),
                result[1]);
        assertFalse(result[1].contains("listening on"), result[1]);
    }
}
