package io.logpipe.shipper.multiline;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A multiline pattern applied to one line at a time: {@code true} exactly when {@link Matcher#find()} is.
 *
 * <p>Most multiline patterns in filebeat.yml files only look at how a line begins: {@code ^\[},
 * {@code ^[[:space:]]} (here {@code ^[\s]}), {@code ^Caused by:}, {@code ^\d{4}-\d{2}-\d{2}}. Such a pattern (an
 * anchor, then literal ASCII characters, {@code \s}, {@code \d}, {@code \t} or simple classes of them, each once or
 * {@code {n}} times, the last one maybe with {@code +}, optionally followed by {@code .*}) is
 * checked by comparing the line's first characters with a table instead of running the regex engine; any other
 * pattern, or one compiled with flags, goes through one reused {@link Matcher}. One instance per grouper: it is not
 * thread-safe.
 */
final class LinePattern {
    /** Per leading position, the ASCII characters allowed there (two 64-bit words each); null: use the matcher. */
    private final long[] prefix;
    private final Matcher matcher;

    private LinePattern(long[] prefix, Matcher matcher) {
        this.prefix = prefix;
        this.matcher = matcher;
    }

    static LinePattern of(Pattern pattern) {
        long[] prefix = pattern.flags() == 0 ? Prefix.parse(pattern.pattern()) : null;
        return new LinePattern(prefix, prefix == null ? pattern.matcher("") : null);
    }

    /** Whether the check is the literal-prefix table rather than the regex engine. */
    boolean isPrefix() {
        return prefix != null;
    }

    boolean find(String line) {
        if (prefix == null) {
            return matcher.reset(line).find();
        }
        int n = prefix.length / 2;
        if (line.length() < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            if (c >= 128 || (prefix[2 * i + (c >> 6)] & 1L << (c & 63)) == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Recognizes {@code ^atom atom ... [.*]} and turns it into per-position ASCII sets. Without flags, {@code ^} only
     * matches at the start of the line, {@code \s} is {@code [ \t\n\x0B\f\r]}, {@code \d} is {@code [0-9]}, and a
     * trailing {@code .*} may match nothing, so it changes no {@code find()} result.
     */
    private static final class Prefix {
        /** Characters that stand for themselves outside a class (no COMMENTS flag). */
        private static final String PLAIN = " !\"#%&',-/:;<=>@_`~";
        /** Characters that stand for themselves inside a class. */
        private static final String PLAIN_IN_CLASS = " !\"#$%'()*+,./:;<=>?@_`{|}~";

        private final String p;
        private int i;

        private Prefix(String p) {
            this.p = p;
        }

        static long[] parse(String pattern) {
            if (!pattern.startsWith("^")) {
                return null;
            }
            Prefix parser = new Prefix(pattern);
            parser.i = 1;
            return parser.atoms();
        }

        private long[] atoms() {
            long[] sets = new long[16];
            int n = 0;
            while (i < p.length()) {
                if (p.startsWith(".*", i) && i + 2 == p.length()) {
                    break;
                }
                long[] set = atom();
                if (set == null) {
                    return null;
                }
                int times = repeat();
                if (times < 0) {
                    return null;
                }
                if (2 * (n + times) > sets.length) {
                    sets = Arrays.copyOf(sets, 2 * (n + times) + 16);
                }
                for (int k = 0; k < times; k++, n++) {
                    sets[2 * n] = set[0];
                    sets[2 * n + 1] = set[1];
                }
            }
            return n == 0 ? null : Arrays.copyOf(sets, 2 * n);
        }

        /**
         * How many times the atom just read must occur: once, {@code {n}} times, or once for {@code +} on the last
         * atom (a line that begins with one begins with one or more); -1 for any other quantifier.
         */
        private int repeat() {
            if (i >= p.length()) {
                return 1;
            }
            char c = p.charAt(i);
            if (c == '+') {
                i++;
                return i == p.length() || p.startsWith(".*", i) && i + 2 == p.length() ? 1 : -1;
            }
            if (c == '{') {
                int close = p.indexOf('}', i);
                String count = close < 0 ? "" : p.substring(i + 1, close);
                if (count.isEmpty() || count.length() > 2 || !count.chars().allMatch(Character::isDigit)) {
                    return -1;
                }
                i = close + 1;
                int times = Integer.parseInt(count);
                return times >= 1 && times <= 64 ? times : -1;
            }
            return c == '*' || c == '?' ? -1 : 1;
        }

        /** One character or class at {@link #i}, advancing past it; null if it is anything else. */
        private long[] atom() {
            char c = p.charAt(i);
            if (c == '[') {
                return charClass();
            }
            if (c == '\\') {
                return escape();
            }
            i++;
            return isAlnum(c) || PLAIN.indexOf(c) >= 0 ? of(c) : null;
        }

        private long[] charClass() {
            i++; // [
            if (i >= p.length() || p.charAt(i) == '^' || p.charAt(i) == ']') {
                return null;
            }
            long[] set = new long[2];
            while (i < p.length() && p.charAt(i) != ']') {
                long[] item;
                char c = p.charAt(i);
                if (c == '\\') {
                    item = escape();
                } else if (isAlnum(c) && i + 2 < p.length() && p.charAt(i + 1) == '-' && p.charAt(i + 2) != ']') {
                    char to = p.charAt(i + 2);
                    if (!isAlnum(to) || to < c || Character.isDigit(c) != Character.isDigit(to)
                            || Character.isUpperCase(c) != Character.isUpperCase(to)) {
                        return null;
                    }
                    item = new long[2];
                    for (char x = c; x <= to; x++) {
                        add(item, x);
                    }
                    i += 3;
                } else if (isAlnum(c) || PLAIN_IN_CLASS.indexOf(c) >= 0) {
                    item = of(c);
                    i++;
                } else {
                    return null; // '-', '&&', nested classes, '^' inside
                }
                if (item == null) {
                    return null;
                }
                set[0] |= item[0];
                set[1] |= item[1];
            }
            if (i >= p.length()) {
                return null;
            }
            i++; // ]
            return set;
        }

        private long[] escape() {
            if (i + 1 >= p.length()) {
                return null;
            }
            char c = p.charAt(i + 1);
            i += 2;
            switch (c) {
                case 's': {
                    long[] set = new long[2];
                    for (char x : new char[] {' ', '\t', '\n', '\u000B', '\f', '\r'}) {
                        add(set, x);
                    }
                    return set;
                }
                case 'd': {
                    long[] set = new long[2];
                    for (char x = '0'; x <= '9'; x++) {
                        add(set, x);
                    }
                    return set;
                }
                case 't':
                    return of('\t');
                default:
                    // a backslash before any other ASCII character that is not a letter or digit quotes it
                    return c < 128 && !isAlnum(c) && c > ' ' ? of(c) : null;
            }
        }

        private static boolean isAlnum(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
        }

        private static long[] of(char c) {
            long[] set = new long[2];
            add(set, c);
            return set;
        }

        private static void add(long[] set, char c) {
            set[c >> 6] |= 1L << (c & 63);
        }
    }
}
