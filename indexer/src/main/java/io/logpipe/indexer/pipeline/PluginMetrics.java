package io.logpipe.indexer.pipeline;

import java.util.concurrent.atomic.LongAdder;

/** Events in and out of one plugin, and the time spent in it, as /_node/stats/pipelines reports them. */
public final class PluginMetrics {
    private final String id;
    private final String name;
    final LongAdder in = new LongAdder();
    final LongAdder out = new LongAdder();
    final LongAdder nanos = new LongAdder();

    PluginMetrics(String id, String name) {
        this.id = id;
        this.name = name;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public long in() {
        return in.sum();
    }

    public long out() {
        return out.sum();
    }

    public long durationMillis() {
        return nanos.sum() / 1_000_000;
    }
}
