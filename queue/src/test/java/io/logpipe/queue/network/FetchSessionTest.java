package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.RawClient;
import io.logpipe.queue.TestBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental fetch sessions (KIP-227) on the wire, request by request: a full fetch with epoch 0 opens a session
 * and is answered with every partition; an incremental one names only what changed and is answered with only the
 * partitions that have news; forgotten partitions leave the session; a stale epoch, an unknown id or a session of a
 * closed connection are refused with Kafka's errors; a long poll on an idle session wakes for an append.
 */
class FetchSessionTest {
    private static final int PARTITIONS = 20;

    @TempDir
    static Path data;
    static TestBroker broker;
    static Uuid topicId;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Map.of());
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("sessions", PARTITIONS, (short) 1))).all().get();
            topicId = admin.describeTopics(List.of("sessions")).allTopicNames().get().get("sessions").topicId();
        }
        try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
            for (int p = 0; p < PARTITIONS; p++) {
                assertEquals(Errors.NONE, produce(client, p, "first of " + p));
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static Errors produce(RawClient client, int partition, String value) throws Exception {
        return client.produce("sessions", partition, MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(value.getBytes())));
    }

    private static FetchRequestData request(int sessionId, int epoch, int maxWaitMs) {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1).setMaxBytes(1 << 20)
                .setIsolationLevel((byte) 0).setSessionId(sessionId).setSessionEpoch(epoch);
    }

    private static FetchRequestData.FetchPartition at(int partition, long offset) {
        return new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset)
                .setPartitionMaxBytes(1 << 16).setLogStartOffset(-1);
    }

    /** Names {@code partitions} of the topic by id (v13+) with their offsets (partition, offset pairs). */
    private static FetchRequestData naming(FetchRequestData request, long... partitionOffsets) {
        FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopicId(topicId).setTopic("sessions");
        for (int i = 0; i < partitionOffsets.length; i += 2) {
            topic.partitions().add(at((int) partitionOffsets[i], partitionOffsets[i + 1]));
        }
        if (!topic.partitions().isEmpty()) {
            request.topics().add(topic);
        }
        return request;
    }

    private static FetchResponseData send(RawClient client, FetchRequestData request) throws Exception {
        FetchResponse response = client.send(new FetchRequest(request, (short) 17));
        return response.data();
    }

    private static List<Integer> partitionsIn(FetchResponseData response) {
        return response.responses().stream().flatMap(t -> t.partitions().stream())
                .map(FetchResponseData.PartitionData::partitionIndex).sorted().toList();
    }

    /** Every partition with its end offset (partition, offset pairs), from a fetch without a session. */
    private static long[] ends(RawClient client) throws Exception {
        FetchResponseData sessionless = send(client, naming(request(FetchMetadata.INVALID_SESSION_ID,
                FetchMetadata.FINAL_EPOCH, 0), allAt(0)));
        assertEquals(FetchMetadata.INVALID_SESSION_ID, sessionless.sessionId());
        long[] ends = new long[PARTITIONS * 2];
        for (FetchResponseData.PartitionData p : sessionless.responses().get(0).partitions()) {
            ends[2 * p.partitionIndex()] = p.partitionIndex();
            ends[2 * p.partitionIndex() + 1] = p.highWatermark();
        }
        return ends;
    }

    /** Opens a session on every partition at its end, so it is idle; returns its id. */
    private static int openSession(RawClient client) throws Exception {
        FetchResponseData full = send(client, naming(request(FetchMetadata.INVALID_SESSION_ID,
                FetchMetadata.INITIAL_EPOCH, 0), ends(client)));
        assertEquals(Errors.NONE.code(), full.errorCode());
        assertNotEquals(FetchMetadata.INVALID_SESSION_ID, full.sessionId(), "a session was opened");
        assertEquals(PARTITIONS, partitionsIn(full).size(), "a full response names every partition");
        return full.sessionId();
    }

    @Test
    void anIncrementalResponseCarriesOnlyThePartitionsWithNews() throws Exception {
        try (RawClient client = new RawClient("127.0.0.1", broker.port());
             RawClient producer = new RawClient("127.0.0.1", broker.port())) {
            int session = openSession(client);
            long leftOutBefore = broker.server().network().fetchSessions().counters().partitionsLeftOut();

            FetchResponseData idle = send(client, request(session, 1, 0));
            assertEquals(Errors.NONE.code(), idle.errorCode());
            assertEquals(session, idle.sessionId());
            assertEquals(List.of(), partitionsIn(idle), "nothing changed: no partition in the response");
            assertEquals(leftOutBefore + PARTITIONS,
                    broker.server().network().fetchSessions().counters().partitionsLeftOut());

            assertEquals(Errors.NONE, produce(producer, 7, "second of 7"));
            FetchResponseData news = send(client, request(session, 2, 0));
            assertEquals(List.of(7), partitionsIn(news), "only the partition that got a record");
            FetchResponseData.PartitionData seven = news.responses().get(0).partitions().get(0);
            assertEquals(topicId, news.responses().get(0).topicId());
            assertTrue(((MemoryRecords) seven.records()).sizeInBytes() > 0);

            // the client moves its position on partition 7 (names it), then nothing is new again
            FetchResponseData moved = send(client, naming(request(session, 3, 0), 7, seven.highWatermark()));
            assertEquals(List.of(), partitionsIn(moved));

            // a forgotten partition is left out even when it gets records
            FetchRequestData forget = request(session, 4, 0);
            forget.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopicId(topicId)
                    .setPartitions(List.of(3)));
            assertEquals(List.of(), partitionsIn(send(client, forget)));
            assertEquals(Errors.NONE, produce(producer, 3, "second of 3"));
            assertEquals(List.of(), partitionsIn(send(client, request(session, 5, 0))));
            // ...and a partition named again is back, answered with its records
            FetchResponseData back = send(client, naming(request(session, 6, 0), 3, 0));
            assertEquals(List.of(3), partitionsIn(back));
            assertTrue(((MemoryRecords) back.responses().get(0).partitions().get(0).records()).sizeInBytes() > 0);
        }
    }

    @Test
    void aStaleEpochOrAnUnknownSessionIsRefusedAsKafkaDoes() throws Exception {
        try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
            int session = openSession(client);
            assertEquals(Errors.NONE.code(), send(client, request(session, 1, 0)).errorCode());
            FetchResponseData stale = send(client, request(session, 1, 0));
            assertEquals(Errors.INVALID_FETCH_SESSION_EPOCH.code(), stale.errorCode());
            assertEquals(FetchMetadata.INVALID_SESSION_ID, stale.sessionId());
            FetchResponseData unknown = send(client, request(session + 1, 1, 0));
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(), unknown.errorCode());
            // epoch -1 closes the session and is answered as a full fetch without one
            FetchResponseData closing = send(client, naming(request(session, FetchMetadata.FINAL_EPOCH, 0), 0, 0));
            assertEquals(FetchMetadata.INVALID_SESSION_ID, closing.sessionId());
            assertEquals(List.of(0), partitionsIn(closing));
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(), send(client, request(session, 2, 0)).errorCode());
        }
    }

    @Test
    void theSessionsOfAClosedConnectionAreDropped() throws Exception {
        int session;
        FetchSessionCache cache = broker.server().network().fetchSessions();
        int before = cache.counters().sessions();
        try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
            session = openSession(client);
            assertEquals(before + 1, cache.counters().sessions());
        }
        Wait.until("the closed connection's session is dropped", Duration.ofSeconds(10),
                () -> cache.counters().sessions() == before);
        try (RawClient other = new RawClient("127.0.0.1", broker.port())) {
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(), send(other, request(session, 1, 0)).errorCode());
        }
    }

    @Test
    void aLongPollOnAnIdleSessionWakesForAnAppendAndAnswersThatPartitionAlone() throws Exception {
        FetchSessionCache cache = broker.server().network().fetchSessions();
        try (RawClient client = new RawClient("127.0.0.1", broker.port());
             RawClient producer = new RawClient("127.0.0.1", broker.port())) {
            int session = openSession(client);
            assertEquals(List.of(), partitionsIn(send(client, request(session, 1, 0))));
            int parkedBefore = cache.counters().waitingFetches();
            CompletableFuture<FetchResponseData> poll = CompletableFuture.supplyAsync(() -> {
                try {
                    return send(client, request(session, 2, 20_000));
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Wait.until("the long poll waits on the broker", Duration.ofSeconds(10),
                    () -> cache.counters().waitingFetches() == parkedBefore + 1);
            assertEquals(Errors.NONE, produce(producer, 11, "wake up"));
            // well before its max.wait.ms of 20 s: the append woke it
            FetchResponseData woken = poll.get(15, TimeUnit.SECONDS);
            assertEquals(List.of(11), partitionsIn(woken));
        }
    }

    @Test
    void librdkafkaFetchesWithoutASession() throws Exception {
        FetchSessionCache cache = broker.server().network().fetchSessions();
        long createdBefore = cache.counters().created();
        Process kcat = new ProcessBuilder("kcat", "-b", broker.bootstrap(), "-C", "-t", "sessions", "-o", "beginning",
                "-e", "-q", "-f", "%s\\n").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        kcat.getOutputStream().close();
        String out = new String(kcat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(kcat.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, kcat.exitValue());
        for (int p = 0; p < PARTITIONS; p++) {
            assertTrue(out.lines().anyMatch(("first of " + p)::equals), "kcat read partition " + p + ":\n" + out);
        }
        assertEquals(createdBefore, cache.counters().created(), "kcat (librdkafka) opened no fetch session");
    }

    private static long[] allAt(long offset) {
        long[] all = new long[PARTITIONS * 2];
        for (int p = 0; p < PARTITIONS; p++) {
            all[2 * p] = p;
            all[2 * p + 1] = offset;
        }
        return all;
    }
}
