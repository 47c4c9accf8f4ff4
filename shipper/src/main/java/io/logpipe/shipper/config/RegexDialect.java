package io.logpipe.shipper.config;

import java.util.Map;

/**
 * filebeat.yml patterns are Go (RE2) regular expressions. Java's syntax is nearly the same, except for POSIX
 * classes: {@code [[:space:]]} (the Filebeat docs' Java stack trace example) would silently mean the characters
 * {@code [ : s p a c e]} in Java, so they are rewritten to {@code \p{Space}} and friends.
 */
final class RegexDialect {
    private static final Map<String, String> POSIX = Map.ofEntries(
            Map.entry("alnum", "\\p{Alnum}"), Map.entry("alpha", "\\p{Alpha}"), Map.entry("ascii", "\\p{ASCII}"),
            Map.entry("blank", "\\p{Blank}"), Map.entry("cntrl", "\\p{Cntrl}"), Map.entry("digit", "\\p{Digit}"),
            Map.entry("graph", "\\p{Graph}"), Map.entry("lower", "\\p{Lower}"), Map.entry("print", "\\p{Print}"),
            Map.entry("punct", "\\p{Punct}"), Map.entry("space", "\\s"), Map.entry("upper", "\\p{Upper}"),
            Map.entry("word", "\\w"), Map.entry("xdigit", "\\p{XDigit}"));

    private RegexDialect() {
    }

    static String toJava(String go) {
        if (!go.contains("[:")) {
            return go;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < go.length()) {
            int start = go.indexOf("[:", i);
            if (start < 0) {
                out.append(go, i, go.length());
                break;
            }
            int end = go.indexOf(":]", start + 2);
            String name = end < 0 ? null : go.substring(start + 2, end);
            boolean negated = name != null && name.startsWith("^");
            String cls = name == null ? null : POSIX.get(negated ? name.substring(1) : name);
            if (cls == null) {
                out.append(go, i, start + 2);
                i = start + 2;
                continue;
            }
            out.append(go, i, start);
            out.append(negated ? negate(cls) : cls);
            i = end + 2;
        }
        return out.toString();
    }

    private static String negate(String cls) {
        if (cls.startsWith("\\p")) {
            return "\\P" + cls.substring(2);
        }
        return cls.toUpperCase(); // \s -> \S, \w -> \W
    }
}
