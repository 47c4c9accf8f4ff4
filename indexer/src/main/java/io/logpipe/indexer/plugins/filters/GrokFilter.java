package io.logpipe.indexer.plugins.filters;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.FieldReference;
import io.logpipe.indexer.plugins.Filter;
import io.logpipe.indexer.plugins.PluginSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * Logstash's grok: {@code match => { "field" => "pattern" | ["p1", "p2"] }} with the bundled pattern library,
 * {@code pattern_definitions} and {@code patterns_dir}; no match tags {@code _grokparsefailure}.
 */
public final class GrokFilter implements Filter {
    private record FieldPatterns(FieldReference field, List<GrokPatterns.Compiled> patterns) {
    }

    private final List<FieldPatterns> matches = new ArrayList<>();
    private final boolean breakOnMatch;
    private final boolean keepEmptyCaptures;
    private final Set<String> overwrite;
    private final String target;
    private final List<String> tagOnFailure;

    public GrokFilter(PluginSettings settings) {
        Map<String, String> definitions = new HashMap<>();
        for (String dir : settings.strings("patterns_dir")) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                    definitions.putAll(GrokPatterns.readFile(file));
                }
            } catch (IOException e) {
                throw settings.error("patterns_dir", "cannot read " + dir + ": " + e.getMessage());
            }
        }
        settings.string("patterns_files_glob", "*");
        definitions.putAll(settings.stringHash("pattern_definitions"));
        GrokPatterns library = new GrokPatterns(definitions);
        boolean namedCapturesOnly = settings.bool("named_captures_only", true);
        Map<String, Object> match = settings.hash("match");
        if (match.isEmpty()) {
            throw settings.error("match", "expected at least one { \"field\" => \"pattern\" }");
        }
        for (Map.Entry<String, Object> entry : match.entrySet()) {
            List<String> expressions = new ArrayList<>();
            if (entry.getValue() instanceof List<?> list) {
                list.forEach(v -> expressions.add(String.valueOf(v)));
            } else {
                expressions.add(String.valueOf(entry.getValue()));
            }
            List<GrokPatterns.Compiled> compiled = new ArrayList<>();
            for (String expression : expressions) {
                try {
                    compiled.add(library.compile(expression, namedCapturesOnly));
                } catch (IllegalArgumentException e) {
                    throw settings.error("match", e.getMessage());
                }
            }
            matches.add(new FieldPatterns(JsonFilter.reference(settings, "match", entry.getKey()), compiled));
        }
        this.breakOnMatch = settings.bool("break_on_match", true);
        this.keepEmptyCaptures = settings.bool("keep_empty_captures", false);
        this.overwrite = new HashSet<>(settings.strings("overwrite"));
        this.target = settings.string("target", null);
        this.tagOnFailure = settings.strings("tag_on_failure", List.of("_grokparsefailure"));
        settings.number("timeout_millis", 30000);
        settings.bool("tag_on_timeout", true);
        settings.string("ecs_compatibility", "disabled");
    }

    @Override
    public boolean filter(Event event) {
        boolean matched = false;
        outer:
        for (FieldPatterns field : matches) {
            Object value = event.get(field.field());
            List<?> values = value instanceof List<?> list ? list : value == null ? List.of() : List.of(value);
            for (Object v : values) {
                String text = String.valueOf(v);
                for (GrokPatterns.Compiled grok : field.patterns()) {
                    Matcher m = grok.pattern().matcher(text);
                    if (m.find()) {
                        capture(event, grok, m);
                        matched = true;
                        if (breakOnMatch) {
                            break outer;
                        }
                    }
                }
            }
        }
        if (!matched) {
            tagOnFailure.forEach(event::tag);
        }
        return matched;
    }

    private void capture(Event event, GrokPatterns.Compiled grok, Matcher m) {
        // A name captured twice in one pattern (alternatives) takes the branch that matched.
        Map<String, Object> captured = new LinkedHashMap<>();
        for (GrokPatterns.Capture capture : grok.captures()) {
            String text = m.group(capture.group());
            if (text == null || (text.isEmpty() && !keepEmptyCaptures)) {
                continue;
            }
            Object value = text;
            if ("int".equals(capture.type())) {
                value = MutateFilter.convert(text, "integer");
            } else if ("float".equals(capture.type())) {
                value = MutateFilter.convert(text, "float");
            }
            captured.putIfAbsent(capture.field(), value);
        }
        for (Map.Entry<String, Object> entry : captured.entrySet()) {
            String name = target == null ? entry.getKey() : "[" + target + "]" + bracketed(entry.getKey());
            FieldReference field = FieldReference.of(name);
            Object existing = event.get(field);
            if (existing == null || overwrite.contains(entry.getKey()) || (existing instanceof String s && s.isEmpty())) {
                event.set(field, entry.getValue());
            } else {
                List<Object> values = new ArrayList<>();
                if (existing instanceof List<?> l) {
                    values.addAll(l);
                } else {
                    values.add(existing);
                }
                values.add(entry.getValue());
                event.set(field, values);
            }
        }
    }

    private static String bracketed(String name) {
        return name.startsWith("[") ? name : "[" + name + "]";
    }
}
