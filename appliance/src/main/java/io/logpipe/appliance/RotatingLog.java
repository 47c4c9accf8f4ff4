package io.logpipe.appliance;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A part's log file that rotates by size: when {@code NAME.log} would pass {@code maxBytes} it becomes
 * {@code NAME.log.1} (the older ones shift up), and at most {@code maxFiles} rotated files are kept, so a part
 * logging for years uses at most {@code (maxFiles + 1) * maxBytes} of disk. Written whole lines at a time.
 */
final class RotatingLog implements AutoCloseable {
    private final Path file;
    private final long maxBytes;
    private final int maxFiles;
    private OutputStream out;
    private long size;

    RotatingLog(Path file, long maxBytes, int maxFiles) throws IOException {
        this.file = file;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        Files.createDirectories(file.getParent());
        open();
    }

    private void open() throws IOException {
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        size = Files.size(file);
    }

    Path file() {
        return file;
    }

    /** Appends one line (its newline included in {@code bytes}). */
    synchronized void write(byte[] bytes, int length) throws IOException {
        if (size > 0 && size + length > maxBytes) {
            rotate();
        }
        out.write(bytes, 0, length);
        out.flush();
        size += length;
    }

    synchronized void line(String text) throws IOException {
        byte[] bytes = (text + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(bytes, bytes.length);
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(rotated(maxFiles));
        for (int i = maxFiles - 1; i >= 1; i--) {
            if (Files.exists(rotated(i))) {
                Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    private Path rotated(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
