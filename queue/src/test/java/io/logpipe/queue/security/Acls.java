package io.logpipe.queue.security;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/** Short ways to write the ACL bindings of the tests. */
public final class Acls {
    private Acls() {
    }

    public static AclBinding allow(String principal, AclOperation operation, ResourceType type, String name) {
        return binding(principal, "*", operation, AclPermissionType.ALLOW, type, name, PatternType.LITERAL);
    }

    public static AclBinding deny(String principal, AclOperation operation, ResourceType type, String name) {
        return binding(principal, "*", operation, AclPermissionType.DENY, type, name, PatternType.LITERAL);
    }

    public static AclBinding allowPrefixed(String principal, AclOperation operation, ResourceType type, String prefix) {
        return binding(principal, "*", operation, AclPermissionType.ALLOW, type, prefix, PatternType.PREFIXED);
    }

    public static AclBinding binding(String principal, String host, AclOperation operation,
                                     AclPermissionType permission, ResourceType type, String name,
                                     PatternType patternType) {
        return new AclBinding(new ResourcePattern(type, name, patternType),
                new AccessControlEntry(principal, host, operation, permission));
    }
}
