package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.RawClient;
import io.logpipe.queue.TestBroker;
import net.jpountz.xxhash.XXHashFactory;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Crc32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches whose CRC holds but whose content contradicts the header, built byte by byte as a buggy client would
 * send them: each is refused with the log unchanged, and afterwards the Java consumer and kcat both read the
 * partition to its end. And the batch old Sarama sends (maxTimestamp -1) is stored with the timestamp its records
 * carry, so the time index and ListOffsets by time work past the first index interval.
 */
class BatchValidationTest {
    // the v2 batch header (DefaultRecordBatch's layout)
    private static final int CRC = 17;
    private static final int ATTRIBUTES = 21;
    private static final int LAST_OFFSET_DELTA = 23;
    private static final int MAX_TIMESTAMP = 35;
    private static final int RECORDS_COUNT = 57;
    private static final int RECORDS = 61;

    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Map.of("auto.create.topics.enable", "false", "log.index.interval.bytes", "200"));
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("poison", 1, (short) 1), new NewTopic("sarama", 1, (short) 1)))
                    .all().get();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static MemoryRecords batch(Compression compression, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1_700_000_000_000L + i, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(compression, records);
    }

    /** The batch's bytes after {@code edit}, with the CRC recomputed so that only the content is wrong. */
    private static MemoryRecords edited(MemoryRecords records, java.util.function.Consumer<ByteBuffer> edit) {
        ByteBuffer buffer = ByteBuffer.allocate(records.sizeInBytes());
        buffer.put(records.buffer().duplicate()).flip();
        edit.accept(buffer);
        buffer.putInt(CRC, (int) Crc32C.compute(buffer, ATTRIBUTES, buffer.limit() - ATTRIBUTES));
        MemoryRecords result = MemoryRecords.readableRecords(buffer);
        result.batches().iterator().next().ensureValid();
        return result;
    }

    private static Errors produce(String topic, MemoryRecords records) throws IOException {
        try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
            return client.produce(topic, 0, records);
        }
    }

    private static long endOffset(String topic) {
        return broker.server().logs().log(new TopicPartition(topic, 0)).logEndOffset();
    }

    /** Refused with {@code expected}, nothing appended; then a good batch lands right after. */
    private static void assertRefusedThenGoodLands(Errors expected, MemoryRecords bad, List<String> good)
            throws IOException {
        long before = endOffset("poison");
        assertEquals(expected, produce("poison", bad));
        assertEquals(before, endOffset("poison"), "a refused batch changes nothing");
        String value = "good after " + expected + " #" + good.size();
        assertEquals(Errors.NONE, produce("poison", batch(Compression.NONE, value)));
        good.add(value);
    }

    @Test
    void badBatchesAreRefusedAndThePartitionStillReadsToItsEnd() throws Exception {
        List<String> good = new ArrayList<>();
        // a codec flag over bytes that are not that codec's stream
        for (int codec = 1; codec <= 4; codec++) {
            short flag = (short) codec;
            assertRefusedThenGoodLands(Errors.INVALID_RECORD, edited(batch(Compression.NONE, "not compressed"),
                    b -> b.putShort(ATTRIBUTES, (short) (b.getShort(ATTRIBUTES) | flag))), good);
        }
        // an lz4 frame of dependent blocks (lz4js's default), its descriptor checksum correct
        assertRefusedThenGoodLands(Errors.INVALID_RECORD, edited(batch(Compression.lz4().build(), "dependent"), b -> {
            int flg = RECORDS + 4;
            b.put(flg, (byte) (b.get(flg) & ~0x20));
            byte[] descriptor = {b.get(flg), b.get(flg + 1)};
            int hash = XXHashFactory.fastestInstance().hash32().hash(descriptor, 0, 2, 0);
            b.put(flg + 2, (byte) ((hash >> 8) & 0xff));
        }), good);
        // the header claims five records, one is there (lastOffsetDelta agreeing with the count)
        assertRefusedThenGoodLands(Errors.INVALID_RECORD, edited(batch(Compression.NONE, "only one"),
                b -> b.putInt(RECORDS_COUNT, 5).putInt(LAST_OFFSET_DELTA, 4)), good);
        // the same lie inside a compressed batch
        assertRefusedThenGoodLands(Errors.INVALID_RECORD, edited(batch(Compression.gzip().build(), "only one"),
                b -> b.putInt(RECORDS_COUNT, 5).putInt(LAST_OFFSET_DELTA, 4)), good);
        // fewer records claimed than held
        assertRefusedThenGoodLands(Errors.INVALID_RECORD, edited(batch(Compression.NONE, "one", "two", "three"),
                b -> b.putInt(RECORDS_COUNT, 2).putInt(LAST_OFFSET_DELTA, 1)), good);
        // lastOffsetDelta 2^31-1 with one record: the high watermark would jump by two billion
        assertRefusedThenGoodLands(Errors.INVALID_RECORD, edited(batch(Compression.NONE, "far"),
                b -> b.putInt(LAST_OFFSET_DELTA, Integer.MAX_VALUE)), good);
        // records whose offset deltas are not 0, 1, 2: the second record's delta (its 3rd byte) rewritten
        MemoryRecords two = batch(Compression.NONE, "a", "b");
        assertRefusedThenGoodLands(Errors.INVALID_RECORD, edited(two, b -> {
            int second = RECORDS + 1 + b.get(RECORDS) / 2; // a record starts with its length as a zigzag varint
            b.put(second + 1 + 1 + 1, (byte) 8); // length, attributes, timestamp delta (0/1 fits one byte), delta 4
        }), good);
        // an unknown codec id
        assertRefusedThenGoodLands(Errors.INVALID_RECORD, edited(batch(Compression.NONE, "codec 6"),
                b -> b.putShort(ATTRIBUTES, (short) (b.getShort(ATTRIBUTES) | 6))), good);

        TopicPartition tp = new TopicPartition("poison", 0);
        assertEquals(good.size(), endOffset("poison"), "one offset per accepted record, no gaps");
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            List<ConsumerRecord<String, String>> records = ProduceConsumeTest.readAll(consumer, List.of(tp), good.size());
            assertEquals(good, records.stream().map(ConsumerRecord::value).toList());
        }
        Process kcat = new ProcessBuilder("kcat", "-b", broker.bootstrap(), "-C", "-t", "poison", "-p", "0",
                "-o", "beginning", "-e", "-q").redirectErrorStream(true).start();
        assertTrue(kcat.waitFor(60, TimeUnit.SECONDS), "kcat did not reach the end of the partition");
        String out = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, kcat.exitValue(), out);
        assertEquals(good, out.lines().toList());
    }

    @Test
    void aBatchLengthOfTwoToTheThirtyOneMinusOneIsCorrupt() throws Exception {
        long before = endOffset("poison");
        MemoryRecords records = batch(Compression.NONE, "huge claim");
        ByteBuffer claim = ByteBuffer.allocate(records.sizeInBytes());
        claim.put(records.buffer().duplicate()).flip();
        claim.putInt(8, Integer.MAX_VALUE); // the batch length field
        assertEquals(Errors.CORRUPT_MESSAGE, produce("poison", MemoryRecords.readableRecords(claim)));
        assertEquals(before, endOffset("poison"));
    }

    @Test
    void aBatchWithMaxTimestampMinusOneIsStoredWithItsRecordsTimestamps() throws Exception {
        long base = 1_700_000_000_000L;
        int batches = 40; // about 100 bytes each: many index intervals of 200 bytes
        for (int i = 0; i < batches; i++) {
            MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord(base + i * 1000L, null, ("sarama line " + i + " " + "x".repeat(30)).getBytes()));
            MemoryRecords likeOldSarama = edited(records, b -> b.putLong(MAX_TIMESTAMP, RecordBatch.NO_TIMESTAMP));
            assertEquals(Errors.NONE, produce("sarama", likeOldSarama), "batch " + i);
        }
        assertEquals(batches, endOffset("sarama"));
        for (var segment : broker.server().logs().log(new TopicPartition("sarama", 0)).segments()) {
            for (RecordBatch stored : segment.records().batches()) {
                assertEquals(base + stored.baseOffset() * 1000L, stored.maxTimestamp(), "recomputed from the record");
                assertTrue(stored instanceof DefaultRecordBatch || stored.isValid());
                stored.ensureValid();
            }
        }
        TopicPartition tp = new TopicPartition("sarama", 0);
        try (var admin = broker.admin()) {
            for (int i : new int[] {0, 17, 39}) {
                long offset = admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(base + i * 1000L - 500))).all().get()
                        .get(tp).offset();
                assertEquals(i, offset, "ListOffsets by time for record " + i);
            }
        }
    }
}
