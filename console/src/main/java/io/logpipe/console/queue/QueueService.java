package io.logpipe.console.queue;

import io.logpipe.console.ApiException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.console.es.ElasticsearchRest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a Kafka UI shows, through the Kafka Admin and consumer APIs only (so it works against any cluster): topics
 * with partitions, offsets and retention; consumer groups with state, members and lag per partition; messages of a
 * partition; and resetting a group's offsets, previewed first, applied only while the group is empty. Every method
 * blocks: call it from a worker thread.
 */
public final class QueueService implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final String bootstrapServers;
    private final Admin admin;

    public QueueService(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "logpipe-console");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        this.admin = Admin.create(props);
    }

    /** Where a reset moves a group's offsets. */
    public enum ResetTarget { EARLIEST, LATEST, TIME }

    public ArrayNode topics() {
        Set<String> names = get(admin.listTopics().names());
        Map<String, TopicDescription> descriptions = get(admin.describeTopics(names).allTopicNames());
        List<TopicPartition> partitions = new ArrayList<>();
        descriptions.values().forEach(d -> d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition()))));
        Map<TopicPartition, Long> earliest = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> latest = offsets(partitions, OffsetSpec.latest());
        Map<String, Config> configs = topicConfigs(names);
        ArrayNode out = ElasticsearchRest.JSON.createArrayNode();
        for (String name : new TreeMap<>(descriptions).keySet()) {
            TopicDescription d = descriptions.get(name);
            ObjectNode topic = out.addObject();
            topic.put("name", name).put("internal", d.isInternal());
            Config config = configs.get(name);
            topic.put("retention_ms", configValue(config, "retention.ms"));
            topic.put("retention_bytes", configValue(config, "retention.bytes"));
            topic.put("cleanup_policy", configValue(config, "cleanup.policy"));
            long messages = 0;
            ArrayNode parts = topic.putArray("partitions");
            for (var p : d.partitions()) {
                TopicPartition tp = new TopicPartition(name, p.partition());
                long start = earliest.getOrDefault(tp, 0L);
                long end = latest.getOrDefault(tp, 0L);
                messages += end - start;
                parts.addObject().put("partition", p.partition()).put("leader", p.leader() == null ? -1 : p.leader().id())
                        .put("replicas", p.replicas().size()).put("earliest", start).put("latest", end)
                        .put("messages", end - start);
            }
            topic.put("messages", messages);
        }
        return out;
    }

    public ArrayNode groups() {
        @SuppressWarnings("deprecation")
        Collection<ConsumerGroupListing> listings = get(admin.listConsumerGroups().all());
        List<String> ids = listings.stream().map(ConsumerGroupListing::groupId).sorted().toList();
        ArrayNode out = ElasticsearchRest.JSON.createArrayNode();
        if (ids.isEmpty()) {
            return out;
        }
        Map<String, ConsumerGroupDescription> descriptions = get(admin.describeConsumerGroups(ids).all());
        for (String id : ids) {
            out.add(group(id, descriptions.get(id)));
        }
        return out;
    }

    public ObjectNode group(String id) {
        return group(id, get(admin.describeConsumerGroups(List.of(id)).all()).get(id));
    }

    private ObjectNode group(String id, ConsumerGroupDescription description) {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(id);
        Map<TopicPartition, String> owners = new HashMap<>();
        ObjectNode group = ElasticsearchRest.JSON.createObjectNode();
        group.put("group", id).put("state", description.groupState().toString());
        ArrayNode members = group.putArray("members");
        for (MemberDescription m : description.members()) {
            ObjectNode member = members.addObject();
            member.put("member_id", m.consumerId()).put("client_id", m.clientId()).put("host", m.host());
            ArrayNode assigned = member.putArray("partitions");
            for (TopicPartition tp : m.assignment().topicPartitions()) {
                assigned.add(tp.topic() + "-" + tp.partition());
                owners.put(tp, m.clientId());
            }
        }
        Set<TopicPartition> partitions = new java.util.HashSet<>(committed.keySet());
        partitions.addAll(owners.keySet());
        Map<TopicPartition, Long> latest = offsets(partitions, OffsetSpec.latest());
        ArrayNode lags = group.putArray("partitions");
        long total = 0;
        for (TopicPartition tp : sorted(partitions)) {
            OffsetAndMetadata c = committed.get(tp);
            long end = latest.getOrDefault(tp, 0L);
            ObjectNode row = lags.addObject();
            row.put("topic", tp.topic()).put("partition", tp.partition()).put("latest", end);
            if (c == null) {
                row.putNull("committed");
                row.putNull("lag");
            } else {
                long lag = Math.max(0, end - c.offset());
                total += lag;
                row.put("committed", c.offset()).put("lag", lag);
            }
            row.put("owner", owners.get(tp));
        }
        group.put("lag", total);
        group.set("topics", ElasticsearchRest.JSON.valueToTree(
                partitions.stream().map(TopicPartition::topic).collect(Collectors.toCollection(java.util.TreeSet::new))));
        return group;
    }

    /**
     * The offsets a reset would give each partition of {@code topic} (or of every topic the group has committed
     * offsets for), with the lag that results. Changes nothing.
     */
    public ObjectNode previewReset(String groupId, String topic, ResetTarget target, Instant time) {
        Map<TopicPartition, OffsetAndMetadata> committed = committed(groupId);
        Set<TopicPartition> partitions;
        if (topic != null && !topic.isBlank()) {
            TopicDescription d = get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
            partitions = d.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
        } else {
            partitions = committed.keySet();
        }
        if (partitions.isEmpty()) {
            throw new ApiException(400, "group " + groupId + " has no committed offsets; name the topic to reset");
        }
        Map<TopicPartition, Long> earliest = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> latest = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> targets = switch (target) {
            case EARLIEST -> earliest;
            case LATEST -> latest;
            case TIME -> {
                if (time == null) {
                    throw new ApiException(400, "a reset to a time needs the time");
                }
                // No message at or after the time: the partition's end, as kafka-consumer-groups --to-datetime.
                Map<TopicPartition, Long> byTime = offsets(partitions, OffsetSpec.forTimestamp(time.toEpochMilli()));
                Map<TopicPartition, Long> resolved = new HashMap<>();
                for (TopicPartition tp : partitions) {
                    Long o = byTime.get(tp);
                    resolved.put(tp, o == null || o < 0 ? latest.getOrDefault(tp, 0L) : o);
                }
                yield resolved;
            }
        };
        ObjectNode out = ElasticsearchRest.JSON.createObjectNode();
        out.put("group", groupId).put("target", target.name().toLowerCase());
        if (time != null) {
            out.put("time", time.toString());
        }
        ArrayNode rows = out.putArray("partitions");
        long lagAfter = 0;
        for (TopicPartition tp : sorted(partitions)) {
            OffsetAndMetadata c = committed.get(tp);
            long end = latest.getOrDefault(tp, 0L);
            long next = targets.getOrDefault(tp, end);
            ObjectNode row = rows.addObject();
            row.put("topic", tp.topic()).put("partition", tp.partition()).put("latest", end);
            if (c == null) {
                row.putNull("current");
            } else {
                row.put("current", c.offset());
            }
            row.put("new", next).put("lag_after", end - next);
            lagAfter += end - next;
        }
        out.put("lag_after", lagAfter);
        return out;
    }

    /** Applies {@link #previewReset}; refused while the group has members, as Kafka requires. */
    public ObjectNode reset(String groupId, String topic, ResetTarget target, Instant time) {
        ConsumerGroupDescription d = get(admin.describeConsumerGroups(List.of(groupId)).all()).get(groupId);
        if (!d.members().isEmpty()) {
            throw new ApiException(409, "group " + groupId + " has " + d.members().size() + " active member(s) ("
                    + d.members().stream().map(MemberDescription::clientId).distinct().collect(Collectors.joining(", "))
                    + "); stop its consumers first: offsets can only be reset while the group is empty");
        }
        ObjectNode preview = previewReset(groupId, topic, target, time);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (JsonNode row : preview.path("partitions")) {
            offsets.put(new TopicPartition(row.path("topic").asText(), row.path("partition").asInt()),
                    new OffsetAndMetadata(row.path("new").asLong()));
        }
        get(admin.alterConsumerGroupOffsets(groupId, offsets).all());
        preview.put("applied", true);
        return preview;
    }

    /** Up to {@code limit} messages of one partition from an offset, or from the first at or after a time. */
    public ObjectNode browse(String topic, int partition, Long fromOffset, Instant fromTime, int limit) {
        TopicPartition tp = new TopicPartition(topic, partition);
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "logpipe-console-browse");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, limit);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        ObjectNode out = ElasticsearchRest.JSON.createObjectNode();
        out.put("topic", topic).put("partition", partition);
        ArrayNode messages = out.putArray("messages");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
            long start;
            if (fromTime != null) {
                OffsetAndTimestamp at = consumer.offsetsForTimes(Map.of(tp, fromTime.toEpochMilli()), TIMEOUT).get(tp);
                start = at == null ? end : at.offset();
            } else if (fromOffset != null) {
                start = Math.max(fromOffset, consumer.beginningOffsets(List.of(tp), TIMEOUT).get(tp));
            } else {
                start = consumer.beginningOffsets(List.of(tp), TIMEOUT).get(tp);
            }
            out.put("from", start).put("latest", end);
            consumer.seek(tp, start);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            long position = start;
            while (messages.size() < limit && position < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (messages.size() >= limit) {
                        break;
                    }
                    messages.add(message(r));
                    position = r.offset() + 1;
                }
            }
        }
        return out;
    }

    private static ObjectNode message(ConsumerRecord<byte[], byte[]> r) {
        ObjectNode m = ElasticsearchRest.JSON.createObjectNode();
        m.put("offset", r.offset()).put("timestamp", Instant.ofEpochMilli(r.timestamp()).toString());
        m.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
        ObjectNode headers = m.putObject("headers");
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        String value = r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8);
        m.put("value", value);
        if (value != null) {
            try {
                JsonNode json = ElasticsearchRest.JSON.readTree(value);
                if (json != null && json.isContainerNode()) {
                    m.set("json", json);
                }
            } catch (java.io.IOException notJson) {
                // shown as text
            }
        }
        return m;
    }

    private Map<TopicPartition, OffsetAndMetadata> committed(String groupId) {
        Map<TopicPartition, OffsetAndMetadata> committed = get(admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata());
        Map<TopicPartition, OffsetAndMetadata> present = new HashMap<>();
        committed.forEach((tp, o) -> {
            if (o != null) {
                present.put(tp, o);
            }
        });
        return present;
    }

    private Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, OffsetSpec spec) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        get(admin.listOffsets(request).all()).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private Map<String, Config> topicConfigs(Set<String> names) {
        List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
        Map<String, Config> out = new HashMap<>();
        try {
            admin.describeConfigs(resources).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((r, c) -> out.put(r.name(), c));
        } catch (Exception e) {
            // A broker without DescribeConfigs: the topics are still listed, their retention shown as unknown.
        }
        return out;
    }

    private static String configValue(Config config, String name) {
        if (config == null || config.get(name) == null) {
            return null;
        }
        return config.get(name).value();
    }

    private static List<TopicPartition> sorted(Collection<TopicPartition> partitions) {
        List<TopicPartition> list = new ArrayList<>(partitions);
        list.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition())
                : a.topic().compareTo(b.topic()));
        return list;
    }

    private static <T> T get(KafkaFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            int status = cause instanceof org.apache.kafka.common.errors.GroupIdNotFoundException
                    || cause instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException ? 404 : 502;
            throw new ApiException(status, "Kafka: " + cause.getMessage());
        } catch (TimeoutException e) {
            throw new ApiException(504, "Kafka did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted");
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
