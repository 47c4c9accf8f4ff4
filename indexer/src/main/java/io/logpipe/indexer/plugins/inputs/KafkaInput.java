package io.logpipe.indexer.plugins.inputs;

import io.logpipe.common.kafka.ClientSecurityError;
import io.logpipe.common.kafka.KafkaAccess;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.SourcePosition;
import io.logpipe.indexer.event.Sprintf;
import io.logpipe.indexer.plugins.Codec;
import io.logpipe.indexer.plugins.Input;
import io.logpipe.indexer.plugins.PluginContext;
import io.logpipe.indexer.plugins.PluginSettings;
import io.logpipe.indexer.plugins.PluginStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logstash's kafka input through vertx-kafka-client: {@code consumer_threads} consumers of one group, each polled by
 * its own thread, which hands events to the pipeline (blocking when it is full). Offsets are never auto-committed:
 * each partition commits its {@link PartitionWatermark}, the offset below which every event is acknowledged by every
 * output, every {@code auto_commit_interval_ms} and at shutdown.
 */
public final class KafkaInput implements Input {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaInput.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);
    private static final List<String> NOT_APPLICABLE = List.of("key_deserializer_class", "value_deserializer_class",
            "jaas_path", "kerberos_config", "sasl_kerberos_service_name", "schema_registry_url", "ecs_compatibility",
            "check_crcs", "connections_max_idle_ms", "metadata_max_age_ms", "receive_buffer_bytes",
            "send_buffer_bytes", "reconnect_backoff_ms", "retry_backoff_ms", "exclude_internal_topics");

    private final String id;
    private final Codec codec;
    private final Map<String, String> consumerConfig = new HashMap<>();
    private final List<String> topics;
    private final Pattern topicsPattern;
    private final String groupId;
    private final String autoOffsetReset;
    private final int consumerThreads;
    private final String decorateEvents;
    private final long commitIntervalMillis;
    private final List<String> tags;
    private final Map<Sprintf, Sprintf> addFields = new LinkedHashMap<>();
    private final String type;
    private final KafkaInputSecurity security;

    private final List<Consumer> consumers = new ArrayList<>();
    private final PluginStats stats;
    private volatile boolean fetching = true;
    private Vertx vertx;

    public KafkaInput(PluginSettings settings, Codec codec, PluginContext context) {
        this.codec = codec;
        this.stats = context.stats();
        this.id = stats.id();
        String bootstrap = settings.string("bootstrap_servers", "localhost:9092");
        this.topics = settings.strings("topics", List.of("logstash"));
        String pattern = settings.string("topics_pattern", null);
        this.topicsPattern = pattern == null ? null : compile(settings, pattern);
        this.groupId = settings.string("group_id", "logstash");
        String clientId = settings.string("client_id", "logstash");
        this.consumerThreads = (int) settings.number("consumer_threads", 1);
        if (consumerThreads < 1) {
            throw settings.error("consumer_threads", "expected at least 1");
        }
        Object decorate = settings.raw("decorate_events");
        this.decorateEvents = decorate == null ? "none" : switch (decorate.toString()) {
            case "true", "basic" -> "basic";
            case "false", "none" -> "none";
            case "extended" -> "extended";
            default -> throw settings.error("decorate_events", "expected true, false, none, basic or extended");
        };
        this.autoOffsetReset = settings.oneOf("auto_offset_reset", "latest", "earliest", "latest", "none");
        this.commitIntervalMillis = settings.number("auto_commit_interval_ms", 5000);
        if (settings.bool("enable_auto_commit", true) && settings.has("enable_auto_commit")) {
            LOG.warn("{}: kafka input: enable_auto_commit => true is not used: offsets are committed once every"
                    + " output has acknowledged the events, never before", settings.location("enable_auto_commit"));
        }
        consumerConfig.put("bootstrap.servers", bootstrap);
        consumerConfig.put("group.id", groupId);
        consumerConfig.put("enable.auto.commit", "false");
        consumerConfig.put("auto.offset.reset", autoOffsetReset);
        copy(settings, "max_poll_records", "max.poll.records");
        copy(settings, "session_timeout_ms", "session.timeout.ms");
        copy(settings, "heartbeat_interval_ms", "heartbeat.interval.ms");
        copy(settings, "max_poll_interval_ms", "max.poll.interval.ms");
        copy(settings, "fetch_min_bytes", "fetch.min.bytes");
        copy(settings, "fetch_max_bytes", "fetch.max.bytes");
        copy(settings, "fetch_max_wait_ms", "fetch.max.wait.ms");
        copy(settings, "max_partition_fetch_bytes", "max.partition.fetch.bytes");
        copy(settings, "request_timeout_ms", "request.timeout.ms");
        copy(settings, "isolation_level", "isolation.level");
        copy(settings, "partition_assignment_strategy", "partition.assignment.strategy");
        copy(settings, "client_rack", "client.rack");
        this.security = KafkaInputSecurity.read(settings, consumerConfig);
        consumerConfig.put("client.id", clientId);
        settings.number("poll_timeout_ms", 100);
        settings.bool("enable_metric", true);
        this.tags = settings.strings("tags");
        this.type = settings.string("type", null);
        settings.stringHash("add_field").forEach((k, v) -> addFields.put(Sprintf.compile(k), Sprintf.compile(v)));
        for (String key : NOT_APPLICABLE) {
            if (settings.has(key)) {
                LOG.warn("{}: kafka input setting '{}' does not apply to logpipe and is ignored",
                        settings.location(key), key);
            }
        }
    }

    private static Pattern compile(PluginSettings settings, String pattern) {
        try {
            return Pattern.compile(pattern);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw settings.error("topics_pattern", "invalid regexp: " + e.getDescription());
        }
    }

    private void copy(PluginSettings settings, String name, String kafkaName) {
        String value = settings.string(name, null);
        if (value != null) {
            consumerConfig.put(kafkaName, value);
        }
    }

    /** Consumer lag per partition ({@code topic-partition} → end offset minus next offset to commit). */
    public Map<String, Long> lag() {
        return stats.lag();
    }

    public String id() {
        return id;
    }

    /**
     * Connects for real with this input's settings: does the cluster answer, may the user read the topics and
     * use the group? {@link KafkaAccess.Report#problem()} is null when it may, else the line saying what is wrong.
     */
    @Override
    public KafkaAccess.Report checkAccess(Duration timeout) throws InterruptedException {
        Properties p = new Properties();
        consumerConfig.forEach((k, v) -> {
            if (k.startsWith("ssl.") || k.startsWith("sasl.") || k.equals("security.protocol")
                    || k.equals("bootstrap.servers")) {
                p.put(k, v);
            }
        });
        p.put("client.id", consumerConfig.get("client.id") + "-check");
        return KafkaAccess.check(p, client(), timeout, topicsPattern == null ? topics : List.of(), AclOperation.READ,
                groupId);
    }

    private ClientSecurityError.Client client() {
        return security.client(consumerConfig.get("bootstrap.servers"));
    }

    @Override
    public void start(Sink sink) throws Exception {
        // A refused login or a missing ACL does not mend itself: say so now rather than retrying for ever. A
        // broker that does not answer may just be starting: the consumers wait for it.
        KafkaAccess.Report report = checkAccess(CHECK_TIMEOUT);
        if (report.problem() != null && report.answered()) {
            sink.fail("kafka input " + id + ": " + report.problem(), null);
            return;
        }
        if (report.problem() != null) {
            LOG.warn("kafka input {}: {}; the consumers keep trying", id, report.problem());
        }
        vertx = Vertx.vertx();
        for (int i = 0; i < consumerThreads; i++) {
            Map<String, String> config = new HashMap<>(consumerConfig);
            config.put("client.id", consumerConfig.get("client.id") + "-" + i);
            Consumer consumer = new Consumer(i, KafkaConsumer.create(vertx, config, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()), sink);
            consumers.add(consumer);
            Future<Void> subscribed = topicsPattern != null ? consumer.kafka.subscribe(topicsPattern)
                    : consumer.kafka.subscribe(new LinkedHashSet<>(topics));
            await(subscribed);
            consumer.thread.start();
        }
        LOG.info("kafka input {}: group {} reading {} from {} ({} consumer thread(s), auto_offset_reset {})", id,
                groupId, topicsPattern != null ? "topics matching /" + topicsPattern + "/" : topics,
                consumerConfig.get("bootstrap.servers"), consumerThreads, autoOffsetReset);
    }

    @Override
    public void stopFetching() {
        fetching = false;
        for (Consumer consumer : consumers) {
            try {
                consumer.thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        fetching = false;
        for (Consumer consumer : consumers) {
            try {
                consumer.thread.join(10_000);
                consumer.commit();
                await(consumer.kafka.close());
            } catch (Exception e) {
                LOG.warn("kafka input {}: closing consumer {}: {}", id, consumer.index, e.toString());
            }
        }
        if (vertx != null) {
            try {
                await(vertx.close());
            } catch (Exception e) {
                LOG.debug("closing vert.x", e);
            }
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    /** One group member: its poll thread, and the watermark of each partition it owns. */
    private final class Consumer {
        private final int index;
        private final KafkaConsumer<byte[], byte[]> kafka;
        private final Sink sink;
        private final Thread thread;
        private final Map<TopicPartition, PartitionWatermark> watermarks = new ConcurrentHashMap<>();
        private final List<Event> decoded = new ArrayList<>();

        Consumer(int index, KafkaConsumer<byte[], byte[]> kafka, Sink sink) {
            this.index = index;
            this.kafka = kafka;
            this.sink = sink;
            this.thread = new Thread(this::run, "kafka-input-" + id + "-" + index);
            // Watermarks outlive a revocation: events of the partition still in the pipeline acknowledge into it, and
            // commits go only to partitions currently assigned. A partition read again after a rebalance is
            // fetched from its last commit, and its deterministic document ids make the second write an overwrite.
        }

        private void run() {
            long lastCommit = System.nanoTime();
            try {
                while (fetching) {
                    ConsumerRecords<byte[], byte[]> records = await(kafka.poll(POLL_TIMEOUT)).records();
                    for (org.apache.kafka.common.TopicPartition partition : records.partitions()) {
                        handle(partition, records.records(partition));
                    }
                    if (System.nanoTime() - lastCommit > TimeUnit.MILLISECONDS.toNanos(commitIntervalMillis)) {
                        commit();
                        updateLag();
                        lastCommit = System.nanoTime();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                Throwable cause = e;
                while (cause.getCause() != null && !(cause instanceof NoOffsetForPartitionException)) {
                    cause = cause.getCause();
                }
                if (cause instanceof NoOffsetForPartitionException noOffset) {
                    StringBuilder names = new StringBuilder();
                    noOffset.partitions().forEach(p -> names.append(names.length() == 0 ? "" : ", ")
                            .append("topic ").append(p.topic()).append(" partition ").append(p.partition()));
                    sink.fail("kafka input " + id + ": group '" + groupId + "' has no committed offset for " + names
                            + " and auto_offset_reset => \"none\" forbids choosing one; set auto_offset_reset to"
                            + " \"earliest\" or \"latest\", or commit an offset for the group first", cause);
                } else if (ClientSecurityError.isSecurity(e)) {
                    sink.fail("kafka input " + id + ": " + ClientSecurityError.explain(e, client()), cause);
                } else {
                    sink.fail("kafka input " + id + ": " + cause, cause);
                }
            }
        }

        /** One poll's records of one partition: one {@link FetchedRange}, so acknowledging an event is one decrement. */
        private void handle(org.apache.kafka.common.TopicPartition fetched, List<ConsumerRecord<byte[], byte[]>> records)
                throws InterruptedException {
            if (records.isEmpty()) {
                return;
            }
            TopicPartition partition = new TopicPartition(fetched.topic(), fetched.partition());
            PartitionWatermark watermark = watermarks.computeIfAbsent(partition, p -> new PartitionWatermark());
            FetchedRange range = watermark.open(records.get(0).offset());
            try {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    decoded.clear();
                    byte[] value = record.value();
                    if (value != null && value.length > 0) {
                        codec.decode(value, decoded::add);
                    }
                    range.add(record.offset(), decoded.size());
                    for (int i = 0; i < decoded.size(); i++) {
                        Event event = decoded.get(i);
                        event.setSource(new Position(record.topic(), record.partition(), record.offset(), i, range));
                        decorate(event, record);
                        sink.accept(event);
                    }
                }
            } finally {
                range.close();
            }
        }

        private void decorate(Event event, ConsumerRecord<byte[], byte[]> record) {
            if (type != null && !event.includes("type")) {
                event.set("type", type);
            }
            tags.forEach(event::tag);
            addFields.forEach((k, v) -> event.set(k.apply(event), v.apply(event)));
            if (decorateEvents.equals("none")) {
                return;
            }
            Map<String, Object> kafka = new LinkedHashMap<>();
            kafka.put("topic", record.topic());
            kafka.put("partition", (long) record.partition());
            kafka.put("offset", record.offset());
            kafka.put("key", record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
            kafka.put("timestamp", record.timestamp());
            kafka.put("consumer_group", groupId);
            if (decorateEvents.equals("extended")) {
                Map<String, Object> headers = new LinkedHashMap<>();
                record.headers().forEach(h -> headers.put(h.key(),
                        h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8)));
                kafka.put("headers", headers);
            }
            event.metadata().put("kafka", kafka);
        }

        /** Commits each owned partition's watermark if it moved. */
        void commit() {
            Set<TopicPartition> assigned;
            try {
                assigned = await(kafka.assignment());
            } catch (Exception e) {
                LOG.warn("kafka input {}: cannot read the assignment to commit ({}); will retry", id, e.toString());
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            Map<TopicPartition, Long> marks = new HashMap<>();
            watermarks.forEach((partition, watermark) -> {
                if (!assigned.contains(partition)) {
                    return;
                }
                long offset = watermark.toCommit();
                if (offset >= 0) {
                    offsets.put(partition, new OffsetAndMetadata(offset, ""));
                    marks.put(partition, offset);
                }
            });
            if (offsets.isEmpty()) {
                return;
            }
            try {
                await(kafka.commit(offsets));
                marks.forEach((partition, offset) -> {
                    PartitionWatermark watermark = watermarks.get(partition);
                    if (watermark != null) {
                        watermark.committed(offset);
                    }
                });
                LOG.debug("kafka input {}: committed {}", id, marks);
            } catch (Exception e) {
                // Not fatal: the next commit carries a newer watermark; a replay only overwrites documents.
                LOG.warn("kafka input {}: offset commit failed ({}); will retry", id, e.toString());
            }
        }

        private void updateLag() {
            Set<TopicPartition> partitions = Set.copyOf(watermarks.keySet());
            if (partitions.isEmpty()) {
                return;
            }
            try {
                Map<TopicPartition, Long> ends = await(kafka.endOffsets(partitions));
                ends.forEach((partition, end) -> {
                    PartitionWatermark watermark = watermarks.get(partition);
                    if (watermark != null) {
                        long next = Math.max(watermark.committable(), 0);
                        stats.lag(partition.getTopic() + "-" + partition.getPartition(), Math.max(0, end - next));
                    }
                });
            } catch (Exception e) {
                LOG.debug("kafka input {}: end offsets: {}", id, e.toString());
            }
        }
    }

    /** An event's Kafka record; acknowledging it lets the partition's watermark pass the record. */
    private record Position(String topic, int partition, long offset, int sequence, FetchedRange range)
            implements SourcePosition {
        @Override
        public void acknowledge() {
            range.acknowledge();
        }
    }
}
