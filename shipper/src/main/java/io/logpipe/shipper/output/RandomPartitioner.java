package io.logpipe.shipper.output;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;

/** {@code partition.random}: every event to a random partition of its topic. */
public final class RandomPartitioner implements Partitioner {
    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes,
                         Cluster cluster) {
        int n = cluster.partitionCountForTopic(topic);
        return n <= 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
