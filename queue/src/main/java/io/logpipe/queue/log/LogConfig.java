package io.logpipe.queue.log;

import io.logpipe.queue.config.BrokerConfig;

/** The settings a partition's log works with (Kafka's log.* broker settings). */
public record LogConfig(int segmentBytes, long rollMs, int indexIntervalBytes, int maxIndexSize,
                        long flushIntervalMessages, long flushIntervalMs, long retentionMs, long retentionBytes,
                        int maxBatchBytes) {

    public static LogConfig from(BrokerConfig config) {
        return new LogConfig(config.logSegmentBytes(), config.logRollMs(), config.logIndexIntervalBytes(),
                config.logIndexSizeMaxBytes(), config.logFlushIntervalMessages(), config.logFlushIntervalMs(),
                config.logRetentionMs(), config.logRetentionBytes(), config.messageMaxBytes());
    }

    /** Kafka's defaults, for tests that vary one setting. */
    public static LogConfig defaults() {
        return new LogConfig(1 << 30, 7L * 24 * 3600 * 1000, 4096, 10 << 20, Long.MAX_VALUE, Long.MAX_VALUE, -1, -1,
                1048588);
    }

    public LogConfig withSegmentBytes(int bytes) {
        return new LogConfig(bytes, rollMs, indexIntervalBytes, maxIndexSize, flushIntervalMessages, flushIntervalMs,
                retentionMs, retentionBytes, maxBatchBytes);
    }

    public LogConfig withIndexIntervalBytes(int bytes) {
        return new LogConfig(segmentBytes, rollMs, bytes, maxIndexSize, flushIntervalMessages, flushIntervalMs,
                retentionMs, retentionBytes, maxBatchBytes);
    }

    public LogConfig withRollMs(long ms) {
        return new LogConfig(segmentBytes, ms, indexIntervalBytes, maxIndexSize, flushIntervalMessages,
                flushIntervalMs, retentionMs, retentionBytes, maxBatchBytes);
    }

    public LogConfig withRetention(long ms, long bytes) {
        return new LogConfig(segmentBytes, rollMs, indexIntervalBytes, maxIndexSize, flushIntervalMessages,
                flushIntervalMs, ms, bytes, maxBatchBytes);
    }

    public LogConfig withFlushIntervalMessages(long messages) {
        return new LogConfig(segmentBytes, rollMs, indexIntervalBytes, maxIndexSize, messages, flushIntervalMs,
                retentionMs, retentionBytes, maxBatchBytes);
    }

    public LogConfig withFlushIntervalMs(long ms) {
        return new LogConfig(segmentBytes, rollMs, indexIntervalBytes, maxIndexSize, flushIntervalMessages, ms,
                retentionMs, retentionBytes, maxBatchBytes);
    }
}
