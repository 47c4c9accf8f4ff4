package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an idempotent producer relies on, checked on the wire: a retried batch (same producer id, epoch and
 * sequence, as a producer resends after a lost response) is answered with the offset it first got and is not
 * appended again; a sequence gap is refused. Also a request far larger than the usual frame round-trips.
 */
class ProducerSemanticsTest {
    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Map.of("message.max.bytes", Integer.toString(8 << 20)));
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static AbstractResponse call(Socket socket, AbstractRequest request, RequestHeader header) throws IOException {
        ByteBuffer payload = request.serializeWithHeader(header);
        OutputStream out = socket.getOutputStream();
        out.write(ByteBuffer.allocate(4).putInt(payload.remaining()).array());
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        out.write(bytes);
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        return AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
    }

    private static ProduceResponseData.PartitionProduceResponse produce(Socket socket, MemoryRecords records, int correlation)
            throws IOException {
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("dedupe");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        data.topicData().add(topic);
        short version = 12;
        ProduceResponse response = (ProduceResponse) call(socket, new ProduceRequest(data, version),
                new RequestHeader(ApiKeys.PRODUCE, version, "dedupe-test", correlation));
        return response.data().responses().iterator().next().partitionResponses().get(0);
    }

    private static MemoryRecords batch(long producerId, short epoch, int sequence, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(values[i].getBytes());
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, sequence, records);
    }

    @Test
    void aRetriedBatchGetsItsFirstOffsetBackAndIsStoredOnce() throws Exception {
        broker.server().logs().createTopic("dedupe", 1);
        try (Socket socket = new Socket("127.0.0.1", broker.port())) {
            socket.setSoTimeout(10_000);
            InitProducerIdResponse init = (InitProducerIdResponse) call(socket,
                    new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(null)
                            .setTransactionTimeoutMs(60_000)).build((short) 4),
                    new RequestHeader(ApiKeys.INIT_PRODUCER_ID, (short) 4, "dedupe-test", 1));
            long producerId = init.data().producerId();
            short epoch = init.data().producerEpoch();
            assertEquals(Errors.NONE, Errors.forCode(init.data().errorCode()));

            assertEquals(0, produce(socket, batch(producerId, epoch, 0, "a", "b"), 2).baseOffset());
            assertEquals(2, produce(socket, batch(producerId, epoch, 2, "c"), 3).baseOffset());
            ProduceResponseData.PartitionProduceResponse retry = produce(socket, batch(producerId, epoch, 2, "c"), 4);
            assertEquals(Errors.NONE, Errors.forCode(retry.errorCode()));
            assertEquals(2, retry.baseOffset());
            ProduceResponseData.PartitionProduceResponse gap = produce(socket, batch(producerId, epoch, 9, "z"), 5);
            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, Errors.forCode(gap.errorCode()));
            assertEquals(3, produce(socket, batch(producerId, epoch, 3, "d"), 6).baseOffset());
        }
        assertEquals(4, broker.server().logs().topic("dedupe").partition(0).logEndOffset());
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            List<String> values = ProduceConsumeTest.readAll(consumer, List.of(new TopicPartition("dedupe", 0)), 4)
                    .stream().map(ConsumerRecord::value).toList();
            assertEquals(List.of("a", "b", "c", "d"), values);
        }
    }

    @Test
    void aSixMegabyteRecordRoundTrips() throws Exception {
        String big = "0123456789abcdef".repeat(6 << 16);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("max.request.size", Integer.toString(8 << 20)))) {
            producer.send(new ProducerRecord<>("big", 0, null, big)).get();
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            List<ConsumerRecord<String, String>> records = ProduceConsumeTest.readAll(consumer,
                    List.of(new TopicPartition("big", 0)), 1);
            assertEquals(1, records.size());
            assertEquals(big, records.get(0).value());
        }
    }
}
