package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Fetch response with records in a segment file becomes Netty messages with the records as a file region (sendfile,
 * no copy through the heap) on a plain socket, and as copied buffers where the transport must see the bytes (TLS);
 * both put the same bytes on the wire, which kafka-clients parses back to the same records.
 */
class ResponseWriterTest {
    @TempDir
    Path dir;

    private static byte[] wireBytes(List<Object> messages) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel channel = Channels.newChannel(out);
        for (Object message : messages) {
            if (message instanceof ByteBuf buf) {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), bytes);
                out.write(bytes);
            } else {
                FileRegion region = (FileRegion) message;
                while (region.transferred() < region.count()) {
                    region.transferTo(channel, region.transferred());
                }
            }
        }
        return out.toByteArray();
    }

    @Test
    void recordsGoAsAFileRegionOnAPlainSocketAndAsCopiesWhereTheTransportNeedsTheBytes() throws Exception {
        MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("one".getBytes()),
                new SimpleRecord("two".getBytes()));
        FetchResponseData data = new FetchResponseData();
        try (FileRecords segment = FileRecords.open(dir.resolve("00000000000000000000.log").toFile())) {
            segment.append(batch);
            segment.flush();
            FetchResponseData.FetchableTopicResponse topic = new FetchResponseData.FetchableTopicResponse()
                    .setTopic("t");
            topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(2)
                    .setRecords(segment.slice(0, segment.sizeInBytes())));
            data.responses().add(topic);
            short version = 12;
            ResponseHeader header = new ResponseHeader(7, ApiKeys.FETCH.responseHeaderVersion(version));

            List<Object> zeroCopy = ResponseWriter.toMessages(FetchResponse.of(data).toSend(header, version), true);
            List<Object> copied = ResponseWriter.toMessages(FetchResponse.of(data).toSend(header, version), false);
            assertEquals(1, zeroCopy.stream().filter(m -> m instanceof FileRegion).count(), zeroCopy.toString());
            assertTrue(copied.stream().allMatch(m -> m instanceof ByteBuf), copied.toString());

            byte[] wire = wireBytes(zeroCopy);
            assertArrayEquals(wire, wireBytes(copied));
            ByteBuffer frame = ByteBuffer.wrap(wire, 4, wire.length - 4).slice();
            assertEquals(wire.length - 4, ByteBuffer.wrap(wire).getInt(), "size prefix");
            FetchResponse parsed = (FetchResponse) AbstractResponse.parseResponse(frame,
                    new RequestHeader(ApiKeys.FETCH, version, "c", 7));
            MemoryRecords records = (MemoryRecords) parsed.data().responses().get(0).partitions().get(0).records();
            List<String> values = new java.util.ArrayList<>();
            for (Record record : records.records()) {
                values.add(new String(org.apache.kafka.common.utils.Utils.toArray(record.value())));
            }
            assertEquals(List.of("one", "two"), values);
        }
    }
}
