package io.logpipe.indexer;

import static io.logpipe.indexer.pipeline.KafkaFixtures.committedTotal;
import static io.logpipe.indexer.pipeline.KafkaFixtures.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.logpipe.common.secrets.KeystorePassword;
import io.logpipe.common.secrets.SecretStore;
import io.logpipe.common.config.ConfigException;
import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.pipeline.Pipeline;
import io.logpipe.indexer.pipeline.PipelineSettings;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.ScramListener;
import io.logpipe.testkit.TestCertificates;
import io.logpipe.testkit.Wait;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kafka input with Logstash's security options against a broker (of the kind -Dtestkit.broker names) with a
 * SASL_SSL listener (SCRAM-SHA-512) and ACLs on: events reach a real Elasticsearch node; {@code -t} and the start name exactly
 * what is wrong.
 */
class KafkaSecurityTest {
    private static final String USER = "indexer";
    private static final String PASSWORD = "indexer-secret";
    private static TestCertificates certs;
    private static TestCertificates strangerCa;
    private static KafkaBroker broker;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void broker(@TempDir Path certsDir) throws Exception {
        certs = TestCertificates.generate(certsDir.resolve("certs"));
        strangerCa = TestCertificates.generate(certsDir.resolve("stranger"));
        broker = ScramListener.add(KafkaBroker.with(), "SECURE", certs)
                // ACLs on: the PLAINTEXT listener (ANONYMOUS, the test's own producer and admin) may do anything,
                // the SCRAM user only what its ACLs allow.
                .property("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .property("super.users", "User:ANONYMOUS")
                .start();
        ScramListener.addUser(broker, USER, PASSWORD);
        try (Admin admin = broker.admin()) {
            admin.createAcls(List.of(allow(ResourceType.TOPIC, "secure-events"), allow(ResourceType.TOPIC, "checked"),
                    allow(ResourceType.GROUP, "secure-group"), allow(ResourceType.GROUP, "checked-group"))).all().get();
        }
    }

    private static AclBinding allow(ResourceType type, String name) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry("User:" + USER, "*", AclOperation.READ, AclPermissionType.ALLOW));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static String kafka(String topic, String group, String password, Path truststore) {
        return """
                  kafka {
                    bootstrap_servers => "%s"
                    topics => ["%s"]
                    group_id => "%s"
                    auto_offset_reset => "earliest"
                    auto_commit_interval_ms => 200
                    security_protocol => "SASL_SSL"
                    sasl_mechanism => "SCRAM-SHA-512"
                    sasl_jaas_config => "org.apache.kafka.common.security.scram.ScramLoginModule required username='%s' password='%s';"
                    ssl_truststore_location => "%s"
                    ssl_truststore_password => "%s"
                    ssl_truststore_type => "PKCS12"
                    codec => json
                  }
                """.formatted(broker.bootstrapServers("SECURE"), topic, group, USER, password, truststore,
                TestCertificates.STORE_PASSWORD);
    }

    private int test(String input) throws Exception {
        return Indexer.run(new String[] {"-t", "-e", "input {\n" + input + "}\noutput { stdout { } }\n"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eventsTravelOverSaslSslIntoElasticsearch() throws Exception {
        ElasticsearchNode node = ElasticsearchNode.shared();
        ElasticsearchClient client = node.client();
        broker.createTopic("secure-events", 1);
        produce(broker, "secure-events", 0, List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3}"));
        String config = "input {\n" + kafka("secure-events", "secure-group", PASSWORD, certs.truststore()) + "}\n"
                + "output { elasticsearch { hosts => [\"" + node.url() + "\"] index => \"secure-events\" } }\n";
        Pipeline pipeline = new Pipeline(ConfigSource.fromString(config), new PipelineSettings("main", 1, 50, 20, dir));
        try {
            pipeline.start();
            Wait.until("3 documents in secure-events", Duration.ofSeconds(90), () -> {
                client.indices().refresh(r -> r.index("secure-events").ignoreUnavailable(true));
                return client.count(c -> c.index("secure-events").ignoreUnavailable(true)).count() == 3;
            });
            Wait.until("offsets committed", () -> committedTotal(broker, "secure-group") == 3);
            assertEquals(null, pipeline.failure());
        } finally {
            pipeline.stop();
            client.indices().delete(d -> d.index("secure-events").ignoreUnavailable(true));
            client._transport().close();
        }
    }

    @Test
    void dashTConnectsAndPassesWithTheRightSettings() throws Exception {
        assertEquals(0, test(kafka("checked", "checked-group", PASSWORD, certs.truststore())), err());
    }

    @Test
    void thePasswordComesFromTheKeystoreOfPathSettings() throws Exception {
        SecretStore keystore = SecretStore.create(dir.resolve("indexer.keystore"),
                KeystorePassword.from("LOGSTASH_KEYSTORE_PASS", System::getenv));
        keystore.put("KAFKA_PASSWORD", PASSWORD);
        keystore.save();
        String[] args = {"-t", "--path.settings", dir.toString(), "-e", "input {\n"
                + kafka("checked", "checked-group", "${KAFKA_PASSWORD}", certs.truststore()) + "}\noutput { stdout { } }\n"};
        assertEquals(0, Indexer.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)), err());
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Configuration OK (1 pipeline(s): main)"));

        keystore.put("KAFKA_PASSWORD", "not-the-password");
        keystore.save();
        assertEquals(1, Indexer.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err().startsWith("indexer: pipeline main: kafka input kafka_1: SASL authentication failed at "
                + broker.bootstrapServers("SECURE") + ": mechanism SCRAM-SHA-512, user 'indexer': "), err());
    }

    @Test
    void aWrongPasswordIsNamedWithMechanismAndUser() throws Exception {
        assertEquals(1, test(kafka("checked", "checked-group", "wrong", certs.truststore())));
        assertTrue(err().startsWith("indexer: pipeline main: kafka input kafka_1: SASL authentication failed at "
                + broker.bootstrapServers("SECURE") + ": mechanism SCRAM-SHA-512, user 'indexer': "), err());
    }

    @Test
    void aMissingReadAclOnTheGroupOrTopicIsNamed() throws Exception {
        assertEquals(1, test(kafka("checked", "forbidden-group", PASSWORD, certs.truststore())));
        assertTrue(err().startsWith("indexer: pipeline main: kafka input kafka_1: not authorized: user 'indexer' may not "
                + "read with group 'forbidden-group' at " + broker.bootstrapServers("SECURE")
                + " (an ACL must allow READ on the group)"), err());
        err.reset();
        assertEquals(1, test(kafka("forbidden-topic", "checked-group", PASSWORD, certs.truststore())));
        assertTrue(err().startsWith("indexer: pipeline main: kafka input kafka_1: not authorized: user 'indexer' may not "
                + "read topic forbidden-topic at " + broker.bootstrapServers("SECURE") + " (an ACL must allow READ on "
                + "it)"), err());
    }

    @Test
    void anUnknownCaStopsThePipelineAtStartWithTheTruststoreNamed() throws Exception {
        Pipeline pipeline = new Pipeline(ConfigSource.fromString("input {\n" + kafka("checked", "checked-group",
                PASSWORD, strangerCa.truststore()) + "}\noutput { stdout { } }\n"),
                new PipelineSettings("main", 1, 50, 20, dir));
        try {
            pipeline.start();
            assertTrue(pipeline.awaitStopped(30, java.util.concurrent.TimeUnit.SECONDS), "the pipeline stops");
            assertEquals("kafka input kafka_1: TLS handshake with " + broker.bootstrapServers("SECURE") + " failed: "
                    + "unknown CA: the broker's certificate is not signed by truststore " + strangerCa.truststore()
                    + " (it is issued by CN=logpipe test CA)", pipeline.failure());
        } finally {
            pipeline.stop();
        }
    }

    @Test
    void plaintextToATlsPortIsNamed() throws Exception {
        String input = "  kafka { bootstrap_servers => \"" + broker.bootstrapServers("SECURE") + "\" topics => [\"x\"] }\n";
        assertEquals(1, test(input));
        assertTrue(err().startsWith("indexer: pipeline main: kafka input kafka_1: " + broker.bootstrapServers("SECURE")
                + " speaks TLS, but the client is configured for PLAINTEXT (no TLS)"), err());
    }

    @Test
    void wrongOptionsFailWhereTheyAreWritten() {
        ConfigException protocol = assertThrows(ConfigException.class,
                () -> test("  kafka {\n    security_protocol => \"TLS\"\n  }\n"));
        assertEquals("config string:3:5: input 'kafka' setting 'security_protocol': expected one of PLAINTEXT, SSL, "
                + "SASL_PLAINTEXT, SASL_SSL but found 'TLS'", protocol.getMessage());
        ConfigException jaas = assertThrows(ConfigException.class,
                () -> test("  kafka {\n    security_protocol => \"SASL_SSL\"\n    sasl_mechanism => \"PLAIN\"\n  }\n"));
        assertTrue(jaas.getMessage().startsWith("config string:3:5: input 'kafka' setting 'security_protocol': "
                + "SASL_SSL needs sasl_jaas_config"), jaas.getMessage());
        ConfigException store = assertThrows(ConfigException.class,
                () -> test("  kafka {\n    security_protocol => \"SSL\"\n    ssl_truststore_location => \""
                        + certs.truststore() + "\"\n    ssl_truststore_password => \"nope\"\n  }\n"));
        assertEquals("config string:4:5: input 'kafka' setting 'ssl_truststore_location': " + certs.truststore()
                + " does not open with ssl_truststore_password (wrong password?)", store.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> test("  kafka {\n    security_protocol => \"SSL\"\n    ssl_keystore_location => \"/nowhere.p12\"\n  }\n"));
        assertEquals("config string:4:5: input 'kafka' setting 'ssl_keystore_location': /nowhere.p12 does not exist",
                missing.getMessage());
    }
}
