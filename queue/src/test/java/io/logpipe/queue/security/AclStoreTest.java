package io.logpipe.queue.security;

import static io.logpipe.queue.security.Acls.allow;
import static io.logpipe.queue.security.Acls.allowPrefixed;
import static io.logpipe.queue.security.Acls.deny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ACL file: what is added or removed is there after a reopen, in the documented format. */
class AclStoreTest {
    @TempDir
    Path dir;

    @Test
    void bindingsSurviveAReopenAndNamesWithSpacesStayOneField() throws IOException {
        AclStore store = AclStore.open(dir);
        assertEquals(List.of(), store.all());
        AclBinding write = allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "logs");
        AclBinding group = allow("User:CN=indexer, O=logpipe", AclOperation.READ, ResourceType.GROUP, "my group");
        AclBinding prefixed = allowPrefixed("User:*", AclOperation.DESCRIBE, ResourceType.TOPIC, "app-");
        AclBinding denied = deny("User:mallory", AclOperation.ALL, ResourceType.TOPIC, "*");
        store.add(List.of(write, group, prefixed, denied, write));

        List<String> lines = Files.readAllLines(dir.resolve(AclStore.FILE_NAME));
        assertEquals(List.of("logpipe-acls 0",
                "TOPIC LITERAL logs User%3Aalice * WRITE ALLOW",
                "GROUP LITERAL my+group User%3ACN%3Dindexer%2C+O%3Dlogpipe * READ ALLOW",
                "TOPIC PREFIXED app- User%3A* * DESCRIBE ALLOW",
                "TOPIC LITERAL * User%3Amallory * ALL DENY"), lines);
        assertEquals(List.of(write, group, prefixed, denied), AclStore.open(dir).all());

        AclBindingFilter topics = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, null,
                org.apache.kafka.common.resource.PatternType.ANY), AccessControlEntryFilter.ANY);
        List<List<AclBinding>> removed = store.remove(List.of(topics, AclBindingFilter.ANY));
        assertEquals(List.of(List.of(write, prefixed, denied), List.of(write, group, prefixed, denied)), removed);
        assertEquals(List.of(), AclStore.open(dir).all());
        assertTrue(Files.notExists(dir.resolve(AclStore.FILE_NAME + ".tmp")));
    }

    @Test
    void aMalformedLineFailsWithFileAndLine() throws IOException {
        Path file = dir.resolve(AclStore.FILE_NAME);
        Files.writeString(file, "logpipe-acls 0\n# a comment\nTOPIC LITERAL logs User%3Aalice * WRITE ALLOW\n"
                + "TOPIC LITERAL logs User%3Aalice * SCRIBBLE ALLOW\n");
        IOException e = assertThrows(IOException.class, () -> AclStore.open(dir));
        assertEquals(file + ":4: 'SCRIBBLE' is not a AclOperation (expected RESOURCE_TYPE PATTERN_TYPE name principal "
                + "host OPERATION PERMISSION)", e.getMessage());

        Files.writeString(file, "logpipe-acls 0\nTOPIC ANY logs User%3Aalice * WRITE ALLOW\n");
        e = assertThrows(IOException.class, () -> AclStore.open(dir));
        assertTrue(e.getMessage().startsWith(file + ":2: patternType must not be ANY"), e.getMessage());
        Files.writeString(file, "logpipe-acls 0\nTOPIC LITERAL logs User%3Aalice * ANY ALLOW\n");
        e = assertThrows(IOException.class, () -> AclStore.open(dir));
        assertTrue(e.getMessage().startsWith(file + ":2: operation must not be ANY"), e.getMessage());

        Files.writeString(file, "{\"acls\": []}\n");
        e = assertThrows(IOException.class, () -> AclStore.open(dir));
        assertEquals(file + ":1: expected 'logpipe-acls 0' (is this a logpipe ACL file?)", e.getMessage());
    }
}
