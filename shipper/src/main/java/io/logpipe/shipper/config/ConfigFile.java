package io.logpipe.shipper.config;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Variables;
import io.logpipe.common.config.YamlFile;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a filebeat.yml into flat dotted keys. filebeat.yml lets {@code output.kafka.hosts} be written nested or
 * dotted, or any mix, so both spellings are flattened to the same key; every leaf keeps its YAML node so errors can
 * point at {@code file:line:column}.
 */
public final class ConfigFile {
    private ConfigFile() {
    }

    /** Parses {@code file}; YAML syntax errors become {@link ConfigException}s at {@code file:line:column}. */
    public static Section load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    public static Section parse(String source, String text) {
        Node root = compose(source, new StringReader(text));
        Map<String, Setting> flat = new LinkedHashMap<>();
        if (root != null) {
            if (!(root instanceof MappingNode mapping)) {
                throw new ConfigException(where(source, root), "the configuration must be a mapping of settings");
            }
            flatten("", mapping, source, Variables.Lookup.environment(), flat);
        }
        return new Section("", flat);
    }

    /** Applies one {@code -E key=value} override; the value is YAML ({@code -E 'output.kafka.hosts=["h:9092"]'}). */
    public static void override(Section root, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("-E " + assignment + ": expected key=value");
        }
        String key = assignment.substring(0, eq).trim();
        String source = "-E " + assignment;
        Node value = compose(source, new StringReader(assignment.substring(eq + 1)));
        if (value == null) {
            value = new ScalarNode(Tag.NULL, "", null, null, org.yaml.snakeyaml.DumperOptions.ScalarStyle.PLAIN);
        }
        Map<String, Setting> flat = root.entries();
        flat.keySet().removeIf(k -> k.equals(key) || k.startsWith(key + "."));
        if (value instanceof MappingNode mapping) {
            flatten(key + ".", mapping, source, Variables.Lookup.environment(), flat);
        } else {
            flat.put(key, new Setting(key, value, source, Variables.Lookup.environment()));
        }
    }

    private static Node compose(String source, Reader reader) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        return YamlFile.compose(source, reader, options);
    }

    static void flatten(String prefix, MappingNode mapping, String source, Variables.Lookup variables,
                        Map<String, Setting> out) {
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                throw new ConfigException(where(source, tuple.getKeyNode()), "a setting name must be a plain word");
            }
            String key = prefix + keyNode.getValue();
            Node value = tuple.getValueNode();
            if (value instanceof MappingNode nested && !nested.getValue().isEmpty()) {
                flatten(key + ".", nested, source, variables, out);
                continue;
            }
            Setting previous = out.put(key, new Setting(key, value, source, variables));
            if (previous != null) {
                throw new ConfigException(where(source, keyNode), key + " is set twice (first at "
                        + previous.where() + ")");
            }
            for (String existing : out.keySet()) {
                if (existing.startsWith(key + ".") || key.startsWith(existing + ".")) {
                    if (!existing.equals(key)) {
                        throw new ConfigException(where(source, keyNode), key + " conflicts with " + existing
                                + " (one is a value, the other a group of settings)");
                    }
                }
            }
        }
    }

    static String where(String source, Node node) {
        if (source.startsWith("-E ") || node == null || node.getStartMark() == null) {
            return source;
        }
        return where(source, node.getStartMark());
    }

    static String where(String source, Mark mark) {
        return YamlFile.where(source, mark);
    }

    /** YAML node to plain Java data, resolving scalars by their YAML tag (so {@code 8} is a number, not text). */
    static Object plain(Node node, Setting owner) {
        if (node instanceof ScalarNode scalar) {
            Tag tag = scalar.getTag();
            String raw = owner.expand(scalar.getValue());
            if (tag.equals(Tag.NULL)) {
                return null;
            }
            if (tag.equals(Tag.BOOL)) {
                return Boolean.valueOf(raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("yes")
                        || raw.equalsIgnoreCase("on"));
            }
            if (tag.equals(Tag.INT)) {
                try {
                    return Long.parseLong(raw);
                } catch (NumberFormatException e) {
                    return raw;
                }
            }
            if (tag.equals(Tag.FLOAT)) {
                try {
                    return Double.parseDouble(raw);
                } catch (NumberFormatException e) {
                    return raw;
                }
            }
            return raw;
        }
        if (node instanceof SequenceNode seq) {
            List<Object> list = new ArrayList<>();
            for (Node item : seq.getValue()) {
                list.add(plain(item, owner));
            }
            return list;
        }
        MappingNode mapping = (MappingNode) node;
        Map<String, Object> map = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = tuple.getKeyNode() instanceof ScalarNode k ? k.getValue() : String.valueOf(tuple.getKeyNode());
            map.put(key, plain(tuple.getValueNode(), owner));
        }
        return map;
    }
}
