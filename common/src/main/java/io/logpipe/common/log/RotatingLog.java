package io.logpipe.common.log;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A part's log file that rotates by size: when {@code NAME.log} would pass {@code maxBytes} it becomes
 * {@code NAME.log.1} (the older ones shift up), and at most {@code maxFiles} rotated files are kept, so a part
 * logging for years uses at most {@code (maxFiles + 1) * maxBytes} of disk. Written whole lines at a time. The
 * appliance writes its parts' output here; the indexer (logstash.yml's path.logs) and the shipper (filebeat.yml's
 * logging.to_files) write their own logs here.
 */
public final class RotatingLog implements AutoCloseable {
    private final Path file;
    private final long maxBytes;
    private final int maxFiles;
    private OutputStream out;
    private long size;

    public RotatingLog(Path file, long maxBytes, int maxFiles) throws IOException {
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

    public Path file() {
        return file;
    }

    /** Appends one line (its newline included in {@code bytes}). */
    public synchronized void write(byte[] bytes, int length) throws IOException {
        if (size > 0 && size + length > maxBytes) {
            rotate();
        }
        out.write(bytes, 0, length);
        out.flush();
        size += length;
    }

    public synchronized void line(String text) throws IOException {
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        write(bytes, bytes.length);
    }

    /**
     * A stream for {@link System#setErr}: bytes are collected up to each newline and written as one line, so that a
     * rotation never splits a log line.
     */
    public PrintStream printStream() {
        OutputStream lines = new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) throws IOException {
                line.write(b);
                if (b == '\n') {
                    RotatingLog.this.write(line.toByteArray(), line.size());
                    line.reset();
                }
            }

            @Override
            public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
                for (int i = 0; i < length; i++) {
                    write(bytes[offset + i]);
                }
            }
        };
        return new PrintStream(lines, true, StandardCharsets.UTF_8);
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
