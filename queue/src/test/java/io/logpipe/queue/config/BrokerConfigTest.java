package io.logpipe.queue.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerConfigTest {
    @TempDir
    Path dir;

    private BrokerConfig load(String text, String... overrides) throws IOException, ConfigException {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, text);
        return BrokerConfig.load(PropertiesFile.read(file), List.of(overrides));
    }

    @Test
    void readsTheKeysOfKafkasServerProperties() throws Exception {
        BrokerConfig config = load("""
                # a comment
                node.id=7
                listeners=PLAINTEXT://127.0.0.1:19092
                advertised.listeners=PLAINTEXT://queue.example:9092
                log.dirs=/data/a, /data/b
                num.partitions=3
                auto.create.topics.enable=false
                message.max.bytes=2000000
                socket.request.max.bytes=5000000
                log.segment.bytes=65536
                log.roll.hours=2
                log.index.interval.bytes=1024
                log.flush.interval.messages=100
                log.flush.interval.ms=500
                """);
        assertEquals(7, config.nodeId());
        assertEquals(List.of(new BrokerConfig.Endpoint("PLAINTEXT", "127.0.0.1", 19092, SecurityProtocol.PLAINTEXT)), config.listeners());
        assertEquals(new BrokerConfig.Endpoint("PLAINTEXT", "queue.example", 9092, SecurityProtocol.PLAINTEXT),
                config.advertised(config.listeners().get(0), 19092));
        assertEquals(List.of(Path.of("/data/a"), Path.of("/data/b")), config.logDirs());
        assertEquals(3, config.numPartitions());
        assertEquals(false, config.autoCreateTopics());
        assertEquals(2000000, config.messageMaxBytes());
        assertEquals(5000000, config.socketRequestMaxBytes());
        assertEquals(65536, config.logSegmentBytes());
        assertEquals(2 * 3600_000L, config.logRollMs());
        assertEquals(1024, config.logIndexIntervalBytes());
        assertEquals(100, config.logFlushIntervalMessages());
        assertEquals(500, config.logFlushIntervalMs());
        assertEquals(List.of(), config.warnings());
    }

    @Test
    void aUtf8FileIsReadAsUtf8AndAnIso88591OneStillReads() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "# 日志目录（教程里的注释）\nlog.dirs=/data/日志\nnum.partitions=三\n", StandardCharsets.UTF_8);
        ConfigException wrong = assertThrows(ConfigException.class,
                () -> BrokerConfig.load(PropertiesFile.read(file), List.of()));
        assertTrue(wrong.getMessage().contains("三"), wrong.getMessage());
        Files.writeString(file, "# 日志目录\nlog.dirs=/data/日志\n", StandardCharsets.UTF_8);
        assertEquals(List.of(Path.of("/data/日志")), BrokerConfig.load(PropertiesFile.read(file), List.of()).logDirs());
        Files.write(file, "# r\u00e9pertoire\nlog.dirs=/data/r\u00e9pertoire\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(List.of(Path.of("/data/r\u00e9pertoire")),
                BrokerConfig.load(PropertiesFile.read(file), List.of()).logDirs());
    }

    @Test
    void brokerIdStandsInForNodeIdAndRollMsWinsOverHours() throws Exception {
        BrokerConfig config = load("broker.id=4\nlog.roll.hours=5\nlog.roll.ms=1234\n");
        assertEquals(4, config.nodeId());
        assertEquals(1234, config.logRollMs());
    }

    @Test
    void aKraftCombinedFileStartsWithOneWarningPerClusterKey() throws Exception {
        BrokerConfig config = load("""
                process.roles=broker,controller
                node.id=1
                controller.quorum.bootstrap.servers=localhost:9093
                listeners=PLAINTEXT://:9092,CONTROLLER://:9093
                inter.broker.listener.name=PLAINTEXT
                advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
                controller.listener.names=CONTROLLER
                listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
                num.network.threads=3
                offsets.topic.replication.factor=1
                zookeeper.connect=localhost:2181
                log.dirs=/tmp/kraft-combined-logs
                """);
        assertEquals(List.of(new BrokerConfig.Endpoint("PLAINTEXT", "", 9092, SecurityProtocol.PLAINTEXT)), config.listeners());
        List<String> warnings = config.warnings();
        for (String key : List.of("process.roles", "controller.quorum.bootstrap.servers", "inter.broker.listener.name",
                "num.network.threads", "offsets.topic.replication.factor", "zookeeper.connect")) {
            assertEquals(1, warnings.stream().filter(w -> w.contains(": " + key + " ")).count(), key + " in " + warnings);
        }
        assertTrue(warnings.stream().anyMatch(w -> w.contains("CONTROLLER://:9093") && w.contains("controller")), warnings.toString());
        assertTrue(warnings.stream().allMatch(w -> w.contains("server.properties:")), warnings.toString());
    }

    @Test
    void aBadValueFailsWithFileLineKeyAndReason() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> load("node.id=1\n\nnum.partitions=three\n"));
        assertTrue(e.getMessage().endsWith("server.properties:3: num.partitions: 'three' is not a whole number"),
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("auto.create.topics.enable=yes\n"));
        assertTrue(e.getMessage().contains(":1: auto.create.topics.enable: 'yes' is not a boolean"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("listeners=127.0.0.1:9092\n"));
        assertTrue(e.getMessage().contains("listeners: '127.0.0.1:9092' is not NAME://host:port"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("log.segment.bytes=-5\n"));
        assertTrue(e.getMessage().contains("log.segment.bytes: -5 is out of range"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> load("listeners=CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n"));
        assertTrue(e.getMessage().contains("no listener left"), e.getMessage());
    }

    private String refusal(String text, String... overrides) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(text, overrides));
        assertTrue(e.getMessage().contains("this broker has no delegation tokens (issue 15)"), e.getMessage());
        assertTrue(e.getMessage().contains("or use Apache Kafka"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void everyKafkaSecurityProtocolMakesAListenerAndAnUnknownOneFails() throws Exception {
        BrokerConfig config = load("listeners=PLAINTEXT://127.0.0.1:9092,SASL://127.0.0.1:9093\n"
                + "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT\n"
                + "sasl.enabled.mechanisms=SCRAM-SHA-512\n"
                + "listener.name.sasl.scram-sha-512.sasl.jaas.config=" + SCRAM_JAAS + "\n");
        assertEquals(SecurityProtocol.SASL_PLAINTEXT, config.listeners().get(1).securityProtocol());
        ConfigException e = assertThrows(ConfigException.class, () -> load("listeners=SECURE://:9093\n"
                + "listener.security.protocol.map=SECURE:TLS\n"));
        assertTrue(e.getMessage().contains(":1: listeners: entry SECURE://:9093 uses TLS (through"
                + " listener.security.protocol.map), which is no security protocol; use PLAINTEXT, SSL, SASL_PLAINTEXT"
                + " or SASL_SSL"), e.getMessage());
    }

    @Test
    void aDelegationTokenSecretFailsTheStartNamingIt() {
        String m = refusal("node.id=1\ndelegation.token.secret.key=abc\n");
        assertTrue(m.contains("server.properties:2: delegation.token.secret.key: asks for delegation tokens, but"), m);
    }

    @Test
    void anSslListenerKeepsItsProtocolAndItsListenerScopedKeys() throws Exception {
        BrokerConfig config = load("""
                listeners=PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093,SECURE://:9094
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SECURE:SSL
                ssl.keystore.location=/etc/kafka/broker.p12
                listener.name.secure.ssl.keystore.location=/etc/kafka/secure.p12
                ssl.client.auth=required
                """);
        assertEquals(List.of(new BrokerConfig.Endpoint("PLAINTEXT", "127.0.0.1", 9092),
                new BrokerConfig.Endpoint("SSL", "127.0.0.1", 9093, SecurityProtocol.SSL),
                new BrokerConfig.Endpoint("SECURE", "", 9094, SecurityProtocol.SSL)), config.listeners());
        assertEquals("/etc/kafka/broker.p12",
                config.tls(config.listeners().get(1)).text("ssl.keystore.location", null));
        assertEquals("/etc/kafka/secure.p12",
                config.tls(config.listeners().get(2)).text("ssl.keystore.location", null));
        assertEquals(io.logpipe.queue.tls.TlsSettings.ClientAuth.REQUIRED,
                config.tls(config.listeners().get(2)).clientAuth());
        assertEquals(List.of(), config.warnings());
    }

    @Test
    void delegationTokensFailTheStartNamingTheKeyAndInterBrokerSecurityWarns() throws Exception {
        String m = refusal("node.id=1\ndelegation.token.secret.key=s3cret\n");
        assertTrue(m.contains(":2: delegation.token.secret.key: asks for delegation tokens"), m);
        // A single node has no broker-to-broker traffic to protect: the key applies to nothing here.
        BrokerConfig config = load("", "security.inter.broker.protocol=SASL_SSL");
        assertTrue(config.warnings().contains("--override security.inter.broker.protocol: security.inter.broker.protocol"
                + " has no effect on this single-node broker; ignored"), config.warnings().toString());
    }

    @Test
    void kafkasAuthorizersTurnAclsOnWithSuperUsersAndTheNoAclRule() throws Exception {
        assertFalse(load("node.id=1\n").aclsEnabled());
        for (String authorizer : List.of("org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "kafka.security.authorizer.AclAuthorizer")) {
            BrokerConfig config = load("authorizer.class.name=" + authorizer + "\n"
                    + "super.users=User:admin; User:CN=indexer,O=logpipe\nallow.everyone.if.no.acl.found=true\n");
            assertTrue(config.aclsEnabled(), authorizer);
            assertEquals(Set.of(new KafkaPrincipal("User", "admin"), new KafkaPrincipal("User", "CN=indexer,O=logpipe")),
                    config.superUsers());
            assertTrue(config.allowEveryoneIfNoAclFound());
            assertEquals(List.of(), config.warnings());
        }
        BrokerConfig defaults = load("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n");
        assertEquals(Set.of(), defaults.superUsers());
        assertFalse(defaults.allowEveryoneIfNoAclFound());
    }

    @Test
    void anotherAuthorizerClassOrAMalformedSuperUserFailsTheStart() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("node.id=1\nauthorizer.class.name=com.example.LdapAuthorizer\n"));
        assertTrue(e.getMessage().contains("server.properties:2: authorizer.class.name: 'com.example.LdapAuthorizer' "
                + "cannot be loaded here: this broker implements Kafka's ACL authorizer only; use "
                + "org.apache.kafka.metadata.authorizer.StandardAuthorizer or kafka.security.authorizer.AclAuthorizer"),
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nsuper.users=admin\n"));
        assertTrue(e.getMessage().contains(":2: super.users: 'admin' is not TYPE:name (e.g. User:admin)"),
                e.getMessage());
    }

    @Test
    void aclKeysWithoutAnAuthorizerWarnThatTheyDoNothing() throws Exception {
        BrokerConfig config = load("super.users=User:admin\nallow.everyone.if.no.acl.found=true\n");
        assertFalse(config.aclsEnabled());
        assertEquals(List.of("server.properties:1: super.users has no effect without authorizer.class.name; ignored",
                "server.properties:2: allow.everyone.if.no.acl.found has no effect without authorizer.class.name; "
                        + "ignored"), config.warnings().stream().map(w -> w.substring(w.indexOf("server.properties")))
                .toList());
    }

    @Test
    void aSaslSslListenerNeedsItsJaasEntryAndSaysWhichToAdd() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listeners=PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093
                ssl.keystore.location=/etc/kafka/broker.p12
                sasl.enabled.mechanisms=SCRAM-SHA-512
                authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
                """));
        assertTrue(e.getMessage().contains(":3: sasl.enabled.mechanisms: enables SCRAM-SHA-512 on listener SASL_SSL but"
                + " listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config is not set"), e.getMessage());
    }

    @Test
    void securityKeysThatAskForNothingWarnInOneLineAndStart() throws Exception {
        BrokerConfig config = load("""
                ssl.endpoint.identification.algorithm=https
                ssl.enabled.protocols=TLSv1.3,TLSv1.2
                ssl.client.auth=none
                security.inter.broker.protocol=PLAINTEXT
                authorizer.class.name=
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
                """);
        assertEquals(List.of(new BrokerConfig.Endpoint("PLAINTEXT", "127.0.0.1", 9092)), config.listeners());
        assertFalse(config.aclsEnabled(), "a blank authorizer.class.name is unset, as in Kafka");
        assertTrue(config.warnings().stream().noneMatch(w -> w.contains("authorizer.class.name")), config.warnings()
                .toString());
        List<String> interBroker = config.warnings().stream()
                .filter(w -> w.contains(": security.inter.broker.protocol ")).toList();
        assertEquals(1, interBroker.size(), config.warnings().toString());
        assertTrue(interBroker.get(0).contains("has no effect on this single-node broker"), interBroker.get(0));
        for (String key : List.of("ssl.enabled.protocols", "ssl.client.auth")) {
            List<String> about = config.warnings().stream().filter(w -> w.contains(": " + key + " ")).toList();
            assertEquals(List.of(dir.resolve("server.properties") + ":" + (key.equals("ssl.client.auth") ? 3 : 2) + ": " + key
                    + " applies to SSL listeners and this broker has none; ignored"), about);
        }
        assertTrue(config.warnings().contains(dir.resolve("server.properties") + ":1: ssl.endpoint.identification.algorithm is not used"
                + " by this broker's SSL listeners (a client or inter-broker setting, or a JVM default this broker"
                + " keeps); ignored"), config.warnings().toString());
    }

    private static final String PLAIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";";
    private static final String SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required;";

    @Test
    void aSaslPlaintextListenerReadsItsMechanismsAndJaasEntries() throws Exception {
        BrokerConfig config = load("""
                listeners=PLAINTEXT://127.0.0.1:9092,SASL://127.0.0.1:9093
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT
                sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
                listener.name.sasl.plain.sasl.jaas.config=%s
                listener.name.sasl.scram-sha-512.sasl.jaas.config=%s
                connections.max.reauth.ms=60000
                """.formatted(PLAIN_JAAS, SCRAM_JAAS));
        assertEquals(List.of(new BrokerConfig.Endpoint("PLAINTEXT", "127.0.0.1", 9092, SecurityProtocol.PLAINTEXT),
                new BrokerConfig.Endpoint("SASL", "127.0.0.1", 9093, SecurityProtocol.SASL_PLAINTEXT)),
                config.listeners());
        assertEquals(null, config.sasl("PLAINTEXT"));
        SaslListener sasl = config.sasl("SASL");
        assertEquals(List.of("PLAIN", "SCRAM-SHA-512"), sasl.mechanisms());
        assertEquals(java.util.Map.of("admin", "admin-secret", "alice", "alice-secret"), sasl.plainUsers());
        assertEquals(60000, config.connectionsMaxReauthMs());
        assertEquals(524288, config.saslServerMaxReceiveSize());
        assertEquals(List.of(), config.warnings());
        assertTrue(config.effectiveValues().keySet().stream().noneMatch(k -> k.endsWith("sasl.jaas.config")),
                "JAAS entries hold passwords: DescribeConfigs must not show them; " + config.effectiveValues().keySet());
        assertEquals("PLAIN,SCRAM-SHA-512", config.effectiveValues().get("sasl.enabled.mechanisms"));
    }

    @Test
    void aListenerScopedMechanismListWinsAndAnUnprefixedJaasConfigWarns() throws Exception {
        BrokerConfig config = load("""
                listeners=SASL_PLAINTEXT://127.0.0.1:9093
                sasl.enabled.mechanisms=SCRAM-SHA-512
                listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
                sasl.jaas.config=%s
                """.formatted(PLAIN_JAAS));
        assertEquals(List.of("PLAIN"), config.sasl("SASL_PLAINTEXT").mechanisms());
        assertTrue(config.warnings().stream().anyMatch(w -> w.contains(":4: sasl.jaas.config is used for PLAIN")
                && w.contains("write listener.name.sasl_plaintext.plain.sasl.jaas.config instead")), config.warnings()
                .toString());
        assertTrue(config.warnings().stream().anyMatch(w -> w.contains(":2: sasl.enabled.mechanisms has no effect")),
                config.warnings().toString());
    }

    @Test
    void wrongSaslSettingsFailWithFileLineAndWhatToFix() {
        String listener = "listeners=SASL_PLAINTEXT://127.0.0.1:9093\n";
        ConfigException e = assertThrows(ConfigException.class, () -> load(listener));
        assertTrue(e.getMessage().contains("(default): sasl.enabled.mechanisms: GSSAPI (Kafka's default) is not"
                + " supported by this broker, which has PLAIN, SCRAM-SHA-256, SCRAM-SHA-512"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(listener + "sasl.enabled.mechanisms=PLAIN,OAUTHBEARER\n"));
        assertTrue(e.getMessage().contains("server.properties:2: sasl.enabled.mechanisms: OAUTHBEARER is not supported"),
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(listener + "sasl.enabled.mechanisms=SCRAM-SHA-256\n"));
        assertTrue(e.getMessage().contains("server.properties:2: sasl.enabled.mechanisms: enables SCRAM-SHA-256 on"
                + " listener SASL_PLAINTEXT but listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config is not set;"
                + " add listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=" + SCRAM_JAAS), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(listener + "sasl.enabled.mechanisms=PLAIN\n"
                + "listener.name.sasl_plaintext.plain.sasl.jaas.config=PlainLoginModule required user_a=\"b\"\n"));
        assertTrue(e.getMessage().contains("server.properties:3: listener.name.sasl_plaintext.plain.sasl.jaas.config:"
                + " is not a valid JAAS entry"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(listener + "sasl.enabled.mechanisms=PLAIN\n"
                + "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + SCRAM_JAAS + "\n"));
        assertTrue(e.getMessage().contains(":3: listener.name.sasl_plaintext.plain.sasl.jaas.config: names login module"
                + " org.apache.kafka.common.security.scram.ScramLoginModule, but PLAIN on this broker takes"
                + " org.apache.kafka.common.security.plain.PlainLoginModule"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(listener + "sasl.enabled.mechanisms=PLAIN\n"
                + "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + PLAIN_JAAS + "\nconnections.max.reauth.ms=-1\n"));
        assertTrue(e.getMessage().contains(":4: connections.max.reauth.ms: -1 is out of range"), e.getMessage());
    }

    @Test
    void theShippedServerPropertiesAsksForNoSecurity() throws Exception {
        Path shipped = Path.of(System.getProperty("user.dir")).resolveSibling("conf").resolve("server.properties");
        BrokerConfig config = BrokerConfig.load(PropertiesFile.read(shipped), List.of());
        assertTrue(config.warnings().stream().noneMatch(w -> w.contains("issue 15")), config.warnings().toString());
    }

    @Test
    void overridesReplaceFileValuesAndAreNamedInErrors() throws Exception {
        BrokerConfig config = load("num.partitions=3\n", "num.partitions=5", "log.dirs=/x");
        assertEquals(5, config.numPartitions());
        assertEquals(List.of(Path.of("/x")), config.logDirs());
        ConfigException e = assertThrows(ConfigException.class, () -> load("", "message.max.bytes=big"));
        assertTrue(e.getMessage().startsWith("--override message.max.bytes: message.max.bytes:"), e.getMessage());
        assertThrows(ConfigException.class, () -> load("", "novalue"));
    }

    @Test
    void replicationAboveOneWarnsAndContinues() throws Exception {
        BrokerConfig config = load("default.replication.factor=3\n");
        assertEquals(1, config.warnings().size());
        assertTrue(config.warnings().get(0).contains("replication factor 1"));
    }

    @Test
    void propertiesSyntaxContinuationsEscapesAndSeparators() {
        PropertiesFile file = PropertiesFile.parse("f", List.of("! bang comment", "a : 1", "b 2", "c=x\\", "   y",
                "d=tab\\there", "e=\\u0041"));
        assertEquals("1", file.entries().get("a").value());
        assertEquals("2", file.entries().get("b").value());
        assertEquals("xy", file.entries().get("c").value());
        assertEquals(4, file.entries().get("c").line());
        assertEquals("tab\there", file.entries().get("d").value());
        assertEquals("A", file.entries().get("e").value());
    }
}
