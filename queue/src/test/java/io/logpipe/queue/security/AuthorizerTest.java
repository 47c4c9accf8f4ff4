package io.logpipe.queue.security;

import static io.logpipe.queue.security.Acls.allow;
import static io.logpipe.queue.security.Acls.allowPrefixed;
import static io.logpipe.queue.security.Acls.binding;
import static io.logpipe.queue.security.Acls.deny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kafka's ACL semantics, decision by decision. */
class AuthorizerTest {
    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");
    private static final String HOST = "10.0.0.5";

    @TempDir
    Path dir;

    private Authorizer authorizer(boolean allowEveryone, Set<KafkaPrincipal> superUsers, AclBinding... acls)
            throws IOException {
        AclStore store = AclStore.open(dir);
        store.add(List.of(acls));
        return new Authorizer(store, superUsers, allowEveryone);
    }

    private static boolean may(Authorizer a, KafkaPrincipal who, AclOperation op, ResourceType type, String name) {
        return a.authorize(who, HOST, op, type, name);
    }

    @Test
    void aResourceWithoutAclsIsOpenOnlyWithAllowEveryoneIfNoAclFound() throws IOException {
        AclBinding other = allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "other");
        assertFalse(may(authorizer(false, Set.of(), other), ALICE, AclOperation.WRITE, ResourceType.TOPIC, "logs"));
        Authorizer open = authorizer(true, Set.of(), other);
        assertTrue(may(open, BOB, AclOperation.WRITE, ResourceType.TOPIC, "logs"));
        // once any ACL names the resource, only ACLs decide: bob has none on "other"
        assertFalse(may(open, BOB, AclOperation.WRITE, ResourceType.TOPIC, "other"));
    }

    @Test
    void denyWinsOverAllowAndWildcardsMatchEveryResourceAndPrincipal() throws IOException {
        Authorizer a = authorizer(false, Set.of(),
                allow("User:*", AclOperation.WRITE, ResourceType.TOPIC, "*"),
                deny("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "secret"));
        assertTrue(may(a, ALICE, AclOperation.WRITE, ResourceType.TOPIC, "logs"));
        assertTrue(may(a, BOB, AclOperation.WRITE, ResourceType.TOPIC, "secret"));
        assertFalse(may(a, ALICE, AclOperation.WRITE, ResourceType.TOPIC, "secret"));
        // a DENY of WRITE denies WRITE only; the ALLOW of WRITE still implies DESCRIBE
        assertTrue(may(a, ALICE, AclOperation.DESCRIBE, ResourceType.TOPIC, "secret"));
        assertFalse(may(a, ALICE, AclOperation.READ, ResourceType.TOPIC, "logs"));
        // a resource type is its own namespace
        assertFalse(may(a, ALICE, AclOperation.WRITE, ResourceType.GROUP, "logs"));
    }

    @Test
    void prefixedPatternsCoverNamesThatStartWithThePrefix() throws IOException {
        Authorizer a = authorizer(false, Set.of(), allowPrefixed("User:alice", AclOperation.READ, ResourceType.GROUP,
                "indexer-"));
        assertTrue(may(a, ALICE, AclOperation.READ, ResourceType.GROUP, "indexer-"));
        assertTrue(may(a, ALICE, AclOperation.READ, ResourceType.GROUP, "indexer-prod"));
        assertFalse(may(a, ALICE, AclOperation.READ, ResourceType.GROUP, "indexe"));
        assertFalse(may(a, ALICE, AclOperation.READ, ResourceType.GROUP, "shipper-indexer-"));
    }

    @Test
    void impliedOperationsAndAll() throws IOException {
        for (AclOperation implying : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE,
                AclOperation.ALTER)) {
            Authorizer a = new Authorizer(storeWith(allow("User:alice", implying, ResourceType.TOPIC, "t")),
                    Set.of(), false);
            assertTrue(may(a, ALICE, AclOperation.DESCRIBE, ResourceType.TOPIC, "t"), implying + " implies DESCRIBE");
            assertFalse(may(a, ALICE, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, "t"), implying.toString());
        }
        Authorizer configs = new Authorizer(storeWith(allow("User:alice", AclOperation.ALTER_CONFIGS,
                ResourceType.TOPIC, "t")), Set.of(), false);
        assertTrue(may(configs, ALICE, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, "t"));
        assertFalse(may(configs, ALICE, AclOperation.DESCRIBE, ResourceType.TOPIC, "t"));
        Authorizer all = new Authorizer(storeWith(allow("User:alice", AclOperation.ALL, ResourceType.TOPIC, "t")),
                Set.of(), false);
        assertEquals(EnumSet.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE).stream()
                        .mapToInt(op -> 1 << op.code()).sum(),
                all.authorizedOperations(ALICE, HOST, ResourceType.TOPIC, "t",
                        List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE)));
        Authorizer deniedAll = new Authorizer(storeWith(allow("User:alice", AclOperation.ALL, ResourceType.TOPIC, "t"),
                deny("User:alice", AclOperation.ALL, ResourceType.TOPIC, "t")), Set.of(), false);
        assertFalse(may(deniedAll, ALICE, AclOperation.DESCRIBE, ResourceType.TOPIC, "t"));
    }

    private AclStore storeWith(AclBinding... acls) throws IOException {
        Path own = dir.resolve("store-" + System.nanoTime());
        java.nio.file.Files.createDirectories(own);
        AclStore store = AclStore.open(own);
        store.add(List.of(acls));
        return store;
    }

    @Test
    void hostsMatchTheClientsAddressOrTheWildcard() throws IOException {
        Authorizer a = authorizer(false, Set.of(), binding("User:alice", HOST, AclOperation.WRITE,
                AclPermissionType.ALLOW, ResourceType.TOPIC, "logs", PatternType.LITERAL));
        assertTrue(a.authorize(ALICE, HOST, AclOperation.WRITE, ResourceType.TOPIC, "logs"));
        assertFalse(a.authorize(ALICE, "10.0.0.6", AclOperation.WRITE, ResourceType.TOPIC, "logs"));
    }

    @Test
    void superUsersBypassEvenADeny() throws IOException {
        Authorizer a = authorizer(false, Set.of(new KafkaPrincipal("User", "admin")),
                deny("User:*", AclOperation.ALL, ResourceType.CLUSTER, "kafka-cluster"));
        assertTrue(may(a, new KafkaPrincipal("User", "admin"), AclOperation.ALTER, ResourceType.CLUSTER,
                "kafka-cluster"));
        assertFalse(may(a, ALICE, AclOperation.ALTER, ResourceType.CLUSTER, "kafka-cluster"));
    }

    @Test
    void writeOnAnyTopicCountsForIdempotentProducers() throws IOException {
        Authorizer a = authorizer(false, Set.of(), allowPrefixed("User:alice", AclOperation.WRITE, ResourceType.TOPIC,
                "app-"), deny("User:bob", AclOperation.WRITE, ResourceType.TOPIC, "*"),
                allow("User:bob", AclOperation.WRITE, ResourceType.TOPIC, "logs"));
        assertTrue(a.authorizeAny(ALICE, HOST, AclOperation.WRITE, ResourceType.TOPIC));
        assertFalse(a.authorizeAny(BOB, HOST, AclOperation.WRITE, ResourceType.TOPIC));
        assertFalse(a.authorizeAny(new KafkaPrincipal("User", "carol"), HOST, AclOperation.WRITE, ResourceType.TOPIC));
    }
}
