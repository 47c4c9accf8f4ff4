package io.logpipe.queue.log;

import java.util.List;

import org.apache.kafka.common.Uuid;

/** A topic: its name, its id and its partitions' logs, index = partition number. */
public record Topic(String name, Uuid id, List<PartitionLog> partitions) {
    public PartitionLog partition(int index) {
        return index >= 0 && index < partitions.size() ? partitions.get(index) : null;
    }
}
