package io.logpipe.queue.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, blockEnd + "\n", StandardCharsets.UTF_8);
            try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return next++;
    }
}
