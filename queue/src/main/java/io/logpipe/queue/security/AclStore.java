package io.logpipe.queue.security;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.logpipe.common.io.AtomicFile;
import io.logpipe.common.io.FormatVersion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The broker's ACLs: {@code acls.txt} in the first log dir, rewritten whole (temp file, fsync, atomic rename, see
 * {@link AtomicFile}) before a CreateAcls or DeleteAcls is acknowledged, so an acknowledged change survives kill -9
 * and a power loss, and a crash mid-write leaves the previous set. ACL changes are rare and the set is small, so
 * the whole-file rewrite costs nothing that matters.
 *
 * <p>Format, UTF-8 text: the first line is {@code logpipe-acls 0} (name and {@link FormatVersion}, 0 since the
 * first release; a newer version stops the start with a message saying so, the file left as it is); then one binding per line,
 * seven fields separated by one space: {@code RESOURCE_TYPE PATTERN_TYPE resource-name principal host OPERATION
 * PERMISSION}, e.g. {@code TOPIC PREFIXED logs- User%3Aalice * WRITE ALLOW}. Enum fields are kafka-clients' names
 * ({@link ResourceType}, {@link PatternType}, {@link AclOperation}, {@link AclPermissionType}); the three free-text
 * fields are percent-encoded (URL encoding, UTF-8), so a group name with spaces stays one field. Lines starting with
 * {@code #} and blank lines are skipped. A malformed line fails the broker's start with {@code file:line}: a broker
 * that dropped an ACL it cannot read could deny or allow more than its owner meant.
 *
 * <p>Readers (every request's authorization) see an immutable snapshot that a change replaces, so they never lock.
 */
public final class AclStore {
    public static final String FILE_NAME = "acls.txt";
    static final FormatVersion FORMAT = new FormatVersion("queue ACLs", 0);
    private static final String NAME = "logpipe-acls";
    private static final String HEADER = NAME + " " + FORMAT.current();

    private final Path file;
    private volatile List<AclBinding> bindings;

    private AclStore(Path file, List<AclBinding> bindings) {
        this.file = file;
        this.bindings = bindings;
    }

    /** Reads {@code dir/acls.txt}; a missing file is an empty set. */
    public static AclStore open(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return new AclStore(file, List.of());
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String[] header = lines.isEmpty() ? new String[0] : lines.get(0).strip().split(" ");
        if (header.length == 2 && header[0].equals(NAME)) {
            FORMAT.check(file, header[1]);
        } else {
            throw new IOException(file + ":1: expected '" + HEADER + "' (is this a logpipe ACL file?)");
        }
        Set<AclBinding> read = new LinkedHashSet<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                read.add(parse(line));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ":" + (i + 1) + ": " + e.getMessage() + " (expected RESOURCE_TYPE "
                        + "PATTERN_TYPE name principal host OPERATION PERMISSION)");
            }
        }
        return new AclStore(file, List.copyOf(read));
    }

    /** Every binding, in the order they were added. */
    public List<AclBinding> all() {
        return bindings;
    }

    /** The bindings {@code filter} matches. */
    public List<AclBinding> matching(AclBindingFilter filter) {
        return bindings.stream().filter(filter::matches).toList();
    }

    /** Adds {@code added} (bindings already present stay once) and makes the set durable before returning. */
    public synchronized void add(Collection<AclBinding> added) throws IOException {
        Set<AclBinding> next = new LinkedHashSet<>(bindings);
        next.addAll(added);
        replace(List.copyOf(next));
    }

    /**
     * Removes what each filter matches, durably; the answer lists, per filter in order, the bindings it removed (a
     * binding two filters match is listed under both, as Kafka does).
     */
    public synchronized List<List<AclBinding>> remove(List<AclBindingFilter> filters) throws IOException {
        List<List<AclBinding>> removed = new ArrayList<>();
        Set<AclBinding> next = new LinkedHashSet<>(bindings);
        for (AclBindingFilter filter : filters) {
            List<AclBinding> matched = bindings.stream().filter(filter::matches).toList();
            removed.add(matched);
            matched.forEach(next::remove);
        }
        if (next.size() != bindings.size()) {
            replace(List.copyOf(next));
        }
        return removed;
    }

    private void replace(List<AclBinding> next) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (AclBinding binding : next) {
            text.append(format(binding)).append('\n');
        }
        AtomicFile.writeString(file, text);
        bindings = next;
    }

    static String format(AclBinding binding) {
        ResourcePattern pattern = binding.pattern();
        AccessControlEntry entry = binding.entry();
        return String.join(" ", pattern.resourceType().name(), pattern.patternType().name(), encode(pattern.name()),
                encode(entry.principal()), encode(entry.host()), entry.operation().name(),
                entry.permissionType().name());
    }

    static AclBinding parse(String line) {
        String[] f = line.split(" ");
        if (f.length != 7) {
            throw new IllegalArgumentException(f.length + " fields instead of 7");
        }
        ResourcePattern pattern = new ResourcePattern(enumOf(ResourceType.class, f[0]), decode(f[2]),
                enumOf(PatternType.class, f[1]));
        AccessControlEntry entry = new AccessControlEntry(decode(f[3]), decode(f[4]),
                enumOf(AclOperation.class, f[5]), enumOf(AclPermissionType.class, f[6]));
        AclBinding binding = new AclBinding(pattern, entry);
        // kafka-clients' constructors refuse ANY (a filter, not a binding); UNKNOWN is left to refuse here
        if (binding.isUnknown()) {
            throw new IllegalArgumentException("'" + line + "' names an UNKNOWN type, operation or permission");
        }
        return binding;
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String name) {
        try {
            return Enum.valueOf(type, name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + name + "' is not a " + type.getSimpleName());
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
