package io.logpipe.indexer.plugins;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one plugin of a pipeline reports on {@code /_node/stats/pipelines}, kept by the plugin it describes. The
 * pipeline records the events it hands the plugin and gets back, and the time the plugin held them; the plugin
 * itself records what only it sees: events sent again after a transient failure ({@code retries}: Elasticsearch
 * down, 429, an I/O error), events it could never deliver and dead-lettered ({@code failures}, Logstash's
 * non-retryable failures), why the last of those happened, and for an input reading a partitioned log its lag per
 * partition.
 */
public final class PluginStats {
    private final String id;
    private final String name;
    private final LongAdder in = new LongAdder();
    private final LongAdder out = new LongAdder();
    private final LongAdder nanos = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final Map<String, Long> lag = new ConcurrentHashMap<>();
    private volatile String lastFailure;

    public PluginStats(String id, String name) {
        this.id = id;
        this.name = name;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public void received(long events) {
        in.add(events);
    }

    public void emitted(long events) {
        out.add(events);
    }

    public void spent(long elapsedNanos) {
        nanos.add(elapsedNanos);
    }

    /** {@code events} are sent again because of {@code why}. */
    public void retried(long events, String why) {
        retries.add(events);
        lastFailure = why;
    }

    /** {@code events} can never be delivered ({@code why}) and were put aside (the dead-letter queue). */
    public void failed(long events, String why) {
        failures.add(events);
        lastFailure = why;
    }

    /** The lag of one partition ({@code topic-partition}): its end offset minus the next offset to commit. */
    public void lag(String partition, long behind) {
        lag.put(partition, behind);
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

    public long retries() {
        return retries.sum();
    }

    public long failures() {
        return failures.sum();
    }

    /** Why the last retry or failure happened, or null when there was none. */
    public String lastFailure() {
        return lastFailure;
    }

    public Map<String, Long> lag() {
        return new TreeMap<>(lag);
    }

    /**
     * Logstash's plugin entry ({@code id}, {@code name}, {@code events.in/out/duration_in_millis}), extended with
     * {@code retries}, {@code failures} and {@code last_failure} (null until there is one), and {@code consumer_lag}
     * for inputs that have one.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> plugin = new LinkedHashMap<>();
        plugin.put("id", id);
        plugin.put("name", name);
        Map<String, Object> events = new LinkedHashMap<>();
        events.put("in", in());
        events.put("out", out());
        events.put("duration_in_millis", durationMillis());
        plugin.put("events", events);
        plugin.put("retries", retries());
        plugin.put("failures", failures());
        plugin.put("last_failure", lastFailure);
        if (!lag.isEmpty()) {
            plugin.put("consumer_lag", lag());
        }
        return plugin;
    }
}
