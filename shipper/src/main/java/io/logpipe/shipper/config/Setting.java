package io.logpipe.shipper.config;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Units;
import io.logpipe.common.config.Variables;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One leaf of the configuration: its full dotted key, the YAML node holding the value and where that node sits
 * ({@code file:line:column}), so that a wrong value is reported at the place the user has to fix, and where its
 * {@code ${VAR}}s are looked up (the shipper's keystore, then the environment).
 */
public record Setting(String key, Node node, String source, Variables.Lookup variables) {

    /** {@code file:line:column} of the value, or the {@code -E} override it came from. */
    public String where() {
        return ConfigFile.where(source, node);
    }

    ConfigException invalid(String problem) {
        return new ConfigException(where(), key + ": " + problem);
    }

    /** The same key, source and variables for {@code item}, one element of this setting's list. */
    Setting item(Node item) {
        return new Setting(key, item, source, variables);
    }

    /** The same setting, its {@code ${VAR}}s looked up in {@code lookup}. */
    Setting withVariables(Variables.Lookup lookup) {
        return new Setting(key, node, source, lookup);
    }

    /** The scalar text, with {@code ${VAR}} and {@code ${VAR:default}} expanded as filebeat does. */
    public String string() {
        if (!(node instanceof ScalarNode scalar)) {
            throw invalid("expected a single value, found a " + kind());
        }
        if (scalar.getTag().equals(Tag.NULL)) {
            return null;
        }
        return expand(scalar.getValue());
    }

    /** {@code text} with its {@code ${VAR}}s replaced; an unset one is an error at this setting. */
    String expand(String text) {
        try {
            return Variables.expand(text, variables);
        } catch (Variables.Unset e) {
            throw invalid(e.getMessage());
        }
    }

    public boolean bool() {
        String s = string();
        if (s == null) {
            throw invalid("expected true or false");
        }
        switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "y":
                return true;
            case "false", "no", "off", "n":
                return false;
            default:
                throw invalid("'" + s + "' is not a boolean; use true or false");
        }
    }

    public long number(long min, long max) {
        String s = string();
        long v;
        try {
            v = Long.parseLong(s == null ? "" : s.trim());
        } catch (NumberFormatException e) {
            throw invalid("'" + s + "' is not a whole number");
        }
        if (v < min || v > max) {
            throw invalid(v + " is out of range; allowed: " + min + " to " + max);
        }
        return v;
    }

    public int integer(int min, int max) {
        return (int) number(min, max);
    }

    /** A size in bytes: {@code 10485760}, {@code 10MiB}, {@code 16KB}. */
    public long bytes(long min, long max) {
        String s = string();
        if (s == null) {
            throw invalid("expected a size in bytes");
        }
        String t = s.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw invalid("'" + s + "' is not a size (examples: 16384, 16KiB, 10MB)");
        }
        long base = Long.parseLong(t.substring(0, i));
        long unit = switch (t.substring(i).trim()) {
            case "", "b" -> 1;
            case "k", "kb", "kib" -> 1024;
            case "m", "mb", "mib" -> 1024 * 1024;
            case "g", "gb", "gib" -> 1024L * 1024 * 1024;
            default -> throw invalid("'" + s + "' has an unknown unit (use B, KiB, MiB or GiB)");
        };
        long v = base * unit;
        if (v < min || v > max) {
            throw invalid(v + " bytes is out of range; allowed: " + min + " to " + max);
        }
        return v;
    }

    /** A Go-style duration ({@code 10s}, {@code 1m30s}, {@code 500ms}, {@code 72h}); a bare number is seconds. */
    public Duration duration() {
        String s = string();
        if (s == null) {
            throw invalid("expected a duration such as 10s, 5m or 72h");
        }
        try {
            return Units.duration(s);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    public Pattern regex() {
        String s = string();
        if (s == null) {
            throw invalid("expected a regular expression");
        }
        try {
            return Pattern.compile(RegexDialect.toJava(s));
        } catch (PatternSyntaxException e) {
            throw invalid("'" + s + "' is not a valid regular expression: " + e.getDescription()
                    + " near index " + e.getIndex());
        }
    }

    /** A list of strings; a single scalar counts as a list of one, as in filebeat. */
    public List<String> strings() {
        List<String> out = new ArrayList<>();
        if (node instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                Setting s = item(item);
                String v = s.string();
                if (v != null) {
                    out.add(v);
                }
            }
        } else {
            String v = string();
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    public List<Pattern> regexes() {
        List<Pattern> out = new ArrayList<>();
        if (node instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                out.add(item(item).regex());
            }
        } else {
            out.add(regex());
        }
        return out;
    }

    /** The value as plain Java data (String, Long, Double, Boolean, List, Map), for user fields. */
    public Object plain() {
        return ConfigFile.plain(node, this);
    }

    String kind() {
        if (node instanceof MappingNode) {
            return "mapping";
        }
        if (node instanceof SequenceNode) {
            return "list";
        }
        return "value";
    }
}
