package io.logpipe.indexer.plugins.filters;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.plugins.Filter;
import io.logpipe.indexer.plugins.PluginSettings;
import java.util.concurrent.ThreadLocalRandom;

/** Drops events (all, or {@code percentage} of them); a dropped event counts as handled for offset commits. */
public final class DropFilter implements Filter {
    private final double percentage;

    public DropFilter(PluginSettings settings) {
        this.percentage = settings.decimal("percentage", 100);
        if (percentage < 0 || percentage > 100) {
            throw settings.error("percentage", "expected 0 to 100");
        }
    }

    @Override
    public boolean filter(Event event) {
        if (percentage >= 100 || ThreadLocalRandom.current().nextDouble(100) < percentage) {
            event.cancel();
            return true;
        }
        return false;
    }
}
