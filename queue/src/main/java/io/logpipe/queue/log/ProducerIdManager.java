package io.logpipe.queue.log;

import io.logpipe.common.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hands out idempotent producer ids that are never reused, across restarts: ids are reserved in blocks whose end is
 * written (and fsynced) to a file before any id of the block is given out.
 */
public final class ProducerIdManager {
    private static final long BLOCK = 1000;
    private final Path file;
    private long next;
    private long blockEnd;

    ProducerIdManager(Path file) throws IOException {
        this.file = file;
        long start = 0;
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            try {
                start = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IOException(file + ": expected the next free producer id, found '" + text + "'");
            }
        }
        this.next = start;
        this.blockEnd = start;
    }

    public synchronized long nextProducerId() throws IOException {
        if (next >= blockEnd) {
            blockEnd = next + BLOCK;
            AtomicFile.writeString(file, blockEnd + "\n");
        }
        return next++;
    }
}
