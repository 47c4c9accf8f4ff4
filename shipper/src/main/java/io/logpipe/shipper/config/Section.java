package io.logpipe.shipper.config;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Variables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A group of flat settings (the whole file, or one input), which remembers which keys were read so that the rest
 * can be reported as unknown.
 */
public final class Section {
    private final String label;
    private final Map<String, Setting> entries;
    private final Set<String> read = new LinkedHashSet<>();

    Section(String label, Map<String, Setting> entries) {
        this.label = label;
        this.entries = entries;
    }

    Map<String, Setting> entries() {
        return entries;
    }

    /** This section with every {@code ${VAR}} looked up in {@code lookup} (the keystore, then the environment). */
    public Section withVariables(Variables.Lookup lookup) {
        Map<String, Setting> out = new LinkedHashMap<>();
        entries.forEach((k, v) -> out.put(k, v.withVariables(lookup)));
        return new Section(label, out);
    }

    /** "filebeat.inputs[0]" for an input; "" for the file itself. */
    public String label() {
        return label;
    }

    public Setting get(String key) {
        read.add(key);
        return entries.get(key);
    }

    public boolean has(String key) {
        return entries.containsKey(key) || hasGroup(key);
    }

    public boolean hasGroup(String prefix) {
        String p = prefix + ".";
        for (String k : entries.keySet()) {
            if (k.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    public <T> T get(String key, T fallback, Function<Setting, T> convert) {
        Setting s = get(key);
        return s == null ? fallback : convert.apply(s);
    }

    /** The first of several spellings that is set (filestream and log inputs name some settings differently). */
    public Setting first(String... keys) {
        Setting found = null;
        for (String k : keys) {
            Setting s = get(k);
            if (found == null && s != null) {
                found = s;
            }
        }
        return found;
    }

    /** Every key under {@code prefix.} rebuilt as nested plain data: {@code fields.a.b: 1} gives {a: {b: 1}}. */
    public Map<String, Object> group(String prefix) {
        Map<String, Object> out = new LinkedHashMap<>();
        String p = prefix + ".";
        Setting whole = get(prefix);
        if (whole != null && whole.node() instanceof MappingNode) {
            return out; // an empty mapping
        }
        if (whole != null && whole.plain() != null) {
            throw whole.invalid("expected a group of settings, e.g. " + prefix + ": {name: value}");
        }
        for (Map.Entry<String, Setting> e : entries.entrySet()) {
            if (!e.getKey().startsWith(p)) {
                continue;
            }
            read.add(e.getKey());
            String[] path = e.getKey().substring(p.length()).split("\\.");
            Map<String, Object> target = out;
            for (int i = 0; i < path.length - 1; i++) {
                Object next = target.computeIfAbsent(path[i], k -> new LinkedHashMap<String, Object>());
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) next;
                target = m;
            }
            target.put(path[path.length - 1], e.getValue().plain());
        }
        return out;
    }

    /** Keys under {@code prefix.} (the prefix removed) that the caller will interpret itself. */
    public Map<String, Setting> subkeys(String prefix) {
        Map<String, Setting> out = new LinkedHashMap<>();
        String p = prefix + ".";
        for (Map.Entry<String, Setting> e : entries.entrySet()) {
            if (e.getKey().startsWith(p)) {
                out.put(e.getKey().substring(p.length()), e.getValue());
            }
        }
        return out;
    }

    /** A list of mappings (filebeat.inputs, parsers), each as its own section. */
    public List<Section> sections(String key) {
        Setting s = get(key);
        List<Section> out = new ArrayList<>();
        if (s == null || s.plain() == null) {
            return out;
        }
        if (!(s.node() instanceof SequenceNode seq)) {
            throw s.invalid("expected a list (each item starting with '- ')");
        }
        int i = 0;
        for (Node item : seq.getValue()) {
            String itemLabel = (label.isEmpty() ? "" : label + ".") + key + "[" + i + "]";
            if (!(item instanceof MappingNode mapping)) {
                throw new ConfigException(ConfigFile.where(s.source(), item), itemLabel
                        + ": expected a mapping of settings");
            }
            Map<String, Setting> flat = new LinkedHashMap<>();
            ConfigFile.flatten("", mapping, s.source(), s.variables(), flat);
            out.add(new Section(itemLabel, relabel(itemLabel, flat)));
            i++;
        }
        return out;
    }

    private static Map<String, Setting> relabel(String itemLabel, Map<String, Setting> flat) {
        Map<String, Setting> out = new LinkedHashMap<>();
        flat.forEach((k, v) -> out.put(k, new Setting(itemLabel + "." + k, v.node(), v.source(), v.variables())));
        return out;
    }

    /** Keys never read: unknown to this shipper. */
    public List<Setting> unread() {
        List<Setting> out = new ArrayList<>();
        for (Map.Entry<String, Setting> e : entries.entrySet()) {
            if (!read.contains(e.getKey())) {
                out.add(e.getValue());
            }
        }
        return out;
    }

    /** Marks keys as read without interpreting them (settings accepted for compatibility but without effect). */
    public List<Setting> consume(String prefix) {
        List<Setting> out = new ArrayList<>();
        for (Map.Entry<String, Setting> e : entries.entrySet()) {
            if (e.getKey().equals(prefix) || e.getKey().startsWith(prefix + ".")) {
                read.add(e.getKey());
                out.add(e.getValue());
            }
        }
        return out;
    }
}
