package io.logpipe.indexer.event;

/**
 * Where an event was read: a Kafka topic, partition and offset. Acknowledging the event lets its input advance
 * the partition's committed offset; the position also names the event's document deterministically, so a replay
 * after a crash overwrites instead of duplicating.
 */
public interface SourcePosition {
    String topic();

    int partition();

    long offset();

    /** Called once every output has written the event (or the event was dropped by a filter). */
    void acknowledge();

    /** {@code topic-partition-offset}: unique per record of one cluster, and the same on every replay. */
    default String documentId() {
        return topic() + "-" + partition() + "-" + offset();
    }
}
