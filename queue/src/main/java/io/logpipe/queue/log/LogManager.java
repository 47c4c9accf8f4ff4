package io.logpipe.queue.log;

import io.logpipe.common.io.AtomicFile;
import io.logpipe.common.io.DirectoryLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.logpipe.queue.util.Supervised;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every topic of the broker across {@code log.dirs}: loads them at start (recovering after an unclean stop), creates,
 * grows and deletes them, and runs the periodic flush and retention work. Each log dir holds Kafka's
 * {@code meta.properties} (cluster id, node id), {@link LogDirFormat}'s version file and, while the broker runs, a {@code .lock}; a clean stop leaves
 * {@code .kafka_cleanshutdown} so the next start can skip re-validating active segments.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);
    public static final String CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";
    private static final Pattern PARTITION_DIR = Pattern.compile("^(.+)-(\\d+)$");

    /** How often an offline log dir is probed for writability. */
    static final long OFFLINE_PROBE_INTERVAL_MS = 1000;

    private final List<Path> logDirs;
    private final Map<Path, LogDir> dirs = new java.util.LinkedHashMap<>();
    private final java.util.Set<Path> newDirs = new java.util.HashSet<>();
    private final LogConfig config;
    private final int nodeId;
    private final String clusterId;
    private final List<DirectoryLock> locks = new ArrayList<>();
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final Map<Uuid, Topic> topicsById = new ConcurrentHashMap<>();
    private final Map<String, TopicConfig> topicConfigs = new ConcurrentHashMap<>();
    private final ScheduledExecutorService maintenance;
    private final List<java.util.function.Consumer<String>> topicDeletionListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ProducerIdManager producerIds;
    private int nextDir;

    private LogManager(List<Path> logDirs, LogConfig config, int nodeId) throws IOException {
        this.logDirs = logDirs;
        this.config = config;
        this.nodeId = nodeId;
        String cluster = null;
        for (Path dir : logDirs) {
            dirs.put(dir, new LogDir(dir));
            locks.add(DirectoryLock.acquire(dir, ".lock",
                    "log dir " + dir + " is in use by another broker process (its .lock is held)"));
            LogDirFormat.checkAndMark(dir);
            if (!Files.exists(dir.resolve("meta.properties"))) {
                newDirs.add(dir);
            }
            String found = readClusterId(dir);
            if (found != null) {
                if (cluster != null && !cluster.equals(found)) {
                    throw new IOException("log dir " + dir + " belongs to cluster " + found + ", the others to " + cluster);
                }
                cluster = found;
            }
        }
        this.clusterId = cluster != null ? cluster : Uuid.randomUuid().toString();
        for (Path dir : logDirs) {
            writeMetaProperties(dir);
        }
        this.producerIds = new ProducerIdManager(logDirs.get(0).resolve("producer-ids"));
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "log-maintenance");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens every partition found in {@code logDirs}; recovery runs for dirs that were not shut down cleanly. */
    public static LogManager open(List<Path> logDirs, LogConfig config, int nodeId) throws IOException {
        return open(logDirs, config, nodeId, 300_000);
    }

    /** As {@link #open(List, LogConfig, int)}, checking retention every {@code retentionCheckIntervalMs}. */
    public static LogManager open(List<Path> logDirs, LogConfig config, int nodeId, long retentionCheckIntervalMs)
            throws IOException {
        LogManager manager = new LogManager(logDirs, config, nodeId);
        manager.loadAll();
        manager.scheduleMaintenance(retentionCheckIntervalMs);
        return manager;
    }

    private void loadAll() throws IOException {
        Map<String, TreeMap<Integer, PartitionLog>> found = new HashMap<>();
        Map<String, Uuid> ids = new HashMap<>();
        Map<String, TreeMap<Integer, TopicConfig>> storedConfigs = new HashMap<>();
        for (Path dir : logDirs) {
            Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
            boolean clean = Files.exists(marker) || newDirs.contains(dir);
            if (!clean) {
                LOG.info("{}: no clean shutdown marker; validating the tail of each partition's active segment", dir);
            }
            Files.deleteIfExists(marker);
            try (Stream<Path> children = Files.list(dir)) {
                for (Path child : (Iterable<Path>) children::iterator) {
                    Matcher m = PARTITION_DIR.matcher(child.getFileName().toString());
                    if (!Files.isDirectory(child) || !m.matches()) {
                        continue;
                    }
                    String topic = m.group(1);
                    int partition = Integer.parseInt(m.group(2));
                    Uuid id = PartitionMetadata.read(child);
                    Uuid known = ids.get(topic);
                    if (id == null) {
                        id = known != null ? known : Uuid.randomUuid();
                        PartitionMetadata.write(child, id);
                    } else if (known != null && !known.equals(id)) {
                        throw new IOException(child + " has topic id " + id + " but other partitions of " + topic
                                + " have " + known);
                    }
                    ids.put(topic, id);
                    PartitionLog log = PartitionLog.open(child, dirs.get(dir), new TopicPartition(topic, partition), id,
                            config, clean, maintenance);
                    found.computeIfAbsent(topic, t -> new TreeMap<>()).put(partition, log);
                    TopicConfig stored = TopicConfig.read(child);
                    storedConfigs.computeIfAbsent(topic, t -> new TreeMap<>())
                            .put(partition, stored != null ? stored : TopicConfig.NONE);
                }
            }
        }
        for (var e : found.entrySet()) {
            List<PartitionLog> partitions = new ArrayList<>(e.getValue().values());
            if (e.getValue().lastKey() != partitions.size() - 1) {
                throw new IOException("topic " + e.getKey() + " has partition directories " + e.getValue().keySet()
                        + ": a partition is missing from " + logDirs);
            }
            Topic topic = new Topic(e.getKey(), ids.get(e.getKey()),
                    List.copyOf(partitions));
            register(topic);
            // partition 0's copy is written last on every change, so it wins over copies an interrupted change left
            TopicConfig overrides = storedConfigs.get(e.getKey()).get(0);
            if (!storedConfigs.get(e.getKey()).values().stream().allMatch(c -> c.overrides().equals(overrides.overrides()))) {
                LOG.warn("topic {}: partitions disagree on the config overrides; using partition 0's {}", e.getKey(),
                        overrides);
                writeTopicConfig(topic, overrides);
            }
            applyTopicConfig(topic, overrides);
        }
        LOG.info("loaded {} topics from {}", topics.size(), logDirs);
    }

    private void register(Topic topic) {
        topics.put(topic.name(), topic);
        topicsById.put(topic.id(), topic);
    }

    private void scheduleMaintenance(long retentionCheckIntervalMs) {
        if (config.flushIntervalMs() != Long.MAX_VALUE) {
            long period = Math.max(1, Math.min(config.flushIntervalMs(), 1000));
            maintenance.scheduleWithFixedDelay(Supervised.task("log flush",
                    () -> forEachLog("flush", log -> log.maybeFlushOnTime(System.currentTimeMillis()))),
                    period, period, TimeUnit.MILLISECONDS);
        }
        // always scheduled: a topic may override retention even when the broker keeps everything
        maintenance.scheduleWithFixedDelay(Supervised.task("log retention", () -> forEachLog("retention", log -> {
            log.deleteRenamedSegments(System.currentTimeMillis());
            int deleted = log.deleteExpiredSegments(System.currentTimeMillis());
            if (deleted > 0) {
                LOG.info("{}: retention deleted {} segment(s); log now starts at offset {}; their files go in {} ms",
                        log, deleted, log.logStartOffset(), log.config().fileDeleteDelayMs());
                maintenance.schedule(Supervised.task("segment deletion", () -> {
                    try {
                        log.deleteRenamedSegments(System.currentTimeMillis());
                    } catch (IOException e) {
                        LOG.error("{}: deleting removed segments failed: {}", log, e.toString());
                    }
                }), log.config().fileDeleteDelayMs(), TimeUnit.MILLISECONDS);
            }
        })), retentionCheckIntervalMs, retentionCheckIntervalMs, TimeUnit.MILLISECONDS);
        maintenance.scheduleWithFixedDelay(Supervised.task("log dir probe", () -> dirs.values().forEach(LogDir::probe)),
                OFFLINE_PROBE_INTERVAL_MS, OFFLINE_PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private interface LogTask {
        void run(PartitionLog log) throws IOException;
    }

    private void forEachLog(String what, LogTask task) {
        for (Topic topic : topics.values()) {
            for (PartitionLog log : topic.partitions()) {
                try {
                    task.run(log);
                } catch (IOException | RuntimeException e) {
                    LOG.error("{}: {} failed: {}", log, what, e.toString());
                }
            }
        }
    }

    public String clusterId() {
        return clusterId;
    }

    /** The health of each of {@code log.dirs}, in their configured order. */
    public List<LogDir> logDirs() {
        return List.copyOf(dirs.values());
    }

    public ProducerIdManager producerIds() {
        return producerIds;
    }

    public Topic topic(String name) {
        return topics.get(name);
    }

    /** The topic's config overrides (empty when it follows the broker's settings). */
    public TopicConfig topicConfig(String name) {
        return topicConfigs.getOrDefault(name, TopicConfig.NONE);
    }

    /** Stores new overrides for a topic durably and applies them to its running partition logs. */
    public void alterTopicConfig(String name, TopicConfig overrides) throws IOException {
        alterTopicConfig(name, current -> overrides, false);
    }

    /**
     * Replaces a topic's overrides with {@code change(current)} atomically with respect to other changes (two
     * concurrent alters cannot lose each other's keys); with {@code validateOnly} nothing is stored. {@code change}
     * throws InvalidConfigurationException to refuse.
     */
    public synchronized TopicConfig alterTopicConfig(String name, java.util.function.UnaryOperator<TopicConfig> change,
                                                     boolean validateOnly) throws IOException {
        Topic topic = topics.get(name);
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        TopicConfig overrides = change.apply(topicConfig(name));
        if (validateOnly) {
            return overrides;
        }
        writeTopicConfig(topic, overrides);
        applyTopicConfig(topic, overrides);
        LOG.info("topic {}: config overrides now {}", name, overrides);
        return overrides;
    }

    private static void writeTopicConfig(Topic topic, TopicConfig overrides) throws IOException {
        List<PartitionLog> partitions = topic.partitions();
        for (int p = partitions.size() - 1; p >= 0; p--) {
            overrides.write(partitions.get(p).dir());
        }
    }

    private void applyTopicConfig(Topic topic, TopicConfig overrides) {
        if (overrides.isEmpty()) {
            topicConfigs.remove(topic.name());
        } else {
            topicConfigs.put(topic.name(), overrides);
        }
        LogConfig effective = overrides.applyTo(config);
        for (PartitionLog log : topic.partitions()) {
            log.updateConfig(effective);
        }
    }

    public Topic topic(Uuid id) {
        return topicsById.get(id);
    }

    public Collection<Topic> topics() {
        return topics.values();
    }

    public PartitionLog log(TopicPartition tp) {
        Topic topic = topics.get(tp.topic());
        return topic == null ? null : topic.partition(tp.partition());
    }

    /** Creates a topic; throws TopicExistsException or InvalidTopicException as Kafka does. */
    public Topic createTopic(String name, int partitions) throws IOException {
        return createTopic(name, partitions, TopicConfig.NONE);
    }

    /** Creates a topic with config overrides, stored with each partition. */
    public synchronized Topic createTopic(String name, int partitions, TopicConfig overrides)
            throws IOException {
        org.apache.kafka.common.internals.Topic.validate(name); // Kafka's own name rules
        if (topics.containsKey(name)) {
            throw new TopicExistsException("topic '" + name + "' already exists");
        }
        if (partitions < 1) {
            throw new InvalidPartitionsException("number of partitions must be at least 1, got " + partitions);
        }
        Uuid id = Uuid.randomUuid();
        List<PartitionLog> logs = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            logs.add(createPartition(name, p, id, overrides));
        }
        Topic topic = new Topic(name, id, List.copyOf(logs));
        register(topic);
        applyTopicConfig(topic, overrides);
        LOG.info("created topic {} (id {}) with {} partition(s){}", name, id, partitions,
                overrides.isEmpty() ? "" : " and config overrides " + overrides);
        return topic;
    }

    private PartitionLog createPartition(String topic, int partition, Uuid id, TopicConfig overrides)
            throws IOException {
        Path logDir = logDirs.get(nextDir++ % logDirs.size());
        Path dir = logDir.resolve(topic + "-" + partition);
        Files.createDirectories(dir);
        PartitionMetadata.write(dir, id);
        overrides.write(dir);
        return PartitionLog.open(dir, dirs.get(logDir), new TopicPartition(topic, partition), id,
                overrides.applyTo(config), true, maintenance);
    }

    /** Grows a topic to {@code total} partitions. */
    public synchronized Topic createPartitions(String name, int total) throws IOException {
        Topic topic = topics.get(name);
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        int current = topic.partitions().size();
        if (total <= current) {
            throw new InvalidPartitionsException("topic '" + name + "' has " + current
                    + " partitions; the new count " + total + " must be larger");
        }
        List<PartitionLog> logs = new ArrayList<>(topic.partitions());
        for (int p = current; p < total; p++) {
            logs.add(createPartition(name, p, topic.id(), topicConfig(name)));
        }
        Topic grown = new Topic(name, topic.id(), List.copyOf(logs));
        register(grown);
        LOG.info("topic {} now has {} partitions", name, total);
        return grown;
    }

    /** Calls {@code listener} with the name of each topic once it is deleted (the group coordinator drops its offsets). */
    public void onTopicDeleted(java.util.function.Consumer<String> listener) {
        topicDeletionListeners.add(listener);
    }

    /** Deletes a topic and its data, then tells the deletion listeners (outside this manager's lock). */
    public void deleteTopic(String name) throws IOException {
        deleteTopicData(name);
        for (java.util.function.Consumer<String> listener : topicDeletionListeners) {
            listener.accept(name);
        }
    }

    private synchronized void deleteTopicData(String name) throws IOException {
        Topic topic = topics.remove(name);
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        topicsById.remove(topic.id());
        topicConfigs.remove(name);
        for (PartitionLog log : topic.partitions()) {
            log.delete();
        }
        LOG.info("deleted topic {} (id {})", name, topic.id());
    }

    /** Flushes everything, closes the files, marks each dir as cleanly shut down and releases the locks. */
    @Override
    public synchronized void close() throws IOException {
        maintenance.shutdownNow();
        try {
            // a roll's fsync or a retention pass still running must not race the close of its files
            maintenance.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IOException failure = null;
        for (Topic topic : topics.values()) {
            for (PartitionLog log : topic.partitions()) {
                try {
                    log.close();
                } catch (IOException e) {
                    failure = e;
                    LOG.error("{}: close failed: {}", log, e.toString());
                }
            }
        }
        if (failure == null) {
            for (Path dir : logDirs) {
                if (!dirs.get(dir).isOnline()) {
                    // unwritten: the next start re-validates this dir's active segments, as after a crash
                    LOG.warn("log dir {} is offline at shutdown; its partitions are recovered at the next start", dir);
                    continue;
                }
                Files.writeString(dir.resolve(CLEAN_SHUTDOWN_FILE), "", StandardCharsets.UTF_8);
            }
        }
        for (DirectoryLock lock : locks) {
            lock.close();
        }
        locks.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static String readClusterId(Path dir) throws IOException {
        Path file = dir.resolve("meta.properties");
        if (!Files.exists(file)) {
            return null;
        }
        Properties props = new Properties();
        try (var in = Files.newInputStream(file)) {
            props.load(in);
        }
        return props.getProperty("cluster.id");
    }

    private void writeMetaProperties(Path dir) throws IOException {
        Path file = dir.resolve("meta.properties");
        String text = "#Written by logpipe queue\nversion=1\ncluster.id=" + clusterId + "\nnode.id=" + nodeId + "\n";
        if (Files.exists(file) && Files.readString(file).equals(text)) {
            return;
        }
        AtomicFile.writeString(file, text);
    }

}
