package io.logpipe.queue.log;

import io.logpipe.queue.config.BrokerConfig;

/**
 * The settings a partition's log works with (Kafka's log.* broker settings). {@code fileDeleteDelayMs} is how long
 * a segment removed by retention keeps its files, renamed {@code .deleted}, for fetches still sending from it
 * (Kafka's {@code file.delete.delay.ms}, default one minute).
 */
public record LogConfig(int segmentBytes, long rollMs, int indexIntervalBytes, int maxIndexSize,
                        long flushIntervalMessages, long flushIntervalMs, long retentionMs, long retentionBytes,
                        int maxBatchBytes, long fileDeleteDelayMs) {
    /** Kafka's default file.delete.delay.ms (log.segment.delete.delay.ms). */
    public static final long DEFAULT_FILE_DELETE_DELAY_MS = 60_000;

    public LogConfig(int segmentBytes, long rollMs, int indexIntervalBytes, int maxIndexSize,
                     long flushIntervalMessages, long flushIntervalMs, long retentionMs, long retentionBytes,
                     int maxBatchBytes) {
        this(segmentBytes, rollMs, indexIntervalBytes, maxIndexSize, flushIntervalMessages, flushIntervalMs,
                retentionMs, retentionBytes, maxBatchBytes, DEFAULT_FILE_DELETE_DELAY_MS);
    }

    public static LogConfig from(BrokerConfig config) {
        return new LogConfig(config.logSegmentBytes(), config.logRollMs(), config.logIndexIntervalBytes(),
                config.logIndexSizeMaxBytes(), config.logFlushIntervalMessages(), config.logFlushIntervalMs(),
                config.logRetentionMs(), config.logRetentionBytes(), config.messageMaxBytes(),
                config.logSegmentDeleteDelayMs());
    }

    /** Kafka's defaults, for tests that vary one setting. */
    public static LogConfig defaults() {
        return new LogConfig(1 << 30, 7L * 24 * 3600 * 1000, 4096, 10 << 20, Long.MAX_VALUE, Long.MAX_VALUE, -1, -1,
                1048588);
    }

    public LogConfig withSegmentBytes(int bytes) {
        return new LogConfig(bytes, rollMs, indexIntervalBytes, maxIndexSize, flushIntervalMessages, flushIntervalMs,
                retentionMs, retentionBytes, maxBatchBytes, fileDeleteDelayMs);
    }

    public LogConfig withIndexIntervalBytes(int bytes) {
        return new LogConfig(segmentBytes, rollMs, bytes, maxIndexSize, flushIntervalMessages, flushIntervalMs,
                retentionMs, retentionBytes, maxBatchBytes, fileDeleteDelayMs);
    }

    public LogConfig withRollMs(long ms) {
        return new LogConfig(segmentBytes, ms, indexIntervalBytes, maxIndexSize, flushIntervalMessages,
                flushIntervalMs, retentionMs, retentionBytes, maxBatchBytes, fileDeleteDelayMs);
    }

    public LogConfig withRetention(long ms, long bytes) {
        return new LogConfig(segmentBytes, rollMs, indexIntervalBytes, maxIndexSize, flushIntervalMessages,
                flushIntervalMs, ms, bytes, maxBatchBytes, fileDeleteDelayMs);
    }

    public LogConfig withFlushIntervalMessages(long messages) {
        return new LogConfig(segmentBytes, rollMs, indexIntervalBytes, maxIndexSize, messages, flushIntervalMs,
                retentionMs, retentionBytes, maxBatchBytes, fileDeleteDelayMs);
    }

    public LogConfig withFlushIntervalMs(long ms) {
        return new LogConfig(segmentBytes, rollMs, indexIntervalBytes, maxIndexSize, flushIntervalMessages, ms,
                retentionMs, retentionBytes, maxBatchBytes, fileDeleteDelayMs);
    }

    public LogConfig withFileDeleteDelayMs(long ms) {
        return new LogConfig(segmentBytes, rollMs, indexIntervalBytes, maxIndexSize, flushIntervalMessages,
                flushIntervalMs, retentionMs, retentionBytes, maxBatchBytes, ms);
    }
}
