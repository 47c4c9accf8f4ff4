package io.logpipe.queue.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.logpipe.common.io.AtomicFile;
import io.logpipe.common.io.FormatVersion;
import org.apache.kafka.common.security.authenticator.CredentialCache;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramCredentialUtils;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * The SCRAM users: {@code scram-credentials} in the first log dir, holding per user and mechanism only what RFC 5802
 * lets a server keep (salt, StoredKey, ServerKey, iteration count), never a password. The file is rewritten whole on
 * every change through {@link AtomicFile} (temp file, fsync, rename, directory fsync) before the change is
 * acknowledged, so an acknowledged AlterUserScramCredentials survives kill -9 and a power loss, and a crash leaves
 * the old file or the new one. The writes run on the store's own thread, never on an event loop; the
 * kafka-clients {@link CredentialCache} the SCRAM servers read is updated once the file is written.
 *
 * <p>Format, UTF-8 text, one credential per line, in user then mechanism order:
 * <pre>
 * # logpipe SCRAM credentials v1
 * MECHANISM USER CREDENTIAL
 * </pre>
 * MECHANISM is {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}; USER is the user name's UTF-8 bytes in base64url
 * without padding (a name may hold any character); CREDENTIAL is kafka-clients'
 * {@link ScramCredentialUtils#credentialToString}: {@code salt=B64,stored_key=B64,server_key=B64,iterations=N}.
 * A line that does not parse fails the start, naming the file and the line. The first line's {@code v1} is the
 * {@link FormatVersion} (a file without that line is version 1); a newer version stops the start with a message
 * saying so, the file left as it is.
 */
public final class ScramCredentialStore implements AutoCloseable {
    public static final String FILE_NAME = "scram-credentials";
    static final FormatVersion FORMAT = new FormatVersion("queue SCRAM credentials", 1);
    private static final String HEADER_PREFIX = "# logpipe SCRAM credentials v";
    private static final String HEADER = HEADER_PREFIX + FORMAT.current();

    /** One credential to set (credential non-null) or remove (credential null). */
    public record Change(String user, ScramMechanism mechanism, ScramCredential credential) {
    }

    private final Path file;
    private final CredentialCache caches = new CredentialCache();
    /** user, then mechanism: what the file holds. Guarded by this. */
    private final Map<String, Map<ScramMechanism, ScramCredential>> users = new TreeMap<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "scram-credentials-writer");
        t.setDaemon(true);
        return t;
    });

    private ScramCredentialStore(Path file) {
        this.file = file;
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            caches.createCache(mechanism.mechanismName(), ScramCredential.class);
        }
    }

    /** Reads {@code dir/scram-credentials} (none yet: no users). */
    public static ScramCredentialStore open(Path dir) throws IOException {
        ScramCredentialStore store = new ScramCredentialStore(dir.resolve(FILE_NAME));
        if (Files.exists(store.file)) {
            store.load(Files.readAllLines(store.file, StandardCharsets.UTF_8));
        }
        return store;
    }

    private void load(List<String> lines) throws IOException {
        if (!lines.isEmpty() && lines.get(0).startsWith(HEADER_PREFIX)) {
            FORMAT.check(file, lines.get(0).substring(HEADER_PREFIX.length()));
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split(" ");
            try {
                if (fields.length != 3) {
                    throw new IllegalArgumentException("expected MECHANISM USER CREDENTIAL");
                }
                ScramMechanism mechanism = ScramMechanism.forMechanismName(fields[0]);
                if (mechanism == null) {
                    throw new IllegalArgumentException("unknown mechanism " + fields[0]);
                }
                String user = new String(Base64.getUrlDecoder().decode(fields[1]), StandardCharsets.UTF_8);
                ScramCredential credential = ScramCredentialUtils.credentialFromString(fields[2]);
                users.computeIfAbsent(user, u -> new EnumMap<>(ScramMechanism.class)).put(mechanism, credential);
                cache(mechanism).put(user, credential);
            } catch (RuntimeException e) {
                throw new IOException(file + ":" + (i + 1) + ": not a SCRAM credential (" + e.getMessage()
                        + "); restore the file from a backup or delete the line and set the user again with"
                        + " kafka-configs", e);
            }
        }
    }

    /** The credentials of {@code mechanism}, as kafka-clients' ScramServerCallbackHandler reads them. */
    public CredentialCache.Cache<ScramCredential> cache(ScramMechanism mechanism) {
        return caches.cache(mechanism.mechanismName(), ScramCredential.class);
    }

    /** Per user with credentials: the iteration count per mechanism. */
    public synchronized Map<String, Map<ScramMechanism, Integer>> describe() {
        Map<String, Map<ScramMechanism, Integer>> result = new TreeMap<>();
        users.forEach((user, credentials) -> {
            Map<ScramMechanism, Integer> iterations = new EnumMap<>(ScramMechanism.class);
            credentials.forEach((mechanism, credential) -> iterations.put(mechanism, credential.iterations()));
            result.put(user, iterations);
        });
        return result;
    }

    public synchronized boolean has(String user, ScramMechanism mechanism) {
        Map<ScramMechanism, ScramCredential> credentials = users.get(user);
        return credentials != null && credentials.containsKey(mechanism);
    }

    /**
     * Applies {@code changes} all together on the store's thread: the file is replaced first, the caches follow. The
     * future fails (and nothing changed) if the file could not be written.
     */
    public CompletableFuture<Void> apply(List<Change> changes) {
        return CompletableFuture.runAsync(() -> {
            try {
                applyNow(changes);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, writer);
    }

    private synchronized void applyNow(List<Change> changes) throws IOException {
        Map<String, Map<ScramMechanism, ScramCredential>> next = new TreeMap<>();
        users.forEach((user, credentials) -> next.put(user, new EnumMap<>(credentials)));
        for (Change change : changes) {
            if (change.credential() == null) {
                Map<ScramMechanism, ScramCredential> credentials = next.get(change.user());
                if (credentials != null) {
                    credentials.remove(change.mechanism());
                    if (credentials.isEmpty()) {
                        next.remove(change.user());
                    }
                }
            } else {
                next.computeIfAbsent(change.user(), u -> new EnumMap<>(ScramMechanism.class))
                        .put(change.mechanism(), change.credential());
            }
        }
        AtomicFile.writeString(file, format(next));
        users.clear();
        users.putAll(next);
        for (Change change : changes) {
            if (change.credential() == null) {
                cache(change.mechanism()).remove(change.user());
            } else {
                cache(change.mechanism()).put(change.user(), change.credential());
            }
        }
    }

    private static String format(Map<String, Map<ScramMechanism, ScramCredential>> users) {
        List<String> lines = new ArrayList<>(List.of(HEADER));
        Base64.Encoder names = Base64.getUrlEncoder().withoutPadding();
        users.forEach((user, credentials) -> credentials.forEach((mechanism, credential) -> lines.add(
                mechanism.mechanismName() + " " + names.encodeToString(user.getBytes(StandardCharsets.UTF_8)) + " "
                        + ScramCredentialUtils.credentialToString(credential))));
        return String.join("\n", lines) + "\n";
    }

    @Override
    public void close() {
        writer.shutdown();
    }
}
