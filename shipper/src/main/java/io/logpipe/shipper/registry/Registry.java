package io.logpipe.shipper.registry;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.common.io.AtomicFile;
import io.logpipe.common.io.FormatVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry file ({@code path.data/registry/shipper.json}): per file identity, the offset up to which the broker
 * acknowledged its events. Written whole, atomically: a temporary file is written, fsynced and renamed over the old
 * one (and the directory fsynced), so a crash leaves either the old or the new registry, never a torn one.
 *
 * <p>Format, JSON: {@code {"version": 1, "files": [{"source", "offset", "type", "device", "inode",
 * "fingerprint_length", "fingerprint", "timestamp"}...]}}. {@code version} is the {@link FormatVersion} (a file
 * without one is version 1); a newer one than this release reads stops the start with a message saying so, and the
 * file is left as it is: taking it for corrupt would ship every file again from the start.
 */
public final class Registry {
    private static final Logger LOG = LoggerFactory.getLogger(Registry.class);
    static final FormatVersion FORMAT = new FormatVersion("shipper registry", 1);
    static final String FILE_NAME = "shipper.json";

    private final Path dir;
    private final Path file;
    private final Map<String, FileState> states = new ConcurrentHashMap<>();
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final Object writeLock = new Object();

    private Registry(Path dir) {
        this.dir = dir;
        this.file = dir.resolve(FILE_NAME);
    }

    /** Opens (or creates) the registry under {@code dataPath}. A corrupt file is kept aside and reading restarts. */
    public static Registry open(Path dataPath) throws IOException {
        Registry r = new Registry(dataPath.resolve("registry"));
        Files.createDirectories(r.dir);
        Files.deleteIfExists(r.dir.resolve(FILE_NAME + ".tmp"));
        if (Files.exists(r.file)) {
            r.load();
        }
        return r;
    }

    private void load() throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            moveAside(e.getMessage());
            return;
        }
        // The version first: a newer format may not have a "files" list, and is not corrupt.
        JsonNode version = root == null ? null : root.path("version");
        if (version != null && !version.isMissingNode()) {
            FORMAT.check(file, version.asText());
        }
        if (root == null || !root.path("files").isArray()) {
            moveAside("not a registry: no \"files\" list");
            return;
        }
        for (JsonNode f : root.path("files")) {
            FileIdentity id = new FileIdentity(f.path("device").asLong(), f.path("inode").asLong(),
                    f.path("fingerprint_length").asInt(), f.path("fingerprint").asLong());
            FileState s = new FileState(this, id, f.path("source").asText(), f.path("type").asText("log"),
                    f.path("offset").asLong(), f.path("timestamp").asLong());
            states.put(id.key(), s);
        }
        LOG.info("registry {}: {} file(s) known", file, states.size());
    }

    private void moveAside(String problem) throws IOException {
        Path aside = dir.resolve(FILE_NAME + ".corrupt-" + System.currentTimeMillis());
        Files.move(file, aside);
        LOG.error("registry {} is unreadable ({}); moved it to {} and starting without it: files will be read "
                + "again from the start (duplicates, nothing lost)", file, problem, aside);
    }

    public Path file() {
        return file;
    }

    /** The entry for the file with this device and inode, whatever its content (the caller checks the fingerprint). */
    public FileState find(FileIdentity id) {
        return states.get(id.key());
    }

    public FileState create(FileIdentity id, String source, String type, long offset) {
        FileState s = new FileState(this, id, source, type, offset, System.currentTimeMillis());
        states.put(id.key(), s);
        changed();
        return s;
    }

    public void remove(FileState state) {
        if (states.remove(state.identity().key(), state)) {
            changed();
        }
    }

    public Collection<FileState> all() {
        return List.copyOf(states.values());
    }

    void changed() {
        dirty.set(true);
    }

    /** Writes the registry if anything changed since the last write. */
    public void flush() throws IOException {
        // The flag is taken under the write lock: a flush that finds it clear knows that no other flush is still
        // writing an older state (or failing to), so everything changed before this call is on disk when it returns.
        synchronized (writeLock) {
            if (!dirty.getAndSet(false)) {
                return;
            }
            try {
                write();
            } catch (IOException | RuntimeException e) {
                dirty.set(true);
                throw e;
            }
        }
    }

    private void write() throws IOException {
        synchronized (writeLock) {
            List<FileState> snapshot = new ArrayList<>(states.values());
            snapshot.sort((a, b) -> a.identity().key().compareTo(b.identity().key()));
            AtomicFile.write(file, ch -> {
                OutputStream out = Channels.newOutputStream(ch);
                try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
                    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                    g.writeStartObject();
                    g.writeNumberField("version", FORMAT.current());
                    g.writeArrayFieldStart("files");
                    for (FileState s : snapshot) {
                        FileIdentity id = s.identity();
                        g.writeStartObject();
                        g.writeStringField("source", s.source());
                        g.writeNumberField("offset", s.offset());
                        g.writeStringField("type", s.inputType());
                        g.writeNumberField("device", id.device());
                        g.writeNumberField("inode", id.inode());
                        g.writeNumberField("fingerprint_length", id.fingerprintLength());
                        g.writeNumberField("fingerprint", id.fingerprint());
                        g.writeNumberField("timestamp", s.timestampMillis());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                    g.flush();
                }
            });
        }
    }
}
