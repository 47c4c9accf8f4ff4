package io.logpipe.shipper.multiline;

import io.logpipe.shipper.event.Event;
import io.logpipe.shipper.event.MessageText;
import java.util.function.Consumer;

/**
 * The lines of one multiline event being collected. Lines beyond {@code max_lines}, and characters beyond
 * {@code max_bytes}, are still consumed (the file offset moves past them) but not added; the event is then flagged
 * "truncated", as filebeat does.
 */
final class MessageBuffer {
    private final int maxLines;
    private final int maxChars;
    /** The text while the event has one line: most events do, and they need no copy into {@link #text}. */
    private MessageText single;
    private final StringBuilder text = new StringBuilder();
    private int lines;
    private int processed;
    private boolean truncated;
    private long offset = -1;
    private long endOffset;
    private String last;
    private long lastAddNanos;

    MessageBuffer(int maxLines, int maxChars) {
        this.maxLines = maxLines;
        this.maxChars = maxChars;
    }

    boolean isEmpty() {
        return processed == 0;
    }

    String last() {
        return last;
    }

    long lastAddNanos() {
        return lastAddNanos;
    }

    void add(Line line) {
        if (processed == 0) {
            offset = line.offset();
        }
        processed++;
        endOffset = line.endOffset();
        last = line.text();
        lastAddNanos = System.nanoTime();
        if (line.truncated()) {
            truncated = true;
        }
        if (lines == 0 && maxLines > 0 && line.text().length() <= maxChars) {
            single = line.content();
            lines = 1;
            return;
        }
        if (single != null) {
            text.append(single.string());
            single = null;
        }
        int size = text.length() + (lines > 0 ? 1 : 0);
        int space = maxChars - size;
        if (lines < maxLines && space > 0) {
            if (lines > 0) {
                text.append('\n');
            }
            String t = line.text();
            if (t.length() > space) {
                text.append(t, 0, space);
                truncated = true;
            } else {
                text.append(t);
            }
            lines++;
        } else {
            truncated = true;
        }
    }

    void emit(Consumer<Message> out) {
        if (processed == 0) {
            return;
        }
        int flags = (truncated ? Event.FLAG_TRUNCATED : 0) | (lines > 1 ? Event.FLAG_MULTILINE : 0);
        out.accept(new Message(single != null ? single : MessageText.of(text.toString()), offset, endOffset, flags));
        single = null;
        text.setLength(0);
        if (text.capacity() > 1 << 16) {
            text.trimToSize();
        }
        lines = 0;
        processed = 0;
        truncated = false;
        offset = -1;
        last = null;
    }
}
