package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle consumer's incremental fetch costs the same heap whether its session holds 10 partitions or 400: the
 * partitions without news are checked without allocating anything (measured with the JVM's per-thread allocation
 * counter, on the thread that runs the handler).
 */
class IdleFetchAllocationTest {
    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Map.of());
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("few", 10, (short) 1), new NewTopic("many", 400, (short) 1)))
                    .all().get();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Bytes one idle incremental fetch of a session on every partition of {@code topic} allocates, on average. */
    private static long bytesPerIdleFetch(String topic, int partitions) throws Exception {
        FetchSessionCache cache = FetchSessionCache.of(10);
        FetchHandler handler = new FetchHandler(broker.server().logs(), 1 << 20, cache);
        Uuid id = broker.server().logs().topic(topic).id();
        ClientRequest request = new ClientRequest(new RequestHeader(ApiKeys.FETCH, (short) 17, "test", 1), "conn", null,
                org.apache.kafka.common.security.auth.KafkaPrincipal.ANONYMOUS);
        FetchRequestData full = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(1 << 20).setSessionId(FetchMetadata.INVALID_SESSION_ID)
                .setSessionEpoch(FetchMetadata.INITIAL_EPOCH);
        FetchRequestData.FetchTopic wanted = new FetchRequestData.FetchTopic().setTopicId(id);
        for (int p = 0; p < partitions; p++) {
            wanted.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0)
                    .setPartitionMaxBytes(1 << 16));
        }
        full.topics().add(wanted);
        FetchResponse opened = (FetchResponse) handler.handle(request, new FetchRequest(full, (short) 17))
                .toCompletableFuture().get();
        int session = opened.data().sessionId();
        assertEquals(partitions, opened.data().responses().get(0).partitions().size());
        FetchRequestData idle = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(1 << 20).setSessionId(session);
        FetchRequest idleRequest = new FetchRequest(idle, (short) 17);
        int epoch = 1;
        long measured = 0;
        int rounds = 2000;
        for (int i = 0; i < 2 * rounds; i++) {
            idle.setSessionEpoch(epoch++);
            long before = allocatedBytes();
            FetchResponse response = (FetchResponse) handler.handle(request, idleRequest).toCompletableFuture().get();
            long after = allocatedBytes();
            assertEquals(0, response.data().responses().size(), "nothing new");
            if (i >= rounds) {
                measured += after - before; // the first half warms the code up
            }
        }
        return measured / rounds;
    }

    @Test
    void anIdleIncrementalFetchAllocatesTheSameForTenAndFourHundredPartitions() throws Exception {
        long few = bytesPerIdleFetch("few", 10);
        long many = bytesPerIdleFetch("many", 400);
        // one allocation of 16 bytes per partition would already be 6,400 bytes more
        assertTrue(many - few < 2000, "idle fetch: " + few + " bytes for 10 partitions, " + many + " for 400");
    }
}
