package io.logpipe.indexer.plugins;

import io.logpipe.indexer.config.BareWord;
import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Location;
import io.logpipe.indexer.config.PluginDefinition;
import io.logpipe.indexer.plugins.codecs.JsonCodec;
import io.logpipe.indexer.plugins.codecs.JsonLinesCodec;
import io.logpipe.indexer.plugins.codecs.LineCodec;
import io.logpipe.indexer.plugins.codecs.PlainCodec;
import io.logpipe.indexer.plugins.codecs.RubydebugCodec;
import io.logpipe.indexer.plugins.filters.DateFilter;
import io.logpipe.indexer.plugins.filters.DropFilter;
import io.logpipe.indexer.plugins.filters.GrokFilter;
import io.logpipe.indexer.plugins.filters.JsonFilter;
import io.logpipe.indexer.plugins.filters.MutateFilter;
import io.logpipe.indexer.plugins.inputs.KafkaInput;
import io.logpipe.indexer.plugins.outputs.ElasticsearchOutput;
import io.logpipe.indexer.plugins.outputs.FileOutput;
import io.logpipe.indexer.plugins.outputs.StdoutOutput;
import java.util.List;
import java.util.function.Function;

/** The plugins the indexer knows, by the names pipeline files use; anything else is an error at start. */
public final class Plugins {
    public static final List<String> INPUTS = List.of("kafka");
    public static final List<String> FILTERS = List.of("date", "drop", "grok", "json", "mutate");
    public static final List<String> OUTPUTS = List.of("elasticsearch", "file", "stdout");
    public static final List<String> CODECS = List.of("json", "json_lines", "line", "plain", "rubydebug");

    private Plugins() {
    }

    /** Builds a filter; its common options are read into {@code common}. */
    public static Filter filter(PluginDefinition definition, PluginSettings settings) {
        Function<PluginSettings, Filter> factory = switch (definition.name()) {
            case "date" -> DateFilter::new;
            case "drop" -> DropFilter::new;
            case "grok" -> GrokFilter::new;
            case "json" -> JsonFilter::new;
            case "mutate" -> MutateFilter::new;
            default -> throw unknown("filter", definition, FILTERS);
        };
        return factory.apply(settings);
    }

    public static Output output(PluginDefinition definition, PluginSettings settings, PluginContext context) {
        Output output = switch (definition.name()) {
            case "elasticsearch" -> new ElasticsearchOutput(settings, context);
            case "file" -> new FileOutput(settings, codec(settings, "json_lines"));
            case "stdout" -> new StdoutOutput(codec(settings, "rubydebug"));
            default -> throw unknown("output", definition, OUTPUTS);
        };
        commonOutputSettings(settings);
        return output;
    }

    public static Input input(PluginDefinition definition, PluginSettings settings, PluginContext context) {
        if (!definition.name().equals("kafka")) {
            throw unknown("input", definition, INPUTS);
        }
        return new KafkaInput(settings, codec(settings, "plain"), context);
    }

    public static void checkKnown(String kind, PluginDefinition definition) {
        List<String> known = switch (kind) {
            case "input" -> INPUTS;
            case "filter" -> FILTERS;
            default -> OUTPUTS;
        };
        if (!known.contains(definition.name())) {
            throw unknown(kind, definition, known);
        }
    }

    private static void commonOutputSettings(PluginSettings settings) {
        settings.string("id", null);
        settings.bool("enable_metric", true);
        settings.number("workers", 1);
    }

    private static ConfigException unknown(String kind, PluginDefinition definition, List<String> known) {
        return new ConfigException(definition.location(), "unknown " + kind + " plugin '" + definition.name()
                + "'; available: " + String.join(", ", known));
    }

    /** The plugin's {@code codec} setting ({@code codec => json} or {@code codec => line { format => ... }}). */
    public static Codec codec(PluginSettings settings, String defaultCodec) {
        Object value = settings.raw("codec");
        if (value == null) {
            return codec(defaultCodec, new PluginSettings("codec", new PluginDefinition(defaultCodec, List.of(),
                    settings.location())));
        }
        PluginDefinition definition;
        if (value instanceof PluginDefinition p) {
            definition = p;
        } else if (value instanceof BareWord || value instanceof String) {
            definition = new PluginDefinition(value.toString(), List.of(), settings.location("codec"));
        } else {
            throw settings.error("codec", "expected a codec name like json or json { ... }");
        }
        PluginSettings codecSettings = new PluginSettings("codec", definition);
        Codec codec = codec(definition.name(), codecSettings);
        codecSettings.rejectUnknown();
        return codec;
    }

    private static Codec codec(String name, PluginSettings settings) {
        settings.string("charset", "UTF-8");
        settings.string("id", null);
        settings.bool("enable_metric", true);
        return switch (name) {
            case "json" -> new JsonCodec();
            case "json_lines" -> {
                settings.string("delimiter", "\n");
                yield new JsonLinesCodec();
            }
            case "plain" -> new PlainCodec(settings.string("format", null));
            case "line" -> new LineCodec(settings.string("format", null), settings.string("delimiter", "\n"));
            case "rubydebug" -> new RubydebugCodec(settings.bool("metadata", false));
            default -> throw new ConfigException(new Location(settings.location().source(), settings.location().line(),
                    settings.location().column()), "unknown codec '" + name + "'; available: " + String.join(", ", CODECS));
        };
    }
}
