package io.logpipe.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Six connections each sending a frame of {@code socket.request.max.bytes} (40 MB here) to a broker with a 256 MB
 * heap: without a bound that is 240 MB of buffers, more than the heap's old generation holds, and a flood of
 * OutOfMemoryErrors. With the request memory pool ({@code queued.max.request.bytes} 40 MB) the connections are read
 * one after another while the others wait; each frame is refused with one line, the heap never runs out, and the
 * broker goes on serving.
 */
class RequestMemoryTest {
    private static final int FRAME = 40 * 1024 * 1024;

    @TempDir
    Path work;

    /** A Produce v9 header, then bytes that are no produce body: refused once the whole frame is in. */
    private static void sendHugeFrame(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(120_000);
            OutputStream out = socket.getOutputStream();
            ByteBuffer head = ByteBuffer.allocate(4 + 15);
            head.putInt(FRAME).putShort((short) 0).putShort((short) 9).putInt(1).putShort((short) 3)
                    .put("big".getBytes()).put((byte) 0);
            out.write(head.array(), 0, head.position());
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 0x7f);
            long left = FRAME - (head.position() - 4);
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
            out.flush();
            // the broker closes the connection once it has read and refused the frame
            assertEquals(-1, socket.getInputStream().read());
        } catch (java.net.SocketException e) {
            // closed while the last bytes were in flight: refused all the same
        }
    }

    @Test
    void twoHundredFortyMegabytesOfRequestsWaitForThePoolInsteadOfExhaustingTheHeap() throws Exception {
        Path config = work.resolve("server.properties");
        Files.writeString(config, "listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=" + work.resolve("data")
                + "\nsocket.request.max.bytes=" + FRAME + "\nqueued.max.request.bytes=" + FRAME + "\n");
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            long rssBefore = broker.rssBytes();
            ExecutorService clients = Executors.newFixedThreadPool(6);
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                sent.add(clients.submit(() -> {
                    sendHugeFrame(broker.port());
                    return null;
                }));
            }
            long maxRss = rssBefore;
            long deadline = System.currentTimeMillis() + 180_000;
            for (Future<?> f : sent) {
                while (!f.isDone()) {
                    assertTrue(System.currentTimeMillis() < deadline, "the frames were not all refused in 3 minutes:\n"
                            + broker.stderr().lines().filter(l -> !l.startsWith("\tat ")).limit(20).toList());
                    maxRss = Math.max(maxRss, broker.rssBytes());
                    try {
                        f.get(200, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        // still sending: sample the RSS again
                    }
                }
                f.get();
            }
            clients.shutdownNow();
            String log = broker.stderr();
            assertFalse(log.contains("OutOfMemoryError") || log.contains("out of memory"), log);
            // refused as malformed, or (the filler bytes read as array lengths) for declaring too many entries
            assertEquals(6, log.split("Produce v9 request", -1).length - 1, log);
            // the JVM's footprint besides its 256 MB heap is well under this; 240 MB of frames on top would not be
            assertTrue(maxRss < 480L << 20, "RSS went from " + (rssBefore >> 20) + " MB to " + (maxRss >> 20) + " MB");
            try (KafkaProducer<String, String> producer = broker.producer()) {
                producer.send(new ProducerRecord<>("after-the-flood", "still serving")).get(30, TimeUnit.SECONDS);
            }
        }
    }
}
