package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.logpipe.queue.ChildBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes no Kafka client would send, over a raw socket: the connection is closed (or answered with the protocol's
 * error), the broker logs one line saying why and keeps serving real clients.
 */
class BadInputTest {
    @TempDir
    static Path work;
    static ChildBroker broker;

    @BeforeAll
    static void start() throws Exception {
        Path config = work.resolve("server.properties");
        Files.writeString(config, "listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=" + work.resolve("data")
                + "\nauto.create.topics.enable=false\nsocket.request.max.bytes=1000000\nmessage.max.bytes=10000\n");
        broker = ChildBroker.start(config, work);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic("target", 1, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", broker.port());
        socket.setSoTimeout(5000);
        return socket;
    }

    /** True when the broker closed the connection (EOF or reset) instead of answering. */
    private static boolean closedByBroker(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketException e) {
            return true;
        }
    }

    private static void sendFrame(Socket socket, ByteBuffer payload) throws IOException {
        OutputStream out = socket.getOutputStream();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        out.write(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.write(bytes);
        out.flush();
    }

    private static ByteBuffer readFrame(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        return ByteBuffer.wrap(body);
    }

    private static void assertLogged(String text) throws Exception {
        Wait.until("'" + text + "' in the broker's log", Duration.ofSeconds(5), () -> broker.stderr().contains(text));
        assertTrue(broker.stderr().contains(text), "broker log lacks '" + text + "':\n" + broker.stderr());
    }

    private static void assertStillServes() throws Exception {
        assertTrue(broker.isAlive());
        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrap());
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>("target", 0, null, "still here")).get();
        }
    }

    @Test
    void httpSpokenToTheKafkaPortIsASizeAboveTheLimit() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(closedByBroker(socket));
        }
        assertLogged("request size 1195725856 is above socket.request.max.bytes 1000000; closing it");
        assertStillServes();
    }

    @Test
    void aNegativeSizeAndGarbageInsideAFrameCloseTheConnection() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0});
            assertTrue(closedByBroker(socket));
        }
        assertLogged("request size -16 is negative");
        try (Socket socket = connect()) {
            // A produce v9 header followed by bytes that are no produce request.
            ByteBuffer frame = ByteBuffer.allocate(40);
            frame.putShort((short) 0).putShort((short) 9).putInt(1).putShort((short) 3).put("bad".getBytes());
            frame.put((byte) 0);
            while (frame.hasRemaining()) {
                frame.put((byte) 0x7f);
            }
            frame.flip();
            sendFrame(socket, frame);
            assertTrue(closedByBroker(socket));
        }
        assertLogged("malformed Produce v9 request");
        assertStillServes();
    }

    @Test
    void aTruncatedFrameFromAClientThatGoesAwayLeavesTheBrokerUp() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(new byte[] {0, 0, 0, 100, 0, 3, 0, 12});
            socket.getOutputStream().flush();
        }
        assertStillServes();
    }

    @Test
    void unknownApiKeysAndUnsupportedVersionsCloseTheConnection() throws Exception {
        try (Socket socket = connect()) {
            ByteBuffer frame = ByteBuffer.allocate(12).putShort((short) 999).putShort((short) 0).putInt(5)
                    .putShort((short) -1).putShort((short) 0);
            sendFrame(socket, frame.flip());
            assertTrue(closedByBroker(socket));
        }
        assertLogged("unknown API key 999");
        try (Socket socket = connect()) {
            ByteBuffer frame = ByteBuffer.allocate(11).putShort(ApiKeys.METADATA.id).putShort((short) 99).putInt(6)
                    .putShort((short) -1).put((byte) 0);
            sendFrame(socket, frame.flip());
            assertTrue(closedByBroker(socket));
        }
        assertLogged("Metadata version 99 is not supported (this broker speaks 0 to 13)");
        try (Socket socket = connect()) {
            ByteBuffer frame = ByteBuffer.allocate(12).putShort(ApiKeys.CONSUMER_GROUP_HEARTBEAT.id).putShort((short) 0).putInt(6)
                    .putShort((short) -1).put((byte) 0);
            sendFrame(socket, frame.flip());
            assertTrue(closedByBroker(socket));
        }
        assertLogged("API ConsumerGroupHeartbeat (key 68) is not implemented");
        assertStillServes();
    }

    @Test
    void apiVersionsFromTheFutureIsAnsweredAtV0SoTheClientCanNegotiateDown() throws Exception {
        try (Socket socket = connect()) {
            ByteBuffer frame = ByteBuffer.allocate(14).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 42)
                    .putInt(77).putShort((short) -1).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
            sendFrame(socket, frame.flip());
            ByteBuffer response = readFrame(socket);
            assertEquals(77, response.getInt());
            ApiVersionsResponse versions = ApiVersionsResponse.parse(new ByteBufferAccessor(response), (short) 0);
            assertEquals(Errors.UNSUPPORTED_VERSION, Errors.forCode(versions.data().errorCode()));
            assertEquals(ApiKeys.PRODUCE.latestVersion(), versions.apiVersion(ApiKeys.PRODUCE.id).maxVersion());
            assertEquals(null, versions.apiVersion(ApiKeys.CONSUMER_GROUP_HEARTBEAT.id), "only implemented APIs are advertised");
        }
    }

    private static Errors produceRaw(String topic, MemoryRecords records) throws IOException {
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData().setName(topic);
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        data.topicData().add(topicData);
        short version = 9;
        RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, version, "raw-test", 11);
        try (Socket socket = connect()) {
            sendFrame(socket, new ProduceRequest(data, version).serializeWithHeader(header));
            ProduceResponse response = (ProduceResponse) AbstractResponse.parseResponse(readFrame(socket), header);
            return Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode());
        }
    }

    @Test
    void corruptOversizedAndMisaddressedBatchesGetKafkasErrorCodes() throws Exception {
        MemoryRecords corrupt = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("payload".getBytes()));
        corrupt.buffer().put(corrupt.sizeInBytes() - 2, (byte) 'X');
        assertEquals(Errors.CORRUPT_MESSAGE, produceRaw("target", corrupt));
        assertLogged("refused with CORRUPT_MESSAGE");

        MemoryRecords big = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(new byte[20_000]));
        assertEquals(Errors.MESSAGE_TOO_LARGE, produceRaw("target", big));
        assertLogged("exceeds message.max.bytes 10000");

        MemoryRecords fine = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("ok".getBytes()));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, produceRaw("never-created", fine));
        assertEquals(Errors.NONE, produceRaw("target", fine));

        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrap());
        props.put("key.deserializer", StringDeserializer.class.getName());
        props.put("value.deserializer", StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition("target", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (values.size() < end && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            assertTrue(values.contains("ok"));
            assertTrue(values.stream().noneMatch(v -> v.contains("payload")), "the corrupt batch was not stored");
        }
    }
}
