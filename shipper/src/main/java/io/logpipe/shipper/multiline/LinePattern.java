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
    /** Per atom, the ASCII characters allowed there (two 64-bit words each); null: use the matcher. */
    private final long[] prefix;
    /** Per atom, how often it may occur ({@code {m,n}}); null when every atom occurs exactly once. */
    private final int[] min;
    private final int[] max;
    private final Matcher matcher;

    private LinePattern(Prefix parsed, Matcher matcher) {
        this.prefix = parsed == null ? null : parsed.sets;
        boolean fixed = parsed == null || parsed.fixed();
        this.min = fixed ? null : parsed.min;
        this.max = fixed ? null : parsed.max;
        this.matcher = matcher;
    }

    static LinePattern of(Pattern pattern) {
        Prefix prefix = pattern.flags() == 0 ? Prefix.parse(pattern.pattern()) : null;
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
        if (min != null) {
            return findCounted(line);
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

    private boolean allows(int atom, char c) {
        return c < 128 && (prefix[2 * atom + (c >> 6)] & 1L << (c & 63)) != 0;
    }

    /** With {@code {m,n}} atoms: bit p of {@code reach} says the atoms so far can match the first p characters. */
    private boolean findCounted(String line) {
        long reach = 1;
        for (int a = 0; a < min.length && reach != 0; a++) {
            long next = 0;
            for (long rest = reach; rest != 0; rest &= rest - 1) {
                int p = Long.numberOfTrailingZeros(rest);
                for (int k = 0; ; k++) {
                    if (k >= min[a]) {
                        next |= 1L << (p + k);
                    }
                    if (k == max[a] || p + k >= line.length() || !allows(a, line.charAt(p + k))) {
                        break;
                    }
                }
            }
            reach = next;
        }
        return reach != 0;
    }

    /**
     * Recognizes {@code ^atom atom ... [.*]} and turns it into per-position ASCII sets. Without flags, {@code ^} only
     * matches at the start of the line, {@code \s} is {@code [ \t\n\x0B\f\r]}, {@code \d} is {@code [0-9]}, and a
     * trailing {@code .*} may match nothing, so it changes no {@code find()} result.
     */
    private static final class Prefix {
        /** The longest prefix {@code {m,n}} atoms may cover: positions are bits of one long. */
        private static final int MAX_COUNTED_LENGTH = 63;
        /** Characters that stand for themselves outside a class (no COMMENTS flag). */
        private static final String PLAIN = " !\"#%&',-/:;<=>@_`~";
        /** Characters that stand for themselves inside a class. */
        private static final String PLAIN_IN_CLASS = " !\"#$%'()*+,./:;<=>?@_`{|}~";

        private final String p;
        private int i;
        private long[] sets = new long[16];
        private int[] min = new int[8];
        private int[] max = new int[8];
        private int n;

        private Prefix(String p) {
            this.p = p;
        }

        static Prefix parse(String pattern) {
            if (!pattern.startsWith("^")) {
                return null;
            }
            Prefix parser = new Prefix(pattern);
            parser.i = 1;
            return parser.atoms() ? parser : null;
        }

        boolean fixed() {
            for (int a = 0; a < n; a++) {
                if (min[a] != 1 || max[a] != 1) {
                    return false;
                }
            }
            return true;
        }

        private boolean atoms() {
            while (i < p.length()) {
                if (p.startsWith(".*", i) && i + 2 == p.length()) {
                    break;
                }
                long[] set = atom();
                if (set == null) {
                    return false;
                }
                int[] times = repeat();
                if (times == null) {
                    return false;
                }
                if (times[0] == times[1]) {
                    for (int k = 0; k < times[0]; k++) {
                        add(set, 1, 1); // {n}: n atoms of their own, which keeps the common case a plain loop
                    }
                } else {
                    add(set, times[0], times[1]);
                }
            }
            sets = Arrays.copyOf(sets, 2 * n);
            min = Arrays.copyOf(min, n);
            max = Arrays.copyOf(max, n);
            int longest = 0;
            for (int a = 0; a < n; a++) {
                longest += max[a];
            }
            return n > 0 && (fixed() || longest <= MAX_COUNTED_LENGTH);
        }

        private void add(long[] set, int least, int most) {
            if (2 * n + 2 > sets.length) {
                sets = Arrays.copyOf(sets, sets.length * 2);
                min = Arrays.copyOf(min, min.length * 2);
                max = Arrays.copyOf(max, max.length * 2);
            }
            sets[2 * n] = set[0];
            sets[2 * n + 1] = set[1];
            min[n] = least;
            max[n] = most;
            n++;
        }

        /**
         * How often the atom just read may occur, {min, max}: once, {@code {n}}, {@code {m,n}}, or once for
         * {@code +} on the last atom (a line that begins with one begins with one or more); null for any other
         * quantifier (also a lazy or possessive one).
         */
        private int[] repeat() {
            if (i >= p.length()) {
                return new int[] {1, 1};
            }
            char c = p.charAt(i);
            if (c == '+') {
                i++;
                return i == p.length() || p.startsWith(".*", i) && i + 2 == p.length() ? new int[] {1, 1} : null;
            }
            if (c == '{') {
                int close = p.indexOf('}', i);
                String[] counts = close < 0 ? new String[0] : p.substring(i + 1, close).split(",", -1);
                if (counts.length < 1 || counts.length > 2) {
                    return null;
                }
                for (String count : counts) {
                    if (count.isEmpty() || count.length() > 2 || !count.chars().allMatch(Character::isDigit)) {
                        return null;
                    }
                }
                i = close + 1;
                if (i < p.length() && (p.charAt(i) == '?' || p.charAt(i) == '+')) {
                    return null;
                }
                int least = Integer.parseInt(counts[0]);
                int most = Integer.parseInt(counts[counts.length - 1]);
                return least <= most && most >= 1 && most <= 64 ? new int[] {least, most} : null;
            }
            return c == '*' || c == '?' ? null : new int[] {1, 1};
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
