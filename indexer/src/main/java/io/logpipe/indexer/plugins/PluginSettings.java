package io.logpipe.indexer.plugins;

import io.logpipe.indexer.config.BareWord;
import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Location;
import io.logpipe.indexer.config.PluginDefinition;
import io.logpipe.indexer.config.Setting;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A plugin's {@code key => value} settings with typed getters. Getters remember what they were asked for, so after
 * a plugin has read its settings, {@link #rejectUnknown()} turns any other key into an error at start, with its
 * {@code file:line:column}.
 */
public final class PluginSettings {
    private final String kind;
    private final PluginDefinition definition;
    private final Map<String, Setting> settings = new LinkedHashMap<>();
    private final Set<String> read = new HashSet<>();

    public PluginSettings(String kind, PluginDefinition definition) {
        this.kind = kind;
        this.definition = definition;
        for (Setting setting : definition.settings()) {
            Setting previous = settings.get(setting.name());
            settings.put(setting.name(), previous == null ? setting : combine(previous, setting));
        }
    }

    /** A key written twice: hashes merge and arrays concatenate (add_field twice works), otherwise the last wins. */
    @SuppressWarnings("unchecked")
    private static Setting combine(Setting first, Setting second) {
        if (first.value() instanceof Map<?, ?> a && second.value() instanceof Map<?, ?> b) {
            Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) a);
            merged.putAll((Map<String, Object>) b);
            return new Setting(first.name(), merged, second.location());
        }
        if (first.value() instanceof List<?> a && second.value() instanceof List<?> b) {
            List<Object> merged = new ArrayList<>(a);
            merged.addAll(b);
            return new Setting(first.name(), merged, second.location());
        }
        return second;
    }

    public String pluginName() {
        return definition.name();
    }

    public String kind() {
        return kind;
    }

    public Location location() {
        return definition.location();
    }

    public Location location(String name) {
        Setting setting = settings.get(name);
        return setting == null ? definition.location() : setting.location();
    }

    public boolean has(String name) {
        read.add(name);
        return settings.containsKey(name);
    }

    public Object raw(String name) {
        read.add(name);
        Setting setting = settings.get(name);
        return setting == null ? null : setting.value();
    }

    public ConfigException error(String name, String message) {
        return new ConfigException(location(name), kind + " '" + pluginName() + "' setting '" + name + "': " + message);
    }

    public String string(String name, String defaultValue) {
        Object value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof String || value instanceof BareWord || value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        throw error(name, "expected a string but found " + describe(value));
    }

    public String requiredString(String name) {
        String value = string(name, null);
        if (value == null) {
            throw new ConfigException(location(), kind + " '" + pluginName() + "' requires the setting '" + name + "'");
        }
        return value;
    }

    public String oneOf(String name, String defaultValue, String... allowed) {
        String value = string(name, defaultValue);
        if (value != null && !List.of(allowed).contains(value)) {
            throw error(name, "expected one of " + String.join(", ", allowed) + " but found '" + value + "'");
        }
        return value;
    }

    public long number(String name, long defaultValue) {
        Object value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                // fall through to the error
            }
        }
        throw error(name, "expected a whole number but found " + describe(value));
    }

    public double decimal(String name, double defaultValue) {
        Object value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw error(name, "expected a number but found " + describe(value));
    }

    public boolean bool(String name, boolean defaultValue) {
        Object value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString();
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw error(name, "expected true or false but found " + describe(value));
    }

    /** A string or an array of strings, as a list. */
    public List<String> strings(String name) {
        Object value = raw(name);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            for (Object element : list) {
                if (element instanceof List<?> || element instanceof Map<?, ?>) {
                    throw error(name, "expected strings in the array but found " + describe(element));
                }
                out.add(element.toString());
            }
            return out;
        }
        if (value instanceof Map<?, ?>) {
            throw error(name, "expected a string or an array but found a hash");
        }
        return List.of(value.toString());
    }

    public List<String> strings(String name, List<String> defaultValue) {
        return has(name) ? strings(name) : defaultValue;
    }

    /** A hash (or, as Logstash also accepts, an array of key, value pairs) with string keys and values kept as written. */
    public Map<String, Object> hash(String name) {
        Object value = raw(name);
        if (value == null) {
            return Map.of();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k.toString(), v instanceof BareWord w ? w.word() : v));
            return out;
        }
        if (value instanceof List<?> list && list.size() % 2 == 0) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < list.size(); i += 2) {
                out.put(list.get(i).toString(), list.get(i + 1));
            }
            return out;
        }
        throw error(name, "expected a hash like { \"key\" => \"value\" } but found " + describe(value));
    }

    /** A hash whose values must be strings. */
    public Map<String, String> stringHash(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        hash(name).forEach((k, v) -> {
            if (v instanceof List<?> || v instanceof Map<?, ?>) {
                throw error(name, "expected a string value for '" + k + "' but found " + describe(v));
            }
            out.put(k, v.toString());
        });
        return out;
    }

    /** Fails on any setting no getter asked for: unknown settings are errors at start. */
    public void rejectUnknown() {
        for (Setting setting : settings.values()) {
            if (!read.contains(setting.name())) {
                throw new ConfigException(setting.location(), "unknown setting '" + setting.name() + "' for " + kind
                        + " '" + pluginName() + "'; valid settings are: " + String.join(", ", new TreeSet<>(read)));
            }
        }
    }

    static String describe(Object value) {
        if (value instanceof List<?>) {
            return "an array";
        }
        if (value instanceof Map<?, ?>) {
            return "a hash";
        }
        if (value instanceof PluginDefinition p) {
            return "a plugin block '" + p.name() + " { ... }'";
        }
        if (value instanceof String s) {
            return "\"" + s + "\"";
        }
        return String.valueOf(value);
    }
}
