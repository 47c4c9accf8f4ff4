package io.logpipe.shipper.event;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer with just what the event encoder needs: raw bytes, numbers, and JSON strings written as
 * escaped UTF-8 in one pass (no intermediate String or char[] per event).
 */
final class JsonBytes {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private byte[] buf = new byte[1024];
    private int len;
    /** A string's chars, copied out in bulk: indexing an array is much cheaper than String.charAt per char. */
    private char[] chars = new char[512];
    private final byte[] digits = new byte[20];

    void reset() {
        if (buf.length > 1 << 20) {
            buf = new byte[1024]; // do not keep a huge event's buffer for ever
        }
        if (chars.length > 1 << 19) {
            chars = new char[512];
        }
        len = 0;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
    }

    void raw(char c) {
        ensure(1);
        buf[len++] = (byte) c;
    }

    /** A non-negative decimal number (file offsets); others go through Long.toString. */
    void number(long n) {
        if (n < 0) {
            raw(Long.toString(n).getBytes(StandardCharsets.US_ASCII));
            return;
        }
        int p = digits.length;
        do {
            digits[--p] = (byte) ('0' + n % 10);
            n /= 10;
        } while (n != 0);
        int count = digits.length - p;
        ensure(count);
        System.arraycopy(digits, p, buf, len, count);
        len += count;
    }

    /** Room for {@code extra} bytes written by the caller at {@link #position}, then {@link #advance}. */
    byte[] reserve(int extra) {
        ensure(extra);
        return buf;
    }

    int position() {
        return len;
    }

    void advance(int count) {
        len += count;
    }

    /** {@code "s"} with JSON escapes, as UTF-8; unpaired surrogates become U+FFFD. */
    void string(String s) {
        int n = s.length();
        ensure(n * 3 + 2);
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        char[] cs = chars;
        s.getChars(0, n, cs, 0);
        byte[] b = buf;
        int p = len;
        b[p++] = '"';
        for (int i = 0; i < n; i++) {
            char c = cs[i];
            if (c < 0x80) {
                if (c >= 0x20 && c != '"' && c != '\\') {
                    b[p++] = (byte) c;
                    continue;
                }
                len = p;
                ensure(6 + (n - i) * 3);
                b = buf;
                p = escape(b, p, c);
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                int cp = 0xFFFD;
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(cs[i + 1])) {
                    cp = Character.toCodePoint(c, cs[++i]);
                }
                if (cp == 0xFFFD) {
                    b[p++] = (byte) 0xEF;
                    b[p++] = (byte) 0xBF;
                    b[p++] = (byte) 0xBD;
                } else {
                    len = p;
                    ensure(4 + (n - i) * 3);
                    b = buf;
                    b[p++] = (byte) (0xF0 | (cp >> 18));
                    b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (cp & 0x3F));
                }
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        len = p;
        ensure(1);
        buf[len++] = '"';
    }

    /**
     * {@code s} as a JSON string, written from its bytes, when they are well-formed UTF-8 (Unicode's table 3-7: no
     * overlong forms, no surrogates, nothing above U+10FFFF); the same bytes {@link #string} writes for the String
     * they decode to. Returns false, having written nothing, when they are not: the caller then decodes them.
     */
    boolean utf8String(byte[] s) {
        int start = len;
        int n = s.length;
        ensure(n + 2);
        byte[] b = buf;
        int p = len;
        b[p++] = '"';
        for (int i = 0; i < n; i++) {
            byte c = s[i];
            if (c >= 0x20 && c != '"' && c != '\\') {
                b[p++] = c;
                continue;
            }
            if (c >= 0) {
                len = p;
                ensure(6 + (n - i));
                b = buf;
                p = escape(b, p, c);
                continue;
            }
            int k = sequenceLength(s, i);
            if (k == 0) {
                len = start;
                return false;
            }
            for (int j = 0; j < k; j++) {
                b[p++] = s[i + j];
            }
            i += k - 1;
        }
        len = p;
        ensure(1);
        buf[len++] = '"';
        return true;
    }

    /** The length of the well-formed UTF-8 sequence that starts with the non-ASCII byte at {@code i}; 0 if none. */
    private static int sequenceLength(byte[] s, int i) {
        int c = s[i] & 0xFF;
        int n = s.length;
        if (c >= 0xC2 && c <= 0xDF) {
            return i + 1 < n && continuation(s[i + 1], 0x80, 0xBF) ? 2 : 0;
        }
        if (c >= 0xE0 && c <= 0xEF) {
            int lo = c == 0xE0 ? 0xA0 : 0x80;
            int hi = c == 0xED ? 0x9F : 0xBF;
            return i + 2 < n && continuation(s[i + 1], lo, hi) && continuation(s[i + 2], 0x80, 0xBF) ? 3 : 0;
        }
        if (c >= 0xF0 && c <= 0xF4) {
            int lo = c == 0xF0 ? 0x90 : 0x80;
            int hi = c == 0xF4 ? 0x8F : 0xBF;
            return i + 3 < n && continuation(s[i + 1], lo, hi) && continuation(s[i + 2], 0x80, 0xBF)
                    && continuation(s[i + 3], 0x80, 0xBF) ? 4 : 0;
        }
        return 0;
    }

    private static boolean continuation(byte b, int lo, int hi) {
        int v = b & 0xFF;
        return v >= lo && v <= hi;
    }

    /** Writes the JSON escape of the ASCII control character, quote or backslash {@code c} at {@code p}; returns the end. */
    private static int escape(byte[] b, int p, int c) {
        b[p++] = '\\';
        switch (c) {
            case '"' -> b[p++] = '"';
            case '\\' -> b[p++] = '\\';
            case '\n' -> b[p++] = 'n';
            case '\r' -> b[p++] = 'r';
            case '\t' -> b[p++] = 't';
            case '\b' -> b[p++] = 'b';
            case '\f' -> b[p++] = 'f';
            default -> {
                b[p++] = 'u';
                b[p++] = '0';
                b[p++] = '0';
                b[p++] = HEX[c >> 4];
                b[p++] = HEX[c & 0xF];
            }
        }
        return p;
    }
}
