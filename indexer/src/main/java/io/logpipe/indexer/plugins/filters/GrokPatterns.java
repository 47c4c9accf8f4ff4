package io.logpipe.indexer.plugins.filters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A grok pattern library (name → regexp, the bundled {@code grok-patterns} plus user definitions) and the compiler
 * that expands {@code %{NAME:field:type}} into one java.util.regex pattern. Java group names allow no underscores
 * or brackets, so captures become groups {@code g0, g1, ...} mapped back to their field names.
 */
public final class GrokPatterns {
    private static final Pattern REFERENCE = Pattern.compile("%\\{(\\w+)(?::([^:}]+))?(?::(int|float|integer))?}");
    /** An Oniguruma named group {@code (?<name>}, not a lookbehind {@code (?<=} or {@code (?<!}. */
    private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?<([A-Za-z_@\\[\\]][\\w@\\[\\]-]*)>");
    private static final Map<String, String> BUNDLED = load();

    private final Map<String, String> definitions;

    /** One named capture: the field it fills and the type it converts to (null: string). */
    public record Capture(String group, String field, String type) {
    }

    /** A compiled grok expression. */
    public record Compiled(String source, Pattern pattern, List<Capture> captures) {
    }

    public GrokPatterns(Map<String, String> extra) {
        definitions = new HashMap<>(BUNDLED);
        definitions.putAll(extra);
    }

    /** Reads pattern files ({@code NAME regexp} lines, # comments) as in {@code patterns_dir}. */
    public static Map<String, String> readFile(Path file) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(reader);
        }
    }

    private static Map<String, String> load() {
        try (InputStream in = GrokPatterns.class.getResourceAsStream("/io/logpipe/indexer/plugins/grok/grok-patterns")) {
            if (in == null) {
                throw new IllegalStateException("grok-patterns resource missing from the indexer jar");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> parse(BufferedReader reader) throws IOException {
        Map<String, String> patterns = new HashMap<>();
        String line;
        while ((line = reader.readLine()) != null) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int space = trimmed.indexOf(' ');
            if (space > 0) {
                patterns.put(trimmed.substring(0, space), trimmed.substring(space + 1).strip());
            }
        }
        return patterns;
    }

    /**
     * Compiles a grok expression; throws IllegalArgumentException naming an unknown pattern, a reference cycle or
     * an invalid regexp.
     */
    public Compiled compile(String expression, boolean namedCapturesOnly) {
        List<Capture> captures = new ArrayList<>();
        String regex = expand(expression, namedCapturesOnly, captures, new HashSet<>());
        try {
            return new Compiled(expression, Pattern.compile(regex), captures);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid grok pattern '" + expression + "': " + e.getDescription());
        }
    }

    private String expand(String expression, boolean namedCapturesOnly, List<Capture> captures, Set<String> stack) {
        String withGroups = renameGroups(expression, captures);
        Matcher m = REFERENCE.matcher(withGroups);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String field = m.group(2);
            String type = m.group(3);
            String definition = definitions.get(name);
            if (definition == null) {
                throw new IllegalArgumentException("unknown grok pattern %{" + name + "} in '" + expression + "'");
            }
            if (!stack.add(name)) {
                throw new IllegalArgumentException("grok pattern %{" + name + "} refers to itself");
            }
            String inner = expand(definition, namedCapturesOnly, captures, stack);
            stack.remove(name);
            String replacement;
            if (field != null) {
                String group = "g" + captures.size();
                captures.add(new Capture(group, field, "integer".equals(type) ? "int" : type));
                replacement = "(?<" + group + ">" + inner + ")";
            } else if (!namedCapturesOnly) {
                String group = "g" + captures.size();
                captures.add(new Capture(group, name, null));
                replacement = "(?<" + group + ">" + inner + ")";
            } else {
                replacement = "(?:" + inner + ")";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String renameGroups(String expression, List<Capture> captures) {
        Matcher m = NAMED_GROUP.matcher(expression);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            if (m.start() > 0 && expression.charAt(m.start() - 1) == '\\') {
                continue;
            }
            String group = "g" + captures.size();
            captures.add(new Capture(group, m.group(1), null));
            m.appendReplacement(out, Matcher.quoteReplacement("(?<" + group + ">"));
        }
        m.appendTail(out);
        return out.toString();
    }
}
