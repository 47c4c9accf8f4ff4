package io.logpipe.queue.security;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's ACL decision (StandardAuthorizer's semantics) over the bindings of an {@link AclStore}:
 * <ul>
 * <li>a super user ({@code super.users}) may do everything;</li>
 * <li>an ACL applies to a resource when its type matches and its pattern is LITERAL with the resource's name or
 * {@code *}, or PREFIXED with a prefix of the name; to a principal when it names it or {@code User:*}; to a host when
 * it is {@code *} or the client's IP address;</li>
 * <li>a DENY that applies wins over every ALLOW; a DENY of an operation denies that operation (ALL denies every one);
 * an ALLOW of an operation also allows the operations it implies: READ, WRITE, DELETE and ALTER imply DESCRIBE,
 * ALTER_CONFIGS implies DESCRIBE_CONFIGS, ALL implies everything;</li>
 * <li>when no ACL at all applies to the resource (whoever it names), {@code allow.everyone.if.no.acl.found} decides;
 * otherwise, without an applying ALLOW, the request is denied.</li>
 * </ul>
 * A denial is logged once per principal, resource and operation (a client retrying every 100 ms would otherwise
 * drown the log), naming the principal and what to add. Checks scan the snapshot of bindings: ACL sets are small.
 */
public final class Authorizer {
    private static final Logger LOG = LoggerFactory.getLogger(Authorizer.class);
    /** Bounds the memory of logged denials; past it, the memory starts over (a denial may then be logged again). */
    private static final int MAX_REMEMBERED_DENIALS = 10_000;
    /** Any principal name ({@code User:*}) or any host, in an ACL entry. */
    private static final String WILDCARD = "*";

    private final AclStore store;
    private final Set<KafkaPrincipal> superUsers;
    private final boolean allowEveryoneIfNoAclFound;
    private final Set<String> loggedDenials = ConcurrentHashMap.newKeySet();

    public Authorizer(AclStore store, Set<KafkaPrincipal> superUsers, boolean allowEveryoneIfNoAclFound) {
        this.store = store;
        this.superUsers = Set.copyOf(superUsers);
        this.allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound;
    }

    public AclStore store() {
        return store;
    }

    /** Whether {@code principal} from {@code host} may do {@code operation} on the resource; a denial is logged once. */
    public boolean authorize(KafkaPrincipal principal, String host, AclOperation operation, ResourceType type,
                             String name) {
        Decision decision = decide(principal, host, operation, type, name);
        if (!decision.allowed()) {
            logDenial(principal, host, operation, type, name, decision.reason());
        }
        return decision.allowed();
    }

    /** The same decision without the log line: for listings that silently leave out what may not be seen. */
    public boolean isAllowed(KafkaPrincipal principal, String host, AclOperation operation, ResourceType type,
                             String name) {
        return decide(principal, host, operation, type, name).allowed();
    }

    /**
     * Whether {@code principal} may do {@code operation} on at least one resource of {@code type} (Kafka's
     * authorizeByResourceType, used by InitProducerId: WRITE on any topic): an applying ALLOW on some pattern of that
     * type that no applying DENY covers, or, with {@code allow.everyone.if.no.acl.found}, no ACL of that type at all.
     */
    public boolean authorizeAny(KafkaPrincipal principal, String host, AclOperation operation, ResourceType type) {
        if (superUsers.contains(principal)) {
            return true;
        }
        boolean anyOfType = false;
        for (AclBinding allow : store.all()) {
            if (allow.pattern().resourceType() != type) {
                continue;
            }
            anyOfType = true;
            AccessControlEntry entry = allow.entry();
            if (entry.permissionType() == AclPermissionType.ALLOW && appliesTo(entry, principal, host)
                    && grants(entry.operation(), operation)) {
                // the pattern's own name is one resource it covers: allowed unless a DENY covers it too
                if (decide(principal, host, operation, type, allow.pattern().name()).allowed()) {
                    return true;
                }
            }
        }
        if (!anyOfType && allowEveryoneIfNoAclFound) {
            return true;
        }
        logDenial(principal, host, operation, type, "(any)", "no ACL allows it on any " + type.name().toLowerCase());
        return false;
    }

    /** Kafka's authorized-operations bit field: bit {@code op.code()} set for each of {@code candidates} allowed. */
    public int authorizedOperations(KafkaPrincipal principal, String host, ResourceType type, String name,
                                    Collection<AclOperation> candidates) {
        int bits = 0;
        for (AclOperation operation : candidates) {
            if (isAllowed(principal, host, operation, type, name)) {
                bits |= 1 << operation.code();
            }
        }
        return bits;
    }

    private record Decision(boolean allowed, String reason) {
    }

    private Decision decide(KafkaPrincipal principal, String host, AclOperation operation, ResourceType type,
                            String name) {
        if (superUsers.contains(principal)) {
            return new Decision(true, "super user");
        }
        boolean anyAcl = false;
        boolean allowed = false;
        for (AclBinding binding : store.all()) {
            if (!matches(binding.pattern(), type, name)) {
                continue;
            }
            anyAcl = true;
            AccessControlEntry entry = binding.entry();
            if (!appliesTo(entry, principal, host)) {
                continue;
            }
            if (entry.permissionType() == AclPermissionType.DENY) {
                if (entry.operation() == AclOperation.ALL || entry.operation() == operation) {
                    return new Decision(false, "the DENY ACL " + binding.pattern().patternType() + " '"
                            + binding.pattern().name() + "' " + entry.principal() + " " + entry.operation()
                            + " applies");
                }
            } else if (grants(entry.operation(), operation)) {
                allowed = true;
            }
        }
        if (allowed) {
            return new Decision(true, "allowed by ACL");
        }
        if (!anyAcl) {
            return new Decision(allowEveryoneIfNoAclFound,
                    "no ACL names this resource and allow.everyone.if.no.acl.found is false");
        }
        return new Decision(false, "no ACL allows it");
    }

    private static boolean matches(ResourcePattern pattern, ResourceType type, String name) {
        if (pattern.resourceType() != type) {
            return false;
        }
        return switch (pattern.patternType()) {
            case LITERAL -> pattern.name().equals(name) || pattern.name().equals(ResourcePattern.WILDCARD_RESOURCE);
            case PREFIXED -> name.startsWith(pattern.name());
            default -> false;
        };
    }

    private static boolean appliesTo(AccessControlEntry entry, KafkaPrincipal principal, String host) {
        String who = entry.principal();
        boolean principalMatches = who.equals(principal.toString())
                || who.equals(principal.getPrincipalType() + ":" + WILDCARD);
        return principalMatches && (entry.host().equals(WILDCARD) || entry.host().equals(host));
    }

    /** kafka-acls' spelling of an operation: IDEMPOTENT_WRITE is IdempotentWrite. */
    private static String camelCase(String constant) {
        StringBuilder out = new StringBuilder();
        for (String word : constant.split("_")) {
            out.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return out.toString();
    }

    /** kafka-acls' option naming the resource. */
    private static String resourceOption(ResourceType type, String name) {
        return switch (type) {
            case CLUSTER -> "--cluster";
            case TOPIC -> "--topic " + name;
            case GROUP -> "--group " + name;
            case TRANSACTIONAL_ID -> "--transactional-id " + name;
            default -> "--resource-pattern-type literal (" + type + " " + name + ")";
        };
    }

    /** Whether an ALLOW of {@code acl} allows {@code wanted}, implied operations included. */
    static boolean grants(AclOperation acl, AclOperation wanted) {
        if (acl == AclOperation.ALL || acl == wanted) {
            return true;
        }
        return switch (wanted) {
            case DESCRIBE -> acl == AclOperation.READ || acl == AclOperation.WRITE || acl == AclOperation.DELETE
                    || acl == AclOperation.ALTER;
            case DESCRIBE_CONFIGS -> acl == AclOperation.ALTER_CONFIGS;
            default -> false;
        };
    }

    private void logDenial(KafkaPrincipal principal, String host, AclOperation operation, ResourceType type,
                           String name, String reason) {
        String key = principal + " " + operation + " " + type + " " + name;
        if (loggedDenials.size() >= MAX_REMEMBERED_DENIALS) {
            loggedDenials.clear();
        }
        if (loggedDenials.add(key)) {
            String remedy = reason.startsWith("the DENY") ? "remove that ACL (kafka-acls --remove) if it should be "
                    + "allowed" : "allow it with kafka-acls --add --allow-principal " + principal + " --operation "
                    + camelCase(operation.name()) + " " + resourceOption(type, name);
            LOG.warn("authorization: {} (from {}) is denied {} on {} '{}': {}; {} (logged once per principal, resource "
                    + "and operation)", principal, host, operation, type, name, reason, remedy);
        }
    }
}
