package io.logpipe.shipper.input;

import io.logpipe.shipper.config.InputConfig;
import io.logpipe.shipper.event.Event;
import io.logpipe.shipper.event.InputFields;
import io.logpipe.shipper.event.JsonFields;
import io.logpipe.shipper.multiline.Line;
import io.logpipe.shipper.multiline.LineGrouper;
import io.logpipe.shipper.multiline.Message;
import io.logpipe.shipper.registry.FileIdentity;
import io.logpipe.shipper.registry.FileState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one open file: lines, then multiline groups, then include/exclude filters and JSON decoding, into events.
 * It keeps the file descriptor, so a renamed or deleted file is still read to its end; the crawler decides when
 * it is finished.
 */
final class Harvester {
    private static final Logger LOG = LoggerFactory.getLogger(Harvester.class);

    final InputConfig input;
    final Path path;
    final FileState state;
    private final FileChannel channel;
    private final LineReader reader;
    private final LineGrouper grouper;
    private final EventSink sink;
    private final Consumer<Line> onLine;
    private final Consumer<Message> onMessage;
    private final String pathText;
    private InterruptedException interrupted;
    private Event.Acknowledgeable cursor;
    private long lastDataNanos = System.nanoTime();
    /** The identity events past the fingerprint's full length carry (see {@link Event#file}); null until known. */
    private FileIdentity fullIdentity;
    /** No scan found the file under any matched path any more (renamed away, removed, or a link re-pointed). */
    boolean gone;
    boolean removed;
    /** What the crawler's {@link FileChanges} watches for this harvester. */
    List<Path> watchedPaths = List.of();

    /**
     * @param opened the file's first bytes as read when it was opened just now: what lies before
     *               {@code startOffset} is taken from them rather than read again
     */
    Harvester(InputConfig input, Path path, FileState state, FileChannel channel, long startOffset,
              ContentHead opened, EventSink sink) throws IOException {
        this.input = input;
        this.path = path;
        this.pathText = path.toString();
        this.state = state;
        this.channel = channel;
        this.sink = sink;
        this.reader = new LineReader(channel, input.encoding(), input.maxBytes(), input.bufferSize(), startOffset);
        if (startOffset > 0) {
            // the crawler has just checked these bytes against the registry's fingerprint
            reader.head().seed(opened, channel, startOffset);
        }
        this.grouper = LineGrouper.of(input.multiline(), input.maxBytes());
        reader.keepBytes(input.multiline() == null && input.event().json() == null && input.includeLines().isEmpty()
                && input.excludeLines().isEmpty());
        this.onMessage = this::publish;
        this.onLine = line -> grouper.add(line, onMessage);
        this.cursor = state.cursor();
    }

    static FileChannel open(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    /**
     * Reads up to {@code maxReads} buffers.
     *
     * @return bytes read (0: nothing new)
     */
    long poll(int maxReads) throws IOException, InterruptedException {
        long total = 0;
        for (int i = 0; i < maxReads; i++) {
            int n = reader.fill();
            if (n == 0) {
                break;
            }
            // Checked after the read: if the file still begins as it did, the bytes just read were written before
            // any truncation and belong where we read them. If it does not, it was truncated and rewritten
            // (copytruncate) before the read, possibly past our offset already, and what we read is the middle of
            // the new content: drop it and read the new content from its start. Every read is checked, so a
            // rewrite can only slip through within the read itself.
            if (!reader.head().stillAt(channel)) {
                truncated("its first bytes changed");
                total += n; // progress: read again at once
                continue;
            }
            reader.split(onLine);
            if (interrupted != null) {
                throw interrupted;
            }
            total += n;
        }
        FileIdentity id = state.identity();
        if (reader.head().length() > id.fingerprintLength()) {
            state.identity(reader.head().identity(id.device(), id.inode()));
        }
        long now = System.nanoTime();
        if (total > 0) {
            lastDataNanos = now;
        } else if (channel.size() < reader.readOffset()) {
            truncated("it shrank to " + channel.size() + " bytes");
        }
        grouper.tick(now, onMessage);
        if (interrupted != null) {
            throw interrupted;
        }
        return total;
    }

    /**
     * Called on each scan: was the file truncated (and maybe rewritten) since we last looked? Compares against the
     * bytes read, not a fingerprint of what the file holds now, so a rewrite between two looks is still seen.
     */
    void verifyContent() throws IOException, InterruptedException {
        long size = channel.size();
        if (size < reader.readOffset()) {
            truncated("it shrank to " + size + " bytes");
        } else if (!reader.head().stillAt(channel)) {
            truncated("its first bytes changed");
        }
    }

    private void truncated(String why) throws IOException, InterruptedException {
        LOG.info("{} was truncated ({}); reading it again from offset 0", path, why);
        grouper.flush(onMessage);
        if (interrupted != null) {
            throw interrupted;
        }
        reader.seek(0);
        fullIdentity = null;
        FileIdentity id = state.identity();
        // the fingerprint grows again from the bytes read from now on
        state.restart(reader.head().identity(id.device(), id.inode()));
        cursor = state.cursor();
    }

    boolean inactive(long now) {
        return !input.closeInactive().isZero() && now - lastDataNanos >= input.closeInactive().toNanos();
    }

    /** At end of file as far as we know: everything read was complete lines, or the rest is a partial line. */
    boolean atEof() throws IOException {
        return channel.size() <= reader.readOffset();
    }

    /** Emits a pending multiline event, closes the file, and records where reading stopped. */
    void close(boolean flushPending) {
        try {
            if (flushPending) {
                grouper.flush(onMessage);
            }
        } finally {
            state.readOffset(grouper.pending() ? state.offset() : reader.lineOffset());
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing {}: {}", path, e.toString());
            }
        }
    }

    long readOffset() {
        return reader.lineOffset();
    }

    private void publish(Message m) {
        if (interrupted != null) {
            return;
        }
        Map<String, Object> json = null;
        String jsonError = null;
        InputFields.JsonDecoding decoding = input.event().json();
        // the message as a String only for what reads it so; without JSON decoding or line filters it stays bytes
        String filterText = null;
        if (decoding != null) {
            Object decoded = JsonFields.decode(m.text());
            if (decoded instanceof JsonFields.Failure f) {
                if (!decoding.ignoreDecodingError()) {
                    LOG.debug("{} offset {}: {}", path, m.offset(), f.message());
                }
                jsonError = f.message();
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) decoded;
                json = map;
                if (decoding.messageKey() != null) {
                    Object v = map.get(decoding.messageKey());
                    filterText = v == null ? "" : v.toString();
                }
            }
        }
        boolean keep = input.includeLines().isEmpty() && input.excludeLines().isEmpty()
                || passes(filterText != null ? filterText : m.text());
        Event event = new Event(System.currentTimeMillis(), m.content(), pathText, m.offset(), m.endOffset(), m.flags(),
                input.event(), json, jsonError, keep, cursor, eventIdentity(m.endOffset()));
        try {
            sink.publish(event);
        } catch (InterruptedException e) {
            interrupted = e;
        }
    }

    /**
     * The file as an event ending at {@code endOffset} knows it: the fingerprint over its first
     * {@code min(endOffset, FINGERPRINT_BYTES)} bytes, which were all read by the time the event was, so it does not
     * depend on how much of the file existed when it was first seen.
     */
    private FileIdentity eventIdentity(long endOffset) {
        FileIdentity id = state.identity();
        ContentHead head = reader.head();
        if (endOffset < FileIdentity.FINGERPRINT_BYTES || head.length() < FileIdentity.FINGERPRINT_BYTES) {
            return head.identity(id.device(), id.inode(), (int) Math.min(endOffset, FileIdentity.FINGERPRINT_BYTES));
        }
        if (fullIdentity == null || !fullIdentity.sameInode(id)) {
            fullIdentity = head.identity(id.device(), id.inode());
        }
        return fullIdentity;
    }

    private boolean passes(String text) {
        if (!input.includeLines().isEmpty()) {
            boolean any = false;
            for (Pattern p : input.includeLines()) {
                if (p.matcher(text).find()) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return false;
            }
        }
        for (Pattern p : input.excludeLines()) {
            if (p.matcher(text).find()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return path + " @" + reader.lineOffset();
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
