package io.logpipe.queue.txn;

/**
 * Kafka's transaction states, under the names DescribeTransactions and ListTransactions report. A transaction moves
 * Empty → Ongoing (first AddPartitionsToTxn/AddOffsetsToTxn) → PrepareCommit/PrepareAbort (EndTxn or a timeout,
 * durable before any marker is written) → CompleteCommit/CompleteAbort (every marker written, group offsets applied)
 * → Ongoing again with the next transaction. The id is the byte the transaction log stores.
 */
public enum TransactionState {
    EMPTY(0, "Empty"),
    ONGOING(1, "Ongoing"),
    PREPARE_COMMIT(2, "PrepareCommit"),
    PREPARE_ABORT(3, "PrepareAbort"),
    COMPLETE_COMMIT(4, "CompleteCommit"),
    COMPLETE_ABORT(5, "CompleteAbort");

    final byte id;
    /** Kafka's name, as clients and {@code kafka-transactions} show it. */
    public final String kafkaName;

    TransactionState(int id, String kafkaName) {
        this.id = (byte) id;
        this.kafkaName = kafkaName;
    }

    static TransactionState of(byte id) {
        for (TransactionState state : values()) {
            if (state.id == id) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown transaction state " + id);
    }

    /** Between the decision and the last marker: markers are (re)written, nothing else may happen. */
    boolean preparing() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    /** Kafka's state by its name (ListTransactions' filter), or null. */
    static TransactionState byKafkaName(String name) {
        for (TransactionState state : values()) {
            if (state.kafkaName.equalsIgnoreCase(name)) {
                return state;
            }
        }
        return null;
    }
}
