package io.logpipe.indexer.plugins.outputs;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.Sprintf;
import io.logpipe.indexer.plugins.Codec;
import io.logpipe.indexer.plugins.Output;
import io.logpipe.indexer.plugins.PluginSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends events to {@code path} (sprintf, e.g. one file per day), codec json_lines by default. Each batch is
 * flushed (and with {@code fsync => true} forced to disk) before it is acknowledged.
 */
public final class FileOutput implements Output {
    private final Sprintf path;
    private final Codec codec;
    private final boolean createIfDeleted;
    private final boolean fsync;
    private final Map<Path, OutputStream> open = new HashMap<>();

    public FileOutput(PluginSettings settings, Codec codec) {
        this.path = Sprintf.compile(settings.requiredString("path"));
        this.codec = codec;
        this.createIfDeleted = settings.bool("create_if_deleted", true);
        this.fsync = settings.bool("fsync", false);
        settings.number("flush_interval", 2);
        settings.string("file_mode", null);
        settings.string("dir_mode", null);
        settings.string("write_behavior", "append");
    }

    @Override
    public synchronized void write(List<Event> events) {
        Map<Path, List<byte[]>> byFile = new LinkedHashMap<>();
        for (Event event : events) {
            byFile.computeIfAbsent(Path.of(path.apply(event)), p -> new java.util.ArrayList<>()).add(codec.encode(event));
        }
        try {
            for (Map.Entry<Path, List<byte[]>> entry : byFile.entrySet()) {
                OutputStream out = stream(entry.getKey());
                for (byte[] bytes : entry.getValue()) {
                    out.write(bytes);
                }
                out.flush();
                if (fsync && out instanceof java.io.FileOutputStream fos) {
                    fos.getFD().sync();
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("file output: " + e.getMessage(), e);
        }
    }

    private OutputStream stream(Path file) throws IOException {
        OutputStream out = open.get(file);
        if (out != null && (!createIfDeleted || Files.exists(file))) {
            return out;
        }
        if (out != null) {
            out.close();
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        out = new java.io.FileOutputStream(file.toFile(), true);
        open.put(file, out);
        return out;
    }

    @Override
    public synchronized void close() {
        for (OutputStream out : open.values()) {
            try {
                out.close();
            } catch (IOException e) {
                // closing at shutdown: the data was flushed with each batch
            }
        }
        open.clear();
    }
}
