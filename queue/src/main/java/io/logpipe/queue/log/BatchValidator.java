package io.logpipe.queue.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Checks a produce payload the way Kafka's LogValidator does for a client's v2 batches, before anything touches the
 * log. Every batch is decoded record by record (a compressed one decompressed as a stream, keys and values skipped,
 * so memory stays at one decompression buffer whatever the batch expands to), and the header must agree with what
 * the records say: the record count, {@code lastOffsetDelta = count - 1}, each record's offset delta equal to its
 * position, the codec one Kafka knows, the records filling the batch exactly. {@code maxTimestamp} is then rewritten
 * from the records (with the CRC), since clients such as older Sarama send -1 there; the time index trusts it.
 *
 * <p>Bytes that fail the CRC or do not frame as batches answer CORRUPT_MESSAGE; a batch whose CRC holds but whose
 * content contradicts its header or does not decompress answers INVALID_RECORD (not retriable: resending the same
 * bytes cannot help).
 */
public final class BatchValidator {
    /**
     * The most a batch may expand to. Kafka itself has no such bound; ours stops a zip bomb from keeping a request
     * thread busy for minutes, and no consumer handles more in one batch (kafka-clients sizes batches as int).
     */
    static final long MAX_DECOMPRESSED_BYTES = Integer.MAX_VALUE;

    /** Decompression buffers, reused per thread (BufferSupplier is not thread-safe). */
    private static final ThreadLocal<BufferSupplier> BUFFERS = ThreadLocal.withInitial(BufferSupplier::create);

    private BatchValidator() {
    }

    /** A validated produce payload: how many batches and records, and its producer identity. */
    public record Validated(MemoryRecords records, int batches, long producerId, short producerEpoch, int firstSeq,
                            int lastSeq, long offsetCount) {
    }

    /**
     * Validates {@code records} (batches of at most {@code maxBatchBytes} each) and rewrites each batch's
     * {@code maxTimestamp} from its records. Throws the ApiException whose error code answers the producer.
     */
    public static Validated validate(MemoryRecords records, int maxBatchBytes) {
        try {
            return validateBatches(records, maxBatchBytes);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // kafka-clients' batch iterator on a length field no batch can have (2^31-1 overflows its arithmetic)
            throw new CorruptRecordException("produce payload does not frame as record batches: " + e.getMessage());
        }
    }

    private static Validated validateBatches(MemoryRecords records, int maxBatchBytes) {
        int batches = 0;
        int bytes = 0;
        long producerId = RecordBatch.NO_PRODUCER_ID;
        short epoch = RecordBatch.NO_PRODUCER_EPOCH;
        int firstSeq = RecordBatch.NO_SEQUENCE;
        int lastSeq = RecordBatch.NO_SEQUENCE;
        boolean transactional = false;
        long offsets = 0;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                throw new UnsupportedForMessageFormatException("record batch magic " + batch.magic()
                        + " is not supported; only v2 batches (Kafka 0.11+ clients)");
            }
            if (batch.sizeInBytes() > maxBatchBytes) {
                throw new RecordTooLargeException("record batch of " + batch.sizeInBytes()
                        + " bytes exceeds message.max.bytes " + maxBatchBytes);
            }
            batch.ensureValid();
            validateHeader(batch);
            batch.setMaxTimestamp(TimestampType.CREATE_TIME, validateRecords((DefaultRecordBatch) batch));
            if (batches == 0) {
                producerId = batch.producerId();
                epoch = batch.producerEpoch();
                firstSeq = batch.baseSequence();
                transactional = batch.isTransactional();
            } else if (batch.producerId() != producerId) {
                throw new InvalidRecordException("one produce payload holds batches of several producers");
            } else if (batch.isTransactional() != transactional) {
                throw new InvalidRecordException("one produce payload mixes transactional and other batches");
            }
            lastSeq = batch.lastSequence();
            offsets += batch.lastOffset() - batch.baseOffset() + 1;
            bytes += batch.sizeInBytes();
            batches++;
        }
        if (bytes != records.sizeInBytes()) {
            throw new CorruptRecordException("produce payload of " + records.sizeInBytes() + " bytes has "
                    + (records.sizeInBytes() - bytes) + " bytes that are not a complete record batch");
        }
        if (batches == 0) {
            throw new InvalidRecordException("produce payload holds no record batch");
        }
        return new Validated(records, batches, producerId, epoch, firstSeq, lastSeq, offsets);
    }

    private static void validateHeader(MutableRecordBatch batch) {
        if (batch.isControlBatch()) {
            // markers are the transaction coordinator's to write, as in Kafka
            throw new InvalidRecordException("clients cannot send control batches");
        }
        if (batch.isTransactional() && !batch.hasProducerId()) {
            throw new InvalidRecordException("transactional record batch has no producer id");
        }
        long countFromOffsets = batch.lastOffset() - batch.baseOffset() + 1;
        if (countFromOffsets <= 0) {
            throw new InvalidRecordException("record batch has an invalid offset range: lastOffsetDelta "
                    + (countFromOffsets - 1));
        }
        Integer count = batch.countOrNull();
        if (count == null || count <= 0) {
            throw new InvalidRecordException("record batch declares an invalid record count " + count);
        }
        if (count != countFromOffsets) {
            throw new InvalidRecordException("record batch declares " + count + " records but lastOffsetDelta "
                    + (countFromOffsets - 1));
        }
        if (batch.hasProducerId() && batch.baseSequence() < 0) {
            throw new InvalidRecordException("record batch of producer " + batch.producerId()
                    + " has invalid base sequence " + batch.baseSequence());
        }
        try {
            batch.compressionType();
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException("record batch names an unknown compression codec: " + e.getMessage());
        }
    }

    /** Reads every record of {@code batch}; returns the largest record timestamp. */
    private static long validateRecords(DefaultRecordBatch batch) {
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        long expectedOffset = batch.baseOffset();
        long decompressed = 0;
        boolean compressed = batch.compressionType() != CompressionType.NONE;
        try (CloseableIterator<Record> records = batch.skipKeyValueIterator(BUFFERS.get())) {
            while (records.hasNext()) {
                Record record = records.next();
                if (record.offset() != expectedOffset) {
                    throw new InvalidRecordException("record " + (expectedOffset - batch.baseOffset())
                            + " of the batch has offset delta " + (record.offset() - batch.baseOffset())
                            + "; a batch's records must have offset deltas 0, 1, 2, ...");
                }
                expectedOffset++;
                maxTimestamp = Math.max(maxTimestamp, record.timestamp());
                decompressed += record.sizeInBytes();
                if (compressed && decompressed > MAX_DECOMPRESSED_BYTES) {
                    throw new InvalidRecordException("compressed record batch expands past "
                            + MAX_DECOMPRESSED_BYTES + " bytes");
                }
            }
        } catch (ApiException e) {
            throw e;
        } catch (KafkaException | IllegalArgumentException | IllegalStateException | java.nio.BufferUnderflowException e) {
            // how kafka-clients and the codecs report unreadable compressed data (bad gzip, lz4 dependent blocks)
            throw new InvalidRecordException(batch.compressionType().name + " record batch does not decompress: "
                    + rootMessage(e));
        }
        if (expectedOffset != batch.lastOffset() + 1) {
            throw new InvalidRecordException("record batch declares " + batch.countOrNull() + " records but holds "
                    + (expectedOffset - batch.baseOffset()));
        }
        return maxTimestamp;
    }

    /** The innermost cause's message: the codec's own words ("Not in GZIP format"). */
    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return String.valueOf(cause.getMessage());
    }
}
