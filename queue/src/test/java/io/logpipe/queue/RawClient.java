package io.logpipe.queue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;

import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** One connection sending requests at exactly the version the test picks, with kafka-clients' own codecs. */
public final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    public RawClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true); // the size prefix and the frame go out as two writes: no Nagle delay between
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Every version of {@code key} kafka-clients speaks, oldest first. */
    public static java.util.List<Short> versions(org.apache.kafka.common.protocol.ApiKeys key) {
        java.util.List<Short> versions = new java.util.ArrayList<>();
        for (short v = key.oldestVersion(); v <= key.latestVersion(); v++) {
            versions.add(v);
        }
        return versions;
    }

    @SuppressWarnings("unchecked")
    public <T extends AbstractResponse> T send(AbstractRequest.Builder<?> builder, short version) throws IOException {
        return send(builder.build(version));
    }

    /** Sends {@code request} as built, skipping the checks a builder makes (to send what no client would). */
    @SuppressWarnings("unchecked")
    public <T extends AbstractResponse> T send(AbstractRequest request) throws IOException {
        short version = request.version();
        RequestHeader header = new RequestHeader(request.apiKey(), version, "raw-client", ++correlationId);
        ByteBuffer frame = request.serializeWithHeader(header);
        ByteBuffer size = ByteBuffer.allocate(4).putInt(frame.remaining()).flip();
        out.write(size.array());
        out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
        out.flush();
        byte[] response = new byte[in.readInt()];
        in.readFully(response);
        return (T) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
    }

    /** Produces {@code records} to one partition (Produce v9, acks=1); returns the partition's error. */
    public Errors produce(String topic, int partition, MemoryRecords records) throws IOException {
        ProduceRequestData request = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData().setName(topic);
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition)
                .setRecords(records));
        request.topicData().add(topicData);
        ProduceResponse response = send(new ProduceRequest(request, (short) 9));
        return Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
