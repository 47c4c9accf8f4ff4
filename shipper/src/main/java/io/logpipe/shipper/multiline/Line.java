package io.logpipe.shipper.multiline;

/**
 * One line of a file, without its line terminator.
 *
 * @param offset    where the line starts in the file
 * @param endOffset just after its newline
 * @param truncated the line was longer than max_bytes and was cut
 */
public record Line(String text, long offset, long endOffset, boolean truncated) {
}
