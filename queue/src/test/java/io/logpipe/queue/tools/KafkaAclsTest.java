package io.logpipe.queue.tools;

import static io.logpipe.queue.security.Acls.allow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.KafkaTool;
import io.logpipe.queue.TestBroker;
import io.logpipe.queue.security.AclStore;
import io.logpipe.queue.security.Acls;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.tools.AclCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka's kafka-acls (kafka-tools 4.2, in-process) managing the bundled broker's ACLs: --add, --list and
 * --remove as the Kafka documentation shows them, and what the broker stores. Queue only: ANONYMOUS manages the ACLs
 * here through an ACL seeded into the ACL file (see AclEnforcementTest for why Apache Kafka cannot be set up so).
 */
class KafkaAclsTest {
    @TempDir
    Path data;

    private static KafkaTool.Result kafkaAcls(TestBroker broker, String... args) {
        return KafkaTool.run("kafka-acls", AclCommand::main, broker, "", args);
    }

    @Test
    void addListAndRemoveAsTheKafkaDocumentationShowsThem() throws Exception {
        AclStore.open(data).add(List.of(allow("User:ANONYMOUS", AclOperation.ALTER, ResourceType.CLUSTER,
                "kafka-cluster")));
        try (TestBroker broker = TestBroker.start(data, Map.of(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer"))) {
            KafkaTool.Result added = kafkaAcls(broker, "--add", "--allow-principal", "User:alice", "--operation",
                    "Write", "--topic", "t");
            assertEquals(0, added.exitCode(), added.printed());
            assertTrue(added.out().contains("Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t, "
                    + "patternType=LITERAL)`"), added.out());
            KafkaTool.Result consumer = kafkaAcls(broker, "--add", "--allow-principal", "User:indexer",
                    "--consumer", "--topic", "logs-", "--resource-pattern-type", "prefixed", "--group", "indexer");
            assertEquals(0, consumer.exitCode(), consumer.printed());

            KafkaTool.Result listed = kafkaAcls(broker, "--list", "--topic", "t");
            assertEquals(0, listed.exitCode(), listed.printed());
            assertTrue(listed.out().contains("(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)"),
                    listed.out());
            assertFalse(listed.out().contains("User:indexer"), listed.out());
            assertTrue(AclStore.open(data).all().containsAll(List.of(
                    allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "t"),
                    Acls.binding("User:indexer", "*", AclOperation.READ, AclPermissionType.ALLOW, ResourceType.TOPIC,
                            "logs-", PatternType.PREFIXED),
                    Acls.binding("User:indexer", "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW,
                            ResourceType.TOPIC, "logs-", PatternType.PREFIXED),
                    // --resource-pattern-type applies to every resource of the command, the group too
                    Acls.binding("User:indexer", "*", AclOperation.READ, AclPermissionType.ALLOW, ResourceType.GROUP,
                            "indexer", PatternType.PREFIXED))), AclStore.open(data).all()
                    .toString());

            KafkaTool.Result removed = kafkaAcls(broker, "--remove", "--force", "--allow-principal", "User:alice",
                    "--operation", "Write", "--topic", "t");
            assertEquals(0, removed.exitCode(), removed.printed());
            KafkaTool.Result after = kafkaAcls(broker, "--list", "--topic", "t");
            assertFalse(after.out().contains("User:alice"), after.out());
            List<AclBinding> left = AclStore.open(data).all();
            assertFalse(left.contains(allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "t")), left.toString());
            assertEquals(4, left.size(), left.toString());
        }
    }

    @Test
    void withoutAnAuthorizerTheToolSaysSecurityIsDisabled() throws Exception {
        try (TestBroker broker = TestBroker.start(data, Map.of())) {
            KafkaTool.Result listed = kafkaAcls(broker, "--list");
            assertTrue(listed.printed().contains("SecurityDisabledException: no authorizer is configured on this "
                    + "broker (set authorizer.class.name)"), listed.printed());
        }
    }
}
