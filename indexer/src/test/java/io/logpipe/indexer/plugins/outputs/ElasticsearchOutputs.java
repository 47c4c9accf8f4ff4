package io.logpipe.indexer.plugins.outputs;

import io.logpipe.indexer.config.ConfigParser;
import io.logpipe.indexer.config.PluginDefinition;
import io.logpipe.indexer.dlq.DeadLetterQueue;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.plugins.PluginContext;
import io.logpipe.indexer.plugins.PluginSettings;
import io.logpipe.indexer.plugins.PluginStats;
import io.logpipe.indexer.plugins.Plugins;
import io.logpipe.testkit.Wait;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** What the elasticsearch output tests share: an output made from its settings, and a write left retrying. */
final class ElasticsearchOutputs {
    private ElasticsearchOutputs() {
    }

    /** The output {@code output { elasticsearch { SETTINGS } }} makes, with unknown settings refused as at start. */
    static ElasticsearchOutput create(String settings, Path data) {
        PluginDefinition definition = (PluginDefinition) ConfigParser.parse("test.conf",
                "output { elasticsearch { " + settings + " } }").outputs().get(0);
        PluginSettings pluginSettings = new PluginSettings("output", definition);
        ElasticsearchOutput output = (ElasticsearchOutput) Plugins.output(definition, pluginSettings,
                new PluginContext("main", new DeadLetterQueue(data, "main"),
                        new PluginStats("elasticsearch_1", "elasticsearch")));
        pluginSettings.rejectUnknown();
        return output;
    }

    /** A write on its own thread that cannot succeed: the test looks at it while it retries, then interrupts it. */
    static final class PendingWrite {
        private final Thread writer;
        private final AtomicReference<Throwable> outcome = new AtomicReference<>();

        PendingWrite(ElasticsearchOutput output, List<Event> events) {
            writer = new Thread(() -> {
                try {
                    output.write(events);
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            writer.start();
        }

        /** Waits (up to 30 s) until the output has retried {@code count} times; true if the write is still going. */
        boolean stillRetryingAfter(ElasticsearchOutput output, int count) {
            Wait.until(count + " retries", Duration.ofSeconds(30), () -> output.retries() >= count);
            return writer.isAlive();
        }

        /** Interrupts the write (as a shutdown does) and returns how it ended. */
        Throwable interrupt() throws InterruptedException {
            writer.interrupt();
            writer.join(10_000);
            return outcome.get();
        }
    }
}
