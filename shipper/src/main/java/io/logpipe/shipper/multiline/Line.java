package io.logpipe.shipper.multiline;

import io.logpipe.shipper.event.MessageText;

/**
 * One line of a file, without its line terminator.
 *
 * @param content   its text (the line's bytes when it was read as UTF-8)
 * @param offset    where the line starts in the file
 * @param endOffset just after its newline
 * @param truncated the line was longer than max_bytes and was cut
 */
public record Line(MessageText content, long offset, long endOffset, boolean truncated) {
    public Line(String text, long offset, long endOffset, boolean truncated) {
        this(MessageText.of(text), offset, endOffset, truncated);
    }

    public String text() {
        return content.string();
    }
}
