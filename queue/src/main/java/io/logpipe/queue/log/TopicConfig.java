package io.logpipe.queue.log;

import io.logpipe.common.io.AtomicFile;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.common.errors.InvalidConfigurationException;

/**
 * A topic's config overrides (Kafka's topic-level settings that differ from the broker's {@code log.*} defaults) and
 * the {@code topic.config} file that keeps them in each of the topic's partition directories, so a partition
 * directory describes itself after a restart as {@code partition.metadata} does.
 */
public final class TopicConfig {
    public static final String FILE_NAME = "topic.config";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    /** The overrides a topic can store; Kafka's other topic keys are not implemented here. */
    public static final Set<String> SUPPORTED = Set.of(RETENTION_MS, RETENTION_BYTES, SEGMENT_BYTES, SEGMENT_MS,
            CLEANUP_POLICY, FILE_DELETE_DELAY_MS);
    public static final TopicConfig NONE = new TopicConfig(Map.of());

    private final Map<String, String> overrides;

    private TopicConfig(Map<String, String> overrides) {
        this.overrides = Collections.unmodifiableMap(new TreeMap<>(overrides));
    }

    /** Checks every key and value; throws InvalidConfigurationException naming the offending key. */
    public static TopicConfig of(Map<String, String> overrides) {
        for (var e : overrides.entrySet()) {
            validate(e.getKey(), e.getValue());
        }
        return new TopicConfig(overrides);
    }

    public static void validateKey(String key) {
        if (!SUPPORTED.contains(key)) {
            throw new InvalidConfigurationException("topic config " + key + " is not supported by this broker; "
                    + "supported: " + new java.util.TreeSet<>(SUPPORTED));
        }
    }

    public static void validate(String key, String value) {
        validateKey(key);
        if (value == null) {
            throw new InvalidConfigurationException("topic config " + key + ": a value is required");
        }
        switch (key) {
            case RETENTION_MS, RETENTION_BYTES -> number(key, value, -1, Long.MAX_VALUE);
            case SEGMENT_BYTES -> number(key, value, 1024, Integer.MAX_VALUE);
            case SEGMENT_MS -> number(key, value, 1, Long.MAX_VALUE);
            case FILE_DELETE_DELAY_MS -> number(key, value, 0, Long.MAX_VALUE);
            case CLEANUP_POLICY -> {
                if (!value.strip().equals("delete")) {
                    throw new InvalidConfigurationException("topic config " + key + "=" + value
                            + ": only 'delete' is supported (this broker does not compact)");
                }
            }
            default -> throw new IllegalStateException(key);
        }
    }

    private static long number(String key, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException("topic config " + key + "=" + value + ": not a whole number");
        }
        if (n < min || n > max) {
            throw new InvalidConfigurationException("topic config " + key + "=" + value + ": must be between " + min
                    + " and " + max);
        }
        return n;
    }

    public Map<String, String> overrides() {
        return overrides;
    }

    public boolean isEmpty() {
        return overrides.isEmpty();
    }

    /** A copy with {@code key} set ({@code value} non-null) or removed ({@code value} null), validated. */
    public TopicConfig with(String key, String value) {
        Map<String, String> changed = new TreeMap<>(overrides);
        if (value == null) {
            changed.remove(key);
        } else {
            validate(key, value);
            changed.put(key, value.strip());
        }
        return new TopicConfig(changed);
    }

    /** The broker's settings with this topic's overrides on top. */
    public LogConfig applyTo(LogConfig broker) {
        LogConfig config = broker;
        String v;
        if ((v = overrides.get(SEGMENT_BYTES)) != null) {
            config = config.withSegmentBytes(Integer.parseInt(v));
        }
        if ((v = overrides.get(SEGMENT_MS)) != null) {
            config = config.withRollMs(Long.parseLong(v));
        }
        if ((v = overrides.get(FILE_DELETE_DELAY_MS)) != null) {
            config = config.withFileDeleteDelayMs(Long.parseLong(v));
        }
        long retentionMs = (v = overrides.get(RETENTION_MS)) != null ? Long.parseLong(v) : config.retentionMs();
        long retentionBytes = (v = overrides.get(RETENTION_BYTES)) != null ? Long.parseLong(v) : config.retentionBytes();
        return config.withRetention(retentionMs, retentionBytes);
    }

    /** Writes the overrides atomically; an empty config removes the file. */
    public void write(Path partitionDir) throws IOException {
        Path file = partitionDir.resolve(FILE_NAME);
        if (overrides.isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        StringBuilder text = new StringBuilder("# topic-level config overrides, written by logpipe queue\n");
        overrides.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        AtomicFile.writeString(file, text);
    }

    /** The overrides stored in {@code partitionDir}, or null when it has no {@code topic.config}. */
    public static TopicConfig read(Path partitionDir) throws IOException {
        Path file = partitionDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        Properties props = new Properties();
        props.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        Map<String, String> overrides = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> overrides.put(k, props.getProperty(k)));
        try {
            return of(overrides);
        } catch (InvalidConfigurationException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return overrides.toString();
    }
}
