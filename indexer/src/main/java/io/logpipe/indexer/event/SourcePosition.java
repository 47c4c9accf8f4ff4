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

    /** Which of the events decoded from one record this is (a JSON array gives several); 0 for the first. */
    default int sequence() {
        return 0;
    }

    /** Called once every output has written the event (or the event was dropped by a filter). */
    void acknowledge();

    /** {@code topic-partition-offset} (then {@code -n} for a record's further events): the same on every replay. */
    default String documentId() {
        String id = topic() + "-" + partition() + "-" + offset();
        return sequence() == 0 ? id : id + "-" + sequence();
    }
}
