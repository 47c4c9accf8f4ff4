package io.logpipe.shipper.multiline;

import io.logpipe.shipper.event.MessageText;

/**
 * What becomes one event: a single line or several joined with {@code \n}.
 *
 * @param flags {@link io.logpipe.shipper.event.Event#FLAG_MULTILINE} / {@code FLAG_TRUNCATED}
 */
public record Message(MessageText content, long offset, long endOffset, int flags) {
    public Message(String text, long offset, long endOffset, int flags) {
        this(MessageText.of(text), offset, endOffset, flags);
    }

    public String text() {
        return content.string();
    }
}
