package io.logpipe.shipper.event;

import java.nio.charset.StandardCharsets;

/**
 * A message's text as the line reader found it: the line's UTF-8 bytes, decoded into a String only when something
 * reads it as one (include/exclude patterns, JSON decoding, multiline patterns, a processor). Most events need no
 * String at all: the encoder copies the bytes into the event's JSON, escaping as it goes.
 *
 * <p>Invariant: {@link #string()} is what decoding the bytes as UTF-8 gives (malformed sequences become U+FFFD, as
 * {@code new String(bytes, UTF_8)} makes them), so an event's JSON is the same whichever way it is written.
 */
public final class MessageText {
    /** The line's bytes (this object's own copy); null when made from a String. */
    private final byte[] utf8;
    private String string;

    private MessageText(byte[] utf8, String string) {
        this.utf8 = utf8;
        this.string = string;
    }

    public static MessageText of(String text) {
        return new MessageText(null, text);
    }

    /** Takes {@code bytes} over: the caller must not change them afterwards. */
    public static MessageText utf8(byte[] bytes) {
        return new MessageText(bytes, null);
    }

    public String string() {
        String s = string;
        if (s == null) {
            s = string = new String(utf8, StandardCharsets.UTF_8);
        }
        return s;
    }

    /** Writes the text as a JSON string: straight from the bytes when they are well-formed UTF-8. */
    void writeJson(JsonBytes out) {
        if (utf8 == null || !out.utf8String(utf8)) {
            out.string(string());
        }
    }

    /** Equal texts are equal however they are held (Line and Message are records compared in tests and groupers). */
    @Override
    public boolean equals(Object o) {
        return o instanceof MessageText t && string().equals(t.string());
    }

    @Override
    public int hashCode() {
        return string().hashCode();
    }

    @Override
    public String toString() {
        return string();
    }
}
