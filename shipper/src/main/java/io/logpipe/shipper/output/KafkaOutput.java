package io.logpipe.shipper.output;

import io.logpipe.common.kafka.ClientSecurityError;
import io.logpipe.shipper.config.OutputConfig;
import io.logpipe.shipper.event.Event;
import io.logpipe.shipper.event.EventEncoder;
import io.logpipe.shipper.event.FormatString;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.kafka.client.producer.KafkaWriteStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RoundRobinPartitioner;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code output.kafka}: a vertx-kafka-client producer stream. A batch is handed over record by record (the client
 * batches and compresses per partition) and acknowledged once every record is, with the configured
 * {@code required_acks}. Records that fail are sent again, in their original order, after a backoff, for ever:
 * a file's offset only moves once all its events before it are in Kafka.
 */
public final class KafkaOutput implements Output {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaOutput.class);
    /** Room for the record's own framing when fitting an event under max_message_bytes. */
    private static final int RECORD_OVERHEAD = 128;

    private final OutputConfig.Kafka config;
    private final EventEncoder encoder;
    private final Vertx vertx;
    private final KafkaWriteStream<byte[], byte[]> producer;
    /**
     * The client under the Vert.x stream. Records go to it directly from the publishing thread: the stream's
     * send() costs a worker task and a promise per record, which at 100k+ lines/s is most of the CPU.
     */
    private final Producer<byte[], byte[]> kafka;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "shipper-kafka-retry");
        t.setDaemon(true);
        return t;
    });
    /** {@code partition.hash.hash: [fields]} as format strings, compiled once: {@code %{[field]:}} each. */
    private final List<FormatString> hashFields;
    private final Set<String> knownTopics = new HashSet<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong truncated = new AtomicLong();
    /** Records the brokers refused or timed out (each is sent again), and hand-overs the client refused. */
    private final LongAdder failedRecords = new LongAdder();
    private final LongAdder clientErrors = new LongAdder();

    public KafkaOutput(OutputConfig.Kafka config, EventEncoder encoder) {
        this.config = config;
        this.encoder = encoder;
        this.hashFields = config.partition().strategy().equals("hash") ? config.partition().hashFields().stream()
                .map(field -> FormatString.parse("%{[" + field + "]:}")).toList() : List.of();
        // One event loop and two workers: the Kafka client has its own I/O thread; Vert.x only hands records to it.
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2)
                .setInternalBlockingPoolSize(1));
        this.producer = KafkaWriteStream.create(vertx, producerProperties(config), new ByteArraySerializer(),
                new ByteArraySerializer());
        this.kafka = producer.unwrap();
    }

    static Properties producerProperties(OutputConfig.Kafka c) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", c.hosts()));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, c.clientId());
        p.put(ProducerConfig.ACKS_CONFIG, c.requiredAcks() == -1 ? "all" : Integer.toString(c.requiredAcks()));
        // Idempotence keeps each partition's order across retries without duplicates; it needs acks=all. With
        // acks 0 or 1 a single request in flight per connection keeps the order instead.
        boolean idempotent = c.requiredAcks() == -1;
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(idempotent));
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, idempotent ? "5" : "1");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, c.compression());
        if (c.compression().equals("gzip") && c.compressionLevel() >= 1 && c.compressionLevel() <= 9) {
            p.put("compression.gzip.level", Integer.toString(c.compressionLevel()));
        }
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Math.max(c.maxMessageBytes(), 1 << 20)));
        // Retry inside the client for ever; what still fails (buffer full, no metadata) is retried here.
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Integer.MAX_VALUE));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(c.timeout().toMillis()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(Math.max(1000, c.brokerTimeout().toMillis())));
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, Long.toString(Math.max(10, c.backoffInit().toMillis() / 10)));
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, Long.toString(c.backoffMax().toMillis()));
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "10000");
        // Small heap on app hosts (64 MB, peak RSS under 100 MB): 2 MB of record buffer (the client keeps it for
        // good), batches of up to 128 KB compressed, short linger.
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Integer.toString(2 << 20));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(128 << 10));
        // No JMX metrics and no metrics push to the broker: neither is part of Filebeat, both cost memory.
        p.put(ProducerConfig.METRIC_REPORTER_CLASSES_CONFIG, "");
        p.put(ProducerConfig.ENABLE_METRICS_PUSH_CONFIG, "false");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        KafkaClientSecurity.apply(c.security(), p);
        switch (c.partition().strategy()) {
            case "round_robin" -> p.put(ProducerConfig.PARTITIONER_CLASS_CONFIG, RoundRobinPartitioner.class.getName());
            case "random" -> p.put(ProducerConfig.PARTITIONER_CLASS_CONFIG, RandomPartitioner.class.getName());
            default -> {
                // hash: the record key's murmur2 hash (Kafka's default); without a key, the client spreads events
            }
        }
        return p;
    }

    @Override
    public String describe() {
        return "kafka " + String.join(",", config.hosts());
    }

    /** Events dropped because their topic could not be computed (a field it names is missing). */
    public long dropped() {
        return dropped.get();
    }

    /** Record sends that failed and were retried (filebeat's libbeat.output.events.failed). */
    public long failedRecords() {
        return failedRecords.sum();
    }

    /** Times the client could not take a record or fetch metadata (filebeat's libbeat.output.write.errors). */
    public long clientErrors() {
        return clientErrors.sum();
    }

    @Override
    public void publish(List<Event> batch, Runnable acknowledged) throws InterruptedException {
        new BatchSend(batch, acknowledged).sendAll();
    }

    /**
     * One batch on its way: counts outstanding acknowledgements; events the client reports as failed are encoded
     * and sent again (in their original order) after a backoff, until none is left. It keeps the events, not their
     * encoded records: the client copies each record into its own buffers at once, so the encoded bytes die young
     * instead of living in the heap until the broker acknowledges.
     */
    private final class BatchSend {
        private final Runnable acknowledged;
        private final AtomicInteger outstanding = new AtomicInteger();
        private final BitSet failed = new BitSet();
        private List<Event> events;
        private Exception firstError;
        private long backoff = config.backoffInit().toMillis();

        BatchSend(List<Event> events, Runnable acknowledged) {
            this.events = events;
            this.acknowledged = acknowledged;
        }

        void sendAll() throws InterruptedException {
            List<Event> current = events;
            // one extra count held while sending, so the batch cannot complete before every record is handed over
            outstanding.set(current.size() + 1);
            for (int i = 0; i < current.size(); i++) {
                Event e = current.get(i);
                ProducerRecord<byte[], byte[]> r = e.published ? record(e) : null;
                if (r == null) {
                    outstanding.decrementAndGet();
                    continue;
                }
                ensureMetadata(r.topic(), current.size());
                int index = i;
                sendBlocking(r, (metadata, error) -> completed(index, error));
            }
            completed(-1, null);
        }

        private void completed(int index, Exception error) {
            if (error != null) {
                failedRecords.increment();
                synchronized (this) {
                    failed.set(index);
                    if (firstError == null) {
                        firstError = error;
                    }
                }
            }
            if (outstanding.decrementAndGet() > 0) {
                return;
            }
            List<Event> again;
            synchronized (this) {
                if (failed.isEmpty()) {
                    acknowledged.run();
                    return;
                }
                // the original order among the events sent again
                again = new ArrayList<>(failed.cardinality());
                for (int i = failed.nextSetBit(0); i >= 0; i = failed.nextSetBit(i + 1)) {
                    again.add(events.get(i));
                }
                failed.clear();
            }
            LOG.error("kafka: {} of {} event(s) failed ({}); sending them again in {} ms", again.size(),
                    events.size(), explain(firstError), backoff);
            events = again;
            firstError = null;
            long delay = backoff;
            backoff = Math.min(backoff * 2, config.backoffMax().toMillis());
            retries.schedule(() -> {
                try {
                    sendAll();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Hands one record to the client; when its buffer stays full (brokers slow or away) the client throws after
     * max.block.ms and the same record is offered again: this blocks the publisher, which blocks the harvesters.
     */
    private void sendBlocking(ProducerRecord<byte[], byte[]> r, Callback callback) throws InterruptedException {
        long backoff = config.backoffInit().toMillis();
        while (true) {
            try {
                kafka.send(r, callback);
                return;
            } catch (KafkaException e) {
                if (e instanceof InterruptException) {
                    throw new InterruptedException("stopped while sending to Kafka");
                }
                clientErrors.increment();
                LOG.error("kafka: cannot hand an event to the client ({}); brokers {} slow or unreachable? "
                        + "retrying in {} ms, nothing is lost", e.toString(), config.hosts(), backoff);
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, config.backoffMax().toMillis());
            }
        }
    }

    private ProducerRecord<byte[], byte[]> record(Event e) {
        String topic = config.topic().evaluate(e, encoder);
        if (topic == null || topic.isEmpty()) {
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 10_000 == 0) {
                LOG.error("dropping event from {} offset {}: topic '{}' names a field the event does not have "
                        + "({} dropped so far); give the field a default, e.g. %{{[fields.log_topic]:logs}}",
                        e.path, e.offset, config.topic(), n);
            }
            return null;
        }
        byte[] key = null;
        FormatString keyFormat = config.key();
        if (keyFormat != null) {
            String k = keyFormat.evaluate(e, encoder);
            if (k != null) {
                key = k.getBytes(StandardCharsets.UTF_8);
            }
        }
        byte[] value = fit(e, key == null ? 0 : key.length);
        Integer partition = null;
        if (key == null && !hashFields.isEmpty()) {
            partition = hashFieldsPartition(e, topic);
        }
        return new ProducerRecord<>(topic, partition, key, value);
    }

    /** The event's JSON, its message shortened (and flagged) if it would exceed max_message_bytes. */
    private byte[] fit(Event e, int keyLength) {
        byte[] value = encoder.encode(e);
        int limit = config.maxMessageBytes() - keyLength - RECORD_OVERHEAD;
        Event current = e;
        while (value.length > limit && !current.message().isEmpty()) {
            int excess = value.length - limit;
            int keep = Math.max(0, current.message().length() - excess - 16);
            current = new Event(e.timestampMillis, current.message().substring(0, keep), e.path, e.offset, e.endOffset,
                    e.flags | Event.FLAG_TRUNCATED, e.input, e.json, e.jsonError, true, e.source, e.file);
            value = encoder.encode(current);
            if (keep == 0) {
                break;
            }
        }
        if (current != e) {
            long n = truncated.incrementAndGet();
            if (n == 1 || n % 10_000 == 0) {
                LOG.warn("{} offset {}: event over max_message_bytes ({}); message truncated and flagged "
                        + "({} so far)", e.path, e.offset, config.maxMessageBytes(), n);
            }
        }
        return value;
    }

    private Integer hashFieldsPartition(Event e, String topic) {
        StringBuilder sb = new StringBuilder();
        for (FormatString field : hashFields) {
            sb.append(field.evaluate(e, encoder)).append('\u0000');
        }
        int partitions = kafka.partitionsFor(topic).size();
        return Utils.toPositive(Utils.murmur2(sb.toString().getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Fetches metadata for a new topic first, so an unreachable cluster is one clear error, not one per record. */
    private void ensureMetadata(String topic, int waiting) throws InterruptedException {
        long backoff = config.backoffInit().toMillis();
        while (!knownTopics.contains(topic)) {
            try {
                kafka.partitionsFor(topic);
                knownTopics.add(topic);
            } catch (KafkaException e) {
                if (e instanceof InterruptException) {
                    throw new InterruptedException("stopped while waiting for Kafka");
                }
                clientErrors.increment();
                LOG.error("kafka: cannot get metadata for topic '{}' from {} ({}); {} event(s) wait, nothing "
                        + "is lost; retrying in {} ms", topic, config.hosts(), explain(e), waiting, backoff);
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, config.backoffMax().toMillis());
            }
        }
    }

    /** Security failures (TLS, SASL, ACLs) as the one line saying what to fix; anything else as it is. */
    private String explain(Exception e) {
        return ClientSecurityError.isSecurity(e) ? ClientSecurityError.explain(e, KafkaClientSecurity.describe(config))
                : e.toString();
    }

    @Override
    public void close() {
        retries.shutdownNow();
        try {
            producer.close(5000).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing the Kafka producer: {}", e.toString());
        }
        vertx.close();
    }
}
