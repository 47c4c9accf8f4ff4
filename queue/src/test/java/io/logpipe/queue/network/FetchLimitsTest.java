package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import io.logpipe.queue.RawClient;
import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetch requests no consumer sends, over a raw socket: whatever {@code max_bytes} a request asks for, the response
 * carries at most {@code fetch.max.bytes} of records (plus the first batch when that alone is larger, as Kafka
 * does), and a partition named thousands of times is answered once.
 */
class FetchLimitsTest {
    private static final int FETCH_MAX_BYTES = 4096;

    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Map.of("fetch.max.bytes", Integer.toString(FETCH_MAX_BYTES)));
        try (var admin = broker.admin()) {
            admin.createTopics(java.util.List.of(new NewTopic("limits", 3, (short) 1))).all().get();
        }
        try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
            for (int partition = 0; partition < 3; partition++) {
                for (int i = 0; i < 20; i++) {
                    MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE,
                            new SimpleRecord(("p" + partition + " record " + i + " " + "x".repeat(400)).getBytes()));
                    assertEquals(Errors.NONE, client.produce("limits", partition, batch));
                }
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static FetchResponseData fetch(FetchRequestData.FetchTopic topic) throws Exception {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(Integer.MAX_VALUE).setIsolationLevel((byte) 0);
        request.topics().add(topic);
        try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
            FetchResponse response = client.send(new FetchRequest(request, (short) 12));
            return response.data();
        }
    }

    private static FetchRequestData.FetchPartition partition(int index) {
        return new FetchRequestData.FetchPartition().setPartition(index).setFetchOffset(0)
                .setPartitionMaxBytes(Integer.MAX_VALUE).setLogStartOffset(-1);
    }

    private static int recordBytes(FetchResponseData response) {
        return response.responses().stream().flatMap(t -> t.partitions().stream())
                .mapToInt(p -> ((MemoryRecords) p.records()).sizeInBytes()).sum();
    }

    @Test
    void aResponseCarriesAtMostFetchMaxBytesWhateverTheRequestAsks() throws Exception {
        FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic("limits");
        for (int p = 0; p < 3; p++) {
            topic.partitions().add(partition(p));
        }
        FetchResponseData response = fetch(topic);
        int bytes = recordBytes(response);
        assertTrue(bytes > 0 && bytes <= FETCH_MAX_BYTES, bytes + " record bytes for a fetch.max.bytes of " + FETCH_MAX_BYTES);
        assertEquals(3, response.responses().get(0).partitions().size(), "every partition is answered, if empty");
    }

    @Test
    void aPartitionNamedFourThousandTimesIsAnsweredOnce() throws Exception {
        FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic("limits");
        for (int i = 0; i < 4000; i++) {
            topic.partitions().add(partition(1));
        }
        FetchResponseData response = fetch(topic);
        assertEquals(1, response.responses().size());
        assertEquals(1, response.responses().get(0).partitions().size());
        assertEquals(Errors.NONE.code(), response.responses().get(0).partitions().get(0).errorCode());
        assertTrue(recordBytes(response) <= FETCH_MAX_BYTES);
    }
}
