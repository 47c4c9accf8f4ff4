package io.logpipe.indexer.plugins.filters;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.event.FieldReference;
import io.logpipe.indexer.event.Sprintf;
import io.logpipe.indexer.plugins.Filter;
import io.logpipe.indexer.plugins.PluginSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Logstash's mutate, its operations in Logstash's fixed order whatever order they are written in: rename, update,
 * replace, convert, gsub, uppercase, capitalize, lowercase, strip, split, join, merge, copy.
 */
public final class MutateFilter implements Filter {
    private record Gsub(FieldReference field, Pattern pattern, String replacement) {
    }

    private final Map<FieldReference, FieldReference> rename = new LinkedHashMap<>();
    private final Map<FieldReference, Sprintf> update = new LinkedHashMap<>();
    private final Map<FieldReference, Sprintf> replace = new LinkedHashMap<>();
    private final Map<FieldReference, String> convert = new LinkedHashMap<>();
    private final List<Gsub> gsub = new ArrayList<>();
    private final List<FieldReference> uppercase;
    private final List<FieldReference> capitalize;
    private final List<FieldReference> lowercase;
    private final List<FieldReference> strip;
    private final Map<FieldReference, String> split = new LinkedHashMap<>();
    private final Map<FieldReference, String> join = new LinkedHashMap<>();
    private final Map<FieldReference, FieldReference> merge = new LinkedHashMap<>();
    private final Map<FieldReference, FieldReference> copy = new LinkedHashMap<>();

    public MutateFilter(PluginSettings settings) {
        settings.stringHash("rename").forEach((from, to) -> rename.put(ref(settings, "rename", from), ref(settings, "rename", to)));
        settings.stringHash("update").forEach((field, value) -> update.put(ref(settings, "update", field), Sprintf.compile(value)));
        settings.stringHash("replace").forEach((field, value) -> replace.put(ref(settings, "replace", field), Sprintf.compile(value)));
        settings.stringHash("convert").forEach((field, type) -> {
            if (!List.of("integer", "integer_eu", "float", "float_eu", "string", "boolean").contains(type)) {
                throw settings.error("convert", "cannot convert '" + field + "' to '" + type
                        + "': expected integer, integer_eu, float, float_eu, string or boolean");
            }
            convert.put(ref(settings, "convert", field), type);
        });
        List<String> gsubArgs = settings.strings("gsub");
        if (gsubArgs.size() % 3 != 0) {
            throw settings.error("gsub", "expected triples of field, regexp, replacement but found "
                    + gsubArgs.size() + " values");
        }
        for (int i = 0; i < gsubArgs.size(); i += 3) {
            try {
                gsub.add(new Gsub(ref(settings, "gsub", gsubArgs.get(i)), Pattern.compile(gsubArgs.get(i + 1)),
                        rubyReplacement(gsubArgs.get(i + 2))));
            } catch (PatternSyntaxException e) {
                throw settings.error("gsub", "invalid regexp '" + gsubArgs.get(i + 1) + "': " + e.getDescription());
            }
        }
        uppercase = refs(settings, "uppercase");
        capitalize = refs(settings, "capitalize");
        lowercase = refs(settings, "lowercase");
        strip = refs(settings, "strip");
        settings.stringHash("split").forEach((field, separator) -> split.put(ref(settings, "split", field), separator));
        settings.stringHash("join").forEach((field, separator) -> join.put(ref(settings, "join", field), separator));
        settings.stringHash("merge").forEach((dest, src) -> merge.put(ref(settings, "merge", dest), ref(settings, "merge", src)));
        settings.stringHash("copy").forEach((src, dest) -> copy.put(ref(settings, "copy", src), ref(settings, "copy", dest)));
        settings.bool("coerce_ok", true);
        settings.strings("tag_on_failure");
    }

    private static FieldReference ref(PluginSettings settings, String name, String field) {
        return JsonFilter.reference(settings, name, field);
    }

    private static List<FieldReference> refs(PluginSettings settings, String name) {
        List<FieldReference> out = new ArrayList<>();
        settings.strings(name).forEach(f -> out.add(ref(settings, name, f)));
        return out;
    }

    /** Ruby's {@code \1} back-references become Java's {@code $1}; a literal {@code $} stays literal. */
    private static String rubyReplacement(String replacement) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if (c == '\\' && i + 1 < replacement.length() && Character.isDigit(replacement.charAt(i + 1))) {
                out.append('$').append(replacement.charAt(++i));
            } else if (c == '$' || c == '\\') {
                out.append('\\').append(c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public boolean filter(Event event) {
        rename.forEach((from, to) -> {
            if (event.includes(from)) {
                event.set(to, event.remove(from));
            }
        });
        update.forEach((field, value) -> {
            if (event.includes(field)) {
                event.set(field, value.apply(event));
            }
        });
        replace.forEach((field, value) -> event.set(field, value.apply(event)));
        convert.forEach((field, type) -> mapValues(event, field, v -> convert(v, type)));
        for (Gsub g : gsub) {
            mapValues(event, g.field(), v -> v instanceof String s ? g.pattern().matcher(s).replaceAll(g.replacement()) : v);
        }
        uppercase.forEach(f -> mapValues(event, f, v -> v instanceof String s ? s.toUpperCase(Locale.ROOT) : v));
        capitalize.forEach(f -> mapValues(event, f, v -> v instanceof String s && !s.isEmpty()
                ? s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT) : v));
        lowercase.forEach(f -> mapValues(event, f, v -> v instanceof String s ? s.toLowerCase(Locale.ROOT) : v));
        strip.forEach(f -> mapValues(event, f, v -> v instanceof String s ? s.strip() : v));
        split.forEach((field, separator) -> {
            if (event.get(field) instanceof String s) {
                event.set(field, new ArrayList<>(List.of(s.split(Pattern.quote(separator), -1))));
            }
        });
        join.forEach((field, separator) -> {
            if (event.get(field) instanceof List<?> list) {
                List<String> parts = new ArrayList<>();
                list.forEach(v -> parts.add(Sprintf.toText(v)));
                event.set(field, String.join(separator, parts));
            }
        });
        merge.forEach((dest, src) -> merge(event, dest, src));
        copy.forEach((src, dest) -> {
            if (event.includes(src)) {
                event.set(dest, EventJsonCopy.deepCopy(event.get(src)));
            }
        });
        return true;
    }

    /** Applies {@code f} to a field's value, or to each element when the value is an array. */
    private static void mapValues(Event event, FieldReference field, UnaryOperator<Object> f) {
        Object value = event.get(field);
        if (value == null) {
            return;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(f.apply(v)));
            event.set(field, out);
        } else {
            event.set(field, f.apply(value));
        }
    }

    static Object convert(Object value, String type) {
        String text = value instanceof String s ? s.strip() : String.valueOf(value);
        switch (type) {
            case "string":
                return value instanceof String ? value : Sprintf.toText(value);
            case "boolean":
                if (value instanceof Boolean) {
                    return value;
                }
                String lower = text.toLowerCase(Locale.ROOT);
                if (List.of("true", "t", "yes", "y", "1", "1.0").contains(lower)) {
                    return true;
                }
                if (List.of("false", "f", "no", "n", "0", "0.0").contains(lower)) {
                    return false;
                }
                return value;
            case "integer":
            case "integer_eu":
                if (value instanceof Boolean b) {
                    return b ? 1L : 0L;
                }
                if (value instanceof Number n) {
                    return n.longValue();
                }
                return parseNumber(type.endsWith("_eu") ? europeanToPlain(text) : text.replace(",", ""), true, value);
            default:
                if (value instanceof Boolean b) {
                    return b ? 1.0 : 0.0;
                }
                if (value instanceof Number n) {
                    return n.doubleValue();
                }
                return parseNumber(type.endsWith("_eu") ? europeanToPlain(text) : text.replace(",", ""), false, value);
        }
    }

    private static String europeanToPlain(String text) {
        return text.replace(".", "").replace(',', '.');
    }

    /** Like Ruby's to_i/to_f on the leading number; a value with no number stays as it was. */
    private static Object parseNumber(String text, boolean integer, Object original) {
        Matcher m = Pattern.compile("^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?").matcher(text);
        if (!m.find()) {
            return original;
        }
        double d = Double.parseDouble(m.group());
        return integer ? (Object) (long) d : (Object) d;
    }

    @SuppressWarnings("unchecked")
    private static void merge(Event event, FieldReference dest, FieldReference src) {
        Object from = event.get(src);
        Object to = event.get(dest);
        if (from == null) {
            return;
        }
        if (to == null) {
            event.set(dest, EventJsonCopy.deepCopy(from));
            return;
        }
        if (to instanceof Map<?, ?> toMap && from instanceof Map<?, ?> fromMap) {
            ((Map<String, Object>) toMap).putAll((Map<String, Object>) fromMap);
            return;
        }
        List<Object> merged = new ArrayList<>();
        if (to instanceof List<?> l) {
            merged.addAll(l);
        } else {
            merged.add(to);
        }
        if (from instanceof List<?> l) {
            merged.addAll(l);
        } else {
            merged.add(from);
        }
        event.set(dest, merged);
    }

    /** Deep copies through JSON-like structures so a copied field does not alias the original. */
    static final class EventJsonCopy {
        private EventJsonCopy() {
        }

        static Object deepCopy(Object value) {
            if (value instanceof Map<?, ?> || value instanceof List<?>) {
                return EventJson.MAPPER.convertValue(value, Object.class);
            }
            return value;
        }
    }
}
