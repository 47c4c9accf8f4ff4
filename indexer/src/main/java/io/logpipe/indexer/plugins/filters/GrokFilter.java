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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logstash's grok: {@code match => { "field" => "pattern" | ["p1", "p2"] }} with the bundled pattern library,
 * {@code pattern_definitions} and {@code patterns_dir}; no match tags {@code _grokparsefailure}.
 *
 * <p>A pattern that backtracks catastrophically on some line must not stall the pipeline: {@code timeout_millis}
 * (30 s by default, 0 for none) bounds each match attempt ({@code timeout_scope => "pattern"}) or all attempts on
 * one event ({@code "event"}); on timeout the event is kept, tagged {@code tag_on_timeout} ({@code _groktimeout}).
 */
public final class GrokFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(GrokFilter.class);

    private record FieldPatterns(FieldReference field, List<GrokPatterns.Compiled> patterns) {
    }

    private final List<FieldPatterns> matches = new ArrayList<>();
    private final boolean breakOnMatch;
    private final boolean keepEmptyCaptures;
    private final Set<String> overwrite;
    private final String target;
    private final List<String> tagOnFailure;
    private final long timeoutNanos;
    private final boolean timeoutPerEvent;
    private final String tagOnTimeout;

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
        long timeoutMillis = settings.number("timeout_millis", 30000);
        if (timeoutMillis < 0) {
            throw settings.error("timeout_millis", "expected 0 (no timeout) or a positive number of milliseconds");
        }
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.timeoutPerEvent = settings.oneOf("timeout_scope", "pattern", "pattern", "event").equals("event");
        this.tagOnTimeout = settings.string("tag_on_timeout", "_groktimeout");
        settings.string("ecs_compatibility", "disabled");
    }

    @Override
    public boolean filter(Event event) {
        boolean matched;
        try {
            matched = match(event);
        } catch (DeadlineText.Expired e) {
            event.tag(tagOnTimeout);
            return false;
        }
        if (!matched) {
            tagOnFailure.forEach(event::tag);
        }
        return matched;
    }

    private boolean match(Event event) {
        boolean matched = false;
        long eventDeadline = System.nanoTime() + timeoutNanos;
        for (FieldPatterns field : matches) {
            Object value = event.get(field.field());
            List<?> values = value instanceof List<?> list ? list : value == null ? List.of() : List.of(value);
            for (Object v : values) {
                String text = String.valueOf(v);
                for (GrokPatterns.Compiled grok : field.patterns()) {
                    Matcher m = grok.pattern().matcher(timeoutNanos == 0 ? text
                            : new DeadlineText(text, timeoutPerEvent ? eventDeadline : System.nanoTime() + timeoutNanos));
                    if (find(m, grok, text)) {
                        capture(event, grok, m);
                        matched = true;
                        if (breakOnMatch) {
                            return true;
                        }
                    }
                }
            }
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

    private boolean find(Matcher m, GrokPatterns.Compiled grok, String text) {
        try {
            return m.find();
        } catch (DeadlineText.Expired e) {
            LOG.warn("grok timed out after {} ms matching {} against '{}'; the event is kept, tagged {}",
                    TimeUnit.NANOSECONDS.toMillis(timeoutNanos), grok.source(), abbreviated(text), tagOnTimeout);
            throw e;
        }
    }

    private static String abbreviated(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    /**
     * The text a pattern is matched against, checking a deadline as the regex engine reads it: java.util.regex
     * cannot be interrupted, but it reads every character through charAt, also while backtracking.
     */
    private static final class DeadlineText implements CharSequence {
        /** Reading the clock costs more than a character: look at it once per this many reads. */
        private static final int READS_PER_CLOCK_CHECK = 1024;

        private final String text;
        private final long deadline;
        private int readsUntilCheck = READS_PER_CLOCK_CHECK;

        DeadlineText(String text, long deadline) {
            this.text = text;
            this.deadline = deadline;
        }

        @Override
        public char charAt(int index) {
            if (--readsUntilCheck == 0) {
                readsUntilCheck = READS_PER_CLOCK_CHECK;
                if (System.nanoTime() - deadline > 0) {
                    throw new Expired();
                }
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }

        /** Unwinds the regex engine; caught in {@link GrokFilter#filter}. */
        private static final class Expired extends RuntimeException {
            Expired() {
                super(null, null, false, false);
            }
        }
    }

    private static String bracketed(String name) {
        return name.startsWith("[") ? name : "[" + name + "]";
    }
}
