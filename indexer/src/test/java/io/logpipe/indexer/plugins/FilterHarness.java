package io.logpipe.indexer.plugins;

import io.logpipe.indexer.config.ConfigParser;
import io.logpipe.indexer.config.PluginDefinition;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.plugins.filters.CommonFilterOptions;

/** Builds one filter from pipeline text, as the pipeline does, and runs it with its common options. */
public final class FilterHarness {
    private final Filter filter;
    private final CommonFilterOptions options;

    private FilterHarness(Filter filter, CommonFilterOptions options) {
        this.filter = filter;
        this.options = options;
    }

    /** {@code pluginText} is one filter, e.g. {@code mutate { lowercase => ["a"] }}. */
    public static FilterHarness of(String pluginText) {
        PluginDefinition definition = (PluginDefinition) ConfigParser.parse("test.conf",
                "filter {\n" + pluginText + "\n}").filters().get(0);
        PluginSettings settings = new PluginSettings("filter", definition);
        CommonFilterOptions options = new CommonFilterOptions(settings, definition.name());
        Filter filter = Plugins.filter(definition, settings);
        settings.rejectUnknown();
        return new FilterHarness(filter, options);
    }

    public Event run(Event event) {
        if (filter.filter(event)) {
            options.apply(event);
        }
        return event;
    }
}
