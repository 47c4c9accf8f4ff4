package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.ChildBroker;
import io.logpipe.queue.RawClient;
import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request is refused by the number of entries it declares before kafka-clients parses it into an object per entry:
 * a Fetch naming 3,000,000 partitions (48 MB on the wire, under {@code socket.request.max.bytes}) closes only its
 * own connection with one line naming the API, the count and the limit, and the broker, on a 256 MB heap, goes on
 * serving other clients.
 */
class RequestEntriesTest {
    @TempDir
    Path work;

    private static ByteBuffer body(FetchRequestData data, short version) {
        ByteBuffer frame = new FetchRequest(data, version).serializeWithHeader(
                new RequestHeader(ApiKeys.FETCH, version, "test", 1));
        RequestHeader.parse(frame); // leaves the position at the body, as KafkaApis has it
        return frame;
    }

    private static FetchRequestData fetchOf(int topics, int partitionsEach) {
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(500).setMinBytes(1)
                .setMaxBytes(1 << 20);
        for (int t = 0; t < topics; t++) {
            FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic("topic-" + t)
                    .setTopicId(Uuid.randomUuid());
            for (int p = 0; p < partitionsEach; p++) {
                topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(p)
                        .setPartitionMaxBytes(1 << 20));
            }
            data.topics().add(topic);
        }
        return data;
    }

    @Test
    void countsTopicsAndPartitionsAtEveryLevelInOldAndFlexibleVersions() {
        for (short version : new short[] {4, 11, 12, 13, 17}) {
            ByteBuffer body = body(fetchOf(3, 7), version);
            int position = body.position();
            RequestEntries.Count count = RequestEntries.count(ApiKeys.FETCH, version, body, 1000);
            assertEquals(3 + 3 * 7, count.entries(), "Fetch v" + version);
            assertFalse(count.overLimit());
            assertEquals(position, body.position(), "the walk leaves the frame as it found it");
        }
    }

    @Test
    void stopsAsSoonAsTheLimitIsPassed() {
        RequestEntries.Count count = RequestEntries.count(ApiKeys.FETCH, (short) 12, body(fetchOf(2, 100), (short) 12), 50);
        assertTrue(count.overLimit());
        assertEquals(2 + 100, count.entries(), "an array counts whole, as it declares itself, before its elements");
    }

    @Test
    void aTruncatedFrameIsLeftToTheParser() {
        ByteBuffer body = body(fetchOf(1, 10), (short) 12);
        body.limit(body.limit() - 30);
        RequestEntries.Count count = RequestEntries.count(ApiKeys.FETCH, (short) 12, body, 5);
        assertTrue(count.overLimit(), "the declared partitions count before the missing bytes are noticed");
        RequestEntries.Count lying = RequestEntries.count(ApiKeys.FETCH, (short) 12, body, 1000);
        assertFalse(lying.overLimit());
    }

    @Test
    void theLimitIsRequestMaxEntriesFromServerProperties() throws Exception {
        try (TestBroker broker = TestBroker.start(work.resolve("data"), Map.of("request.max.entries", "50"))) {
            try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
                FetchRequestData data = fetchOf(1, 100);
                assertThrows(IOException.class, () -> client.send(new FetchRequest(data, (short) 12)),
                        "101 entries: the connection is closed unanswered");
            }
            try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
                FetchResponse answered = client.send(new FetchRequest(fetchOf(1, 40), (short) 12));
                assertEquals(1, answered.data().responses().size(), "41 entries are answered");
            }
        }
    }

    /** Fetch v4 by hand (16 bytes per partition), streamed, so the test JVM never holds the partitions as objects. */
    private static void sendFetchNaming(int partitions, int port) throws IOException {
        byte[] topic = "flood".getBytes();
        byte[] client = "flooder".getBytes();
        int size = 2 + 2 + 4 + 2 + client.length + 4 * 4 + 1 + 4 + 2 + topic.length + 4 + 16 * partitions;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(120_000);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            out.writeInt(size);
            out.writeShort(ApiKeys.FETCH.id);
            out.writeShort(4);
            out.writeInt(7);
            out.writeShort(client.length);
            out.write(client);
            out.writeInt(-1); // replica id
            out.writeInt(500); // max wait
            out.writeInt(1); // min bytes
            out.writeInt(1 << 20); // max bytes
            out.writeByte(0); // isolation level
            out.writeInt(1);
            out.writeShort(topic.length);
            out.write(topic);
            out.writeInt(partitions);
            try {
                for (int p = 0; p < partitions; p++) {
                    out.writeInt(p);
                    out.writeLong(0);
                    out.writeInt(1 << 20);
                }
                out.flush();
            } catch (java.net.SocketException closedWhileSending) {
                return; // refused before all of it was read: as good
            }
            assertEquals(-1, socket.getInputStream().read(), "no response, the connection is closed");
        } catch (java.net.SocketException e) {
            // reset by the broker's close while bytes were in flight
        }
    }

    @Test
    void aFetchNamingThreeMillionPartitionsClosesOnlyItsConnection() throws Exception {
        Path config = work.resolve("server.properties");
        Files.writeString(config, "listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=" + work.resolve("data") + "\n");
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            sendFetchNaming(3_000_000, broker.port());
            try (KafkaProducer<String, String> producer = broker.producer()) {
                producer.send(new ProducerRecord<>("after-the-flood", "still serving")).get(30, TimeUnit.SECONDS);
            }
            String log = broker.stderr();
            assertEquals(1, log.lines().filter(l -> l.contains("Fetch v4 request of 48000049 bytes declares at least "
                    + "3000001 entries (topics, partitions, ...), above request.max.entries 200000")).count(), log);
            assertFalse(log.contains("OutOfMemoryError") || log.contains("out of memory"), log);
            assertTrue(broker.isAlive());
        }
    }
}
