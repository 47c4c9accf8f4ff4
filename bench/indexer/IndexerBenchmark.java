package io.logpipe.indexer.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.util.BinaryData;
import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.pipeline.NginxEvents;
import io.logpipe.indexer.pipeline.Pipeline;
import io.logpipe.indexer.pipeline.PipelineSettings;
import io.logpipe.indexer.plugins.codecs.JsonCodec;
import io.logpipe.indexer.plugins.outputs.IndexTemplate;
import io.logpipe.shipper.event.AgentInfo;
import io.logpipe.shipper.event.EventEncoder;
import io.logpipe.shipper.event.InputFields;
import io.logpipe.shipper.registry.FileIdentity;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Events/s from a pre-loaded topic of JSON events into Elasticsearch: by default nginx access lines as the shipper's
 * own {@link EventEncoder} writes them (with {@code @metadata} and its {@code _id}, multiline and truncated flags,
 * {@code fields} and, for every other event, fields at the root as {@code fields_under_root} puts them), or
 * ({@code source=nginx}) the flat nginx-style fixture without {@code @metadata}. The indexer (kafka input, json
 * codec, elasticsearch output with a date-suffixed index) beside its anchor, plain loops sending the same documents
 * (byte for byte what the indexer writes, @version included) straight to the same node in bulk requests of the same size, as many loops in parallel as the indexer has workers
 * (so both keep the same number of bulk requests in flight), with the same document ids (the event's
 * {@code [@metadata][_id]}, else topic-partition-offset) and, unless {@code template=false}, into indices under the
 * same index template as the indexer's output installs. An unmeasured warm-up pass first; the order
 * alternates between rounds; medians and the ratio are printed.
 *
 * <p>Settings (system properties): events (1000000), bulk (1000), rounds (3), partitions (4), workers (2),
 * source (shipper or nginx), template (true: manage_template; false: neither side has a template).
 */
public final class IndexerBenchmark {
    public static void main(String[] args) throws Exception {
        int events = Integer.getInteger("events", 1_000_000);
        int bulk = Integer.getInteger("bulk", 1000);
        int rounds = Integer.getInteger("rounds", 3);
        int partitions = Integer.getInteger("partitions", 4);
        int workers = Integer.getInteger("workers", 2);
        String source = System.getProperty("source", "shipper");
        boolean template = Boolean.parseBoolean(System.getProperty("template", "true"));
        if (!source.equals("shipper") && !source.equals("nginx")) {
            throw new IllegalArgumentException("source must be shipper or nginx, not " + source);
        }
        System.out.printf("indexer benchmark: %,d events (%s), bulk size %d, %d round(s), %d partitions, %d workers,"
                + " index template %s%n", events, source.equals("shipper") ? "made by the shipper's EventEncoder"
                : "flat nginx fixture", bulk, rounds, partitions, workers, template ? "on" : "off");

        KafkaBroker broker = KafkaBroker.shared();
        ElasticsearchNode node = ElasticsearchNode.shared();
        ElasticsearchClient client = node.client();
        Instant start = Instant.parse("2024-07-01T00:00:00Z");
        // 1 event per 200 ms: the 1M events span about 2.3 days, so the index is date-suffixed for real.
        List<byte[]> documents = source.equals("shipper") ? ShippedEvents.make(events, start, 200)
                : nginxFixture(events, start);
        // The anchor sends exactly the documents the indexer writes: the JSON codec's event (with @version, and
        // @timestamp in Logstash's format, @metadata cut out) as the elasticsearch output serializes it, with the id
        // the output gives it, made here, outside the timing.
        List<byte[]> indexed = new ArrayList<>(events);
        List<String> ids = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            int record = i;
            new JsonCodec().decode(documents.get(i), event -> {
                indexed.add(EventJson.toJsonBytes(event));
                ids.add(event.get("[@metadata][_id]") instanceof String own && !own.isEmpty() ? own
                        : "bench-" + (record % partitions) + "-" + (record / partitions)); // as the producer spreads them
            });
        }
        if (template) {
            IndexTemplate.standard("anchor", "anchor-*", true).install(client);
        }
        broker.createTopic("bench", partitions);
        long loadStart = System.nanoTime();
        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrapServers());
        props.put("linger.ms", "20");
        props.put("batch.size", String.valueOf(512 * 1024));
        props.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                producer.send(new ProducerRecord<>("bench", i % partitions, null, documents.get(i)));
                if (i > 0 && i % 200_000 == 0) {
                    System.out.printf("  pre-loading the topic: %,d events%n", i);
                }
            }
            producer.flush();
        }
        System.out.printf("  topic pre-loaded in %.1f s%n", (System.nanoTime() - loadStart) / 1e9);

        // A fresh node indexes much slower for its first few hundred thousand documents (JIT, mappings): warm it up
        // unmeasured, so the first round does not favour whoever runs second.
        deleteIndices(client);
        double warm = anchor(client, indexed.subList(0, events / 2), ids, bulk, workers);
        System.out.printf("  warm-up (not counted): plain bulk loop %,.0f events/s%n", warm);

        double[] anchor = new double[rounds];
        double[] indexer = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            // the order alternates between rounds, like the other benchmarks
            for (boolean anchorTurn : round % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                deleteIndices(client);
                double esCpu = cpuSeconds(node.process().orElse(null));
                double ownCpu = cpuSeconds(ProcessHandle.current());
                double rate;
                if (anchorTurn) {
                    rate = anchor[round] = anchor(client, indexed, ids, bulk, workers);
                } else {
                    rate = indexer[round] = indexer(broker, node, events, bulk, workers, "bench-group-" + round, template);
                }
                // CPU per 1000 events: Elasticsearch's, and this JVM's (the bulk loop, or the whole indexer)
                System.out.printf("  round %d: %-15s %,.0f events/s   cpu s/1000 events: elasticsearch %.3f, %s %.3f%n",
                        round + 1, anchorTurn ? "plain bulk loop" : "indexer", rate,
                        (cpuSeconds(node.process().orElse(null)) - esCpu) * 1000 / events,
                        anchorTurn ? "bulk loop" : "indexer", (cpuSeconds(ProcessHandle.current()) - ownCpu) * 1000 / events);
            }
        }
        double anchorMedian = median(anchor);
        double indexerMedian = median(indexer);
        double[] ratios = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            ratios[round] = indexer[round] / anchor[round];
        }
        System.out.printf("%nmedian events/s: indexer %,.0f, plain bulk loop %,.0f, ratio %.2fx"
                + " (target >= 0.95x, issue 20)%n", indexerMedian, anchorMedian, indexerMedian / anchorMedian);
        // Each round's two runs are back to back: their ratio is less exposed to the machine's load changing.
        System.out.printf("per-round ratios %s, median %.2fx%n", Arrays.toString(Arrays.stream(ratios)
                .mapToObj(r -> String.format("%.2f", r)).toArray()), median(ratios));
        client._transport().close();
        System.exit(0);
    }

    /** {@code threads} plain loops (as many as the indexer has workers), each sending every threads-th bulk. */
    private static double anchor(ElasticsearchClient client, List<byte[]> documents, List<String> ids, int bulk,
                                 int threads)
            throws Exception {
        long t0 = System.nanoTime();
        List<Thread> loops = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread loop = new Thread(() -> {
                try {
                    bulkLoop(client, documents, ids, bulk, first, threads);
                } catch (Exception e) {
                    failure.set(e);
                }
            });
            loops.add(loop);
            loop.start();
        }
        for (Thread loop : loops) {
            loop.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return documents.size() / ((System.nanoTime() - t0) / 1e9);
    }

    private static void bulkLoop(ElasticsearchClient client, List<byte[]> documents, List<String> ids, int bulk,
                                 int first, int stride)
            throws Exception {
        for (int from = first * bulk; from < documents.size(); from += bulk * stride) {
            List<BulkOperation> operations = new ArrayList<>(bulk);
            for (int i = from; i < Math.min(documents.size(), from + bulk); i++) {
                BinaryData body = BinaryData.of(documents.get(i), "application/json");
                String index = "anchor-" + dayOf(i);
                String id = ids.get(i);
                operations.add(BulkOperation.of(op -> op.index(x -> x.index(index).id(id).document(body))));
            }
            BulkResponse response = client.bulk(b -> b.operations(operations));
            if (response.errors()) {
                throw new IllegalStateException("anchor bulk had item errors: " + response.items().stream()
                        .filter(item -> item.error() != null).findFirst().map(item -> item.error().reason()).orElse(""));
            }
        }
    }

    private static String dayOf(int i) {
        // Events are 200 ms apart from 2024-07-01T00:00Z: 432,000 per day.
        return "2024.07.0" + (1 + i / 432_000);
    }

    private static double indexer(KafkaBroker broker, ElasticsearchNode node, int events, int bulk, int workers,
                                  String group, boolean template) throws Exception {
        Path data = Files.createTempDirectory("indexer-bench");
        String config = """
                input { kafka { bootstrap_servers => "%s" topics => ["bench"] group_id => "%s"
                                auto_offset_reset => "earliest" codec => json max_poll_records => %d } }
                output { elasticsearch { hosts => ["%s"] index => "bench-%%{+YYYY.MM.dd}" manage_template => %s } }
                """.formatted(broker.bootstrapServers(), group, Math.max(500, bulk), node.url(), template);
        Pipeline pipeline = new Pipeline(ConfigSource.fromString(config), new PipelineSettings("bench", workers, bulk, 50, data));
        long t0 = System.nanoTime();
        pipeline.start();
        long lastPrint = t0;
        while (pipeline.eventsOut() < events) {
            Thread.sleep(20);
            if (System.nanoTime() - lastPrint > 10_000_000_000L) {
                lastPrint = System.nanoTime();
                System.out.printf("    indexer progress: %,d / %,d%n", pipeline.eventsOut(), events);
            }
        }
        double rate = events / ((System.nanoTime() - t0) / 1e9);
        pipeline.stop();
        return rate;
    }

    private static List<byte[]> nginxFixture(int events, Instant start) {
        List<byte[]> documents = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            documents.add(NginxEvents.json(i, start, 200).getBytes(StandardCharsets.UTF_8));
        }
        return documents;
    }

    /**
     * nginx access lines as the shipper publishes them: its own encoder, two inputs (one with {@code fields}, one with
     * {@code fields_under_root}), a stack-trace-like multiline event every 10th and a truncated one every 50th.
     */
    static final class ShippedEvents {
        private static final String[] PATHS = {"/", "/index.html", "/api/v1/items?page=2", "/static/app.js", "/login"};
        private static final String[] AGENTS = {"Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "Googlebot/2.1"};

        static List<byte[]> make(int events, Instant start, long stepMillis) {
            EventEncoder encoder = new EventEncoder(new AgentInfo("web-1", "web-1.example", "agent-1", "eph-1",
                    AgentInfo.COMPATIBLE_VERSION));
            InputFields withFields = new InputFields("log", Map.of("log_topic", "nginx", "env", "prod"), Map.of(),
                    List.of("nginx"), null);
            InputFields underRoot = new InputFields("log", Map.of(), Map.of("service", Map.of("name", "shop"),
                    "env", "prod"), List.of("nginx", "shop"), null);
            FileIdentity file = new FileIdentity(64768, 131077, FileIdentity.FINGERPRINT_BYTES, 0x5eedL);
            List<byte[]> out = new ArrayList<>(events);
            long offset = 0;
            for (int i = 0; i < events; i++) {
                Instant timestamp = start.plusMillis(i * stepMillis);
                int status = i % 17 == 0 ? 404 : i % 31 == 0 ? 500 : 200;
                String line = "10.0." + (i % 250) + "." + (i % 200) + " - - [" + timestamp + "] \"GET "
                        + PATHS[i % PATHS.length] + " HTTP/1.1\" " + status + " " + (512 + i % 4096) + " \"-\" \""
                        + AGENTS[i % AGENTS.length] + "\"";
                int flags = 0;
                if (i % 10 == 0) {
                    line += "\njava.lang.IllegalStateException: upstream timed out"
                            + "\n\tat shop.Checkout.pay(Checkout.java:42)";
                    flags |= io.logpipe.shipper.event.Event.FLAG_MULTILINE;
                }
                if (i % 50 == 0) {
                    line = line.substring(0, Math.min(line.length(), 96));
                    flags |= io.logpipe.shipper.event.Event.FLAG_TRUNCATED;
                }
                long end = offset + line.length() + 1;
                out.add(encoder.encode(new io.logpipe.shipper.event.Event(timestamp.toEpochMilli(), line,
                        "/var/log/nginx/access.log", offset, end, flags, i % 2 == 0 ? withFields : underRoot, null,
                        null, true, acknowledged -> { }, file)));
                offset = end;
            }
            return out;
        }
    }

    private static double cpuSeconds(ProcessHandle process) {
        return process == null ? Double.NaN
                : process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    private static void deleteIndices(ElasticsearchClient client) throws Exception {
        // Elasticsearch refuses wildcard deletes (action.destructive_requires_name): resolve the names first.
        List<String> names = new ArrayList<>(client.indices().get(g -> g.index("anchor-*", "bench-*")
                .ignoreUnavailable(true).allowNoIndices(true)).result().keySet());
        if (!names.isEmpty()) {
            client.indices().delete(d -> d.index(names));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
