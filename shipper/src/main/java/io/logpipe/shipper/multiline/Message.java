package io.logpipe.shipper.multiline;

/**
 * What becomes one event: a single line or several joined with {@code \n}.
 *
 * @param flags {@link io.logpipe.shipper.event.Event#FLAG_MULTILINE} / {@code FLAG_TRUNCATED}
 */
public record Message(String text, long offset, long endOffset, int flags) {
}
