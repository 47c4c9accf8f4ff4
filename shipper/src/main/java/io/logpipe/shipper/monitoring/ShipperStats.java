package io.logpipe.shipper.monitoring;

import io.logpipe.shipper.event.AgentInfo;
import io.logpipe.shipper.input.Crawler;
import io.logpipe.shipper.output.KafkaOutput;
import io.logpipe.shipper.output.Output;
import io.logpipe.shipper.output.PublishWindow;
import io.logpipe.shipper.registry.Registry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shipper's figures as Filebeat's {@code GET /stats} names them, read from the counters the crawler, the publish
 * window and the output keep anyway (atomics, read without locks). Where Filebeat has a figure this shipper does
 * not produce (e.g. {@code libbeat.output.read.errors}: the Kafka client reads its own responses), it is 0. One
 * figure Filebeat lacks is added under {@code logpipe}: events acknowledged per second over the last 10 s.
 */
public final class ShipperStats {
    /** Samples of the acknowledged count, one a second: the rate is taken over the oldest and newest. */
    private static final int RATE_SAMPLES = 10;

    private final AgentInfo agent;
    private final String version;
    private final long startNanos;
    private final PublishWindow window;
    private final Crawler crawler;
    private final Registry registry;
    private final Output output;
    private final Deque<long[]> samples = new ArrayDeque<>();

    public ShipperStats(AgentInfo agent, String version, long startNanos, PublishWindow window, Crawler crawler,
                        Registry registry, Output output) {
        this.agent = agent;
        this.version = version;
        this.startNanos = startNanos;
        this.window = window;
        this.crawler = crawler;
        this.registry = registry;
        this.output = output;
    }

    /** {@code GET /}: who this is. */
    public Map<String, Object> info() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("beat", AgentInfo.TYPE);
        info.put("name", agent.name());
        info.put("hostname", agent.hostname());
        info.put("uuid", agent.id());
        info.put("ephemeral_id", agent.ephemeralId());
        info.put("version", version);
        info.put("compatible_version", AgentInfo.COMPATIBLE_VERSION);
        return info;
    }

    /** Records the acknowledged count now; called once a second. */
    synchronized void sample(long nowNanos) {
        samples.addLast(new long[] {nowNanos, window.shipped()});
        while (samples.size() > RATE_SAMPLES) {
            samples.removeFirst();
        }
    }

    /** Events acknowledged per second from the oldest sample kept (at most 10 s ago) to now. */
    synchronized double eventsPerSecond(long nowNanos) {
        if (samples.isEmpty()) {
            return 0;
        }
        long[] first = samples.peekFirst();
        double seconds = (nowNanos - first[0]) / 1e9;
        return seconds < 0.5 ? 0 : Math.round((window.shipped() - first[1]) / seconds * 10) / 10.0;
    }

    /** {@code GET /stats}. */
    public Map<String, Object> snapshot(long nowNanos) {
        long dropped = output instanceof KafkaOutput k ? k.dropped() : 0;
        // shipped() counts every event meant for the output, the ones dropped for want of a topic included
        long acked = window.shipped() - dropped;
        long filtered = window.acknowledged() - window.shipped();
        long handedOver = window.handedOver();
        long acknowledgedAll = window.acknowledged();
        long received = window.received();
        long failed = output instanceof KafkaOutput k ? k.failedRecords() : 0;
        long writeErrors = output instanceof KafkaOutput k ? k.clientErrors() : 0;

        Map<String, Object> outputEvents = new LinkedHashMap<>();
        outputEvents.put("acked", acked);
        outputEvents.put("active", Math.max(0, handedOver - acknowledgedAll));
        outputEvents.put("batches", window.batchesAcknowledged());
        outputEvents.put("dropped", dropped);
        outputEvents.put("failed", failed);
        outputEvents.put("total", handedOver);
        Map<String, Object> libbeatOutput = new LinkedHashMap<>();
        libbeatOutput.put("type", output instanceof KafkaOutput ? "kafka" : output.describe().split(" ")[0]);
        libbeatOutput.put("events", outputEvents);
        libbeatOutput.put("read", Map.of("errors", 0));
        libbeatOutput.put("write", Map.of("errors", writeErrors));

        Map<String, Object> pipelineEvents = new LinkedHashMap<>();
        pipelineEvents.put("active", Math.max(0, received - acknowledgedAll));
        pipelineEvents.put("dropped", dropped);
        pipelineEvents.put("failed", 0);
        pipelineEvents.put("filtered", Math.max(0, filtered));
        pipelineEvents.put("published", handedOver);
        pipelineEvents.put("total", received);

        Map<String, Object> libbeat = new LinkedHashMap<>();
        libbeat.put("output", libbeatOutput);
        libbeat.put("pipeline", Map.of("events", pipelineEvents));

        int open = crawler.openFiles();
        Map<String, Object> harvester = new LinkedHashMap<>();
        harvester.put("open_files", open);
        harvester.put("running", open);
        harvester.put("started", crawler.harvestersStarted());
        harvester.put("closed", crawler.harvestersClosed());
        Map<String, Object> filebeat = new LinkedHashMap<>();
        filebeat.put("events", Map.of("active", Math.max(0, received - acknowledgedAll), "added", received,
                "done", acknowledgedAll));
        filebeat.put("harvester", harvester);

        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("beat", beat(nowNanos));
        stats.put("filebeat", filebeat);
        stats.put("libbeat", libbeat);
        stats.put("registrar", Map.of("states", Map.of("current", registry.all().size())));
        stats.put("logpipe", Map.of("events_per_second", eventsPerSecond(nowNanos)));
        return stats;
    }

    private Map<String, Object> beat(long nowNanos) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        Map<String, Object> memstats = new LinkedHashMap<>();
        memstats.put("memory_alloc", heap.getUsed());
        memstats.put("memory_total", heap.getCommitted());
        memstats.put("memory_max", heap.getMax());
        memstats.put("rss", residentBytes());
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("ephemeral_id", agent.ephemeralId());
        info.put("uptime", Map.of("ms", (nowNanos - startNanos) / 1_000_000));
        info.put("version", version);
        Map<String, Object> beat = new LinkedHashMap<>();
        beat.put("info", info);
        beat.put("memstats", memstats);
        return beat;
    }

    /** Resident set size from /proc (Linux); 0 where there is none. */
    private static long residentBytes() {
        try {
            String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
            return Long.parseLong(statm[1]) * 4096;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
