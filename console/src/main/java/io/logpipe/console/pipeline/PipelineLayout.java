package io.logpipe.console.pipeline;

import io.logpipe.indexer.config.Conditional;
import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.config.PipelineConfig;
import io.logpipe.indexer.config.PluginDefinition;
import io.logpipe.indexer.config.Setting;
import io.logpipe.indexer.config.Statement;
import io.logpipe.common.config.Variables;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What the pipeline files say the flow is: the Kafka topics and group the indexer reads, and the index patterns it
 * writes ({@code nginx.access-%{+YYYY.MM.dd}} is searched as {@code nginx.access-*}).
 */
public record PipelineLayout(List<String> topics, String group, List<String> indexPatterns, String problem) {
    private static final Pattern SPRINTF = Pattern.compile("%\\{[^}]*}");

    public static PipelineLayout read(String pathOrGlob, Function<String, String> environment) {
        PipelineConfig config;
        try {
            config = ConfigSource.fromPath(pathOrGlob);
        } catch (RuntimeException e) {
            return new PipelineLayout(List.of(), null, List.of(), e.getMessage());
        }
        Set<String> topics = new LinkedHashSet<>();
        Set<String> patterns = new LinkedHashSet<>();
        String group = null;
        for (PluginDefinition input : plugins(config.inputs())) {
            if (input.name().equals("kafka")) {
                for (Setting s : input.settings()) {
                    if (s.name().equals("topics")) {
                        values(s.value()).forEach(t -> topics.add(expand(t, environment)));
                    } else if (s.name().equals("group_id")) {
                        group = expand(String.valueOf(s.value()), environment);
                    }
                }
                if (group == null) {
                    group = "logstash";
                }
            }
        }
        for (PluginDefinition output : plugins(config.outputs())) {
            if (output.name().equals("elasticsearch")) {
                String index = "logstash-%{+yyyy.MM.dd}";
                for (Setting s : output.settings()) {
                    if (s.name().equals("index")) {
                        index = expand(String.valueOf(s.value()), environment);
                    }
                }
                patterns.add(SPRINTF.matcher(index).replaceAll("*").replaceAll("\\*+", "*"));
            }
        }
        return new PipelineLayout(List.copyOf(topics), group, List.copyOf(patterns), null);
    }

    private static List<PluginDefinition> plugins(List<Statement> statements) {
        List<PluginDefinition> out = new ArrayList<>();
        for (Statement s : statements) {
            if (s instanceof PluginDefinition p) {
                out.add(p);
            } else if (s instanceof Conditional c) {
                for (Conditional.Branch branch : c.branches()) {
                    out.addAll(plugins(branch.body()));
                }
                out.addAll(plugins(c.otherwise()));
            }
        }
        return out;
    }

    private static List<String> values(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(value));
    }

    /** An unset variable without default reads as empty here: the indexer itself reports it, with file:line. */
    private static String expand(String text, Function<String, String> environment) {
        try {
            return Variables.expand(text, environment);
        } catch (Variables.Unset e) {
            return "";
        }
    }
}
