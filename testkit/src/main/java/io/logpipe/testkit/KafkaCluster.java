package io.logpipe.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * A cluster of Apache Kafka brokers on loopback, the way users outgrow one machine: N KRaft nodes, each both broker
 * and controller ({@code controller.quorum.voters} names all of them, so a quorum survives one node down when N is 3),
 * one cluster id, every one a {@link KafkaBroker} configured as a single broker is. Internal topics are replicated
 * to every node with {@code min.insync.replicas} 2 ({@code N} when smaller), and so are topics created without a
 * replication factor ({@code default.replication.factor} N).
 *
 * <p>A fault test kills one node with SIGKILL ({@link KafkaBroker#kill()}) and brings it back with {@link #restart}.
 */
public final class KafkaCluster implements AutoCloseable {
    private static final Duration FORM_TIMEOUT = Duration.ofMinutes(2);

    private final List<KafkaBroker> brokers;

    private KafkaCluster(List<KafkaBroker> brokers) {
        this.brokers = List.copyOf(brokers);
    }

    /** Starts {@code size} Apache Kafka nodes as one cluster; returns once every broker is in its metadata. */
    public static KafkaCluster start(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one broker, not " + size);
        }
        String replicas = Integer.toString(size);
        String minIsr = Integer.toString(Math.min(2, size));
        KafkaBroker.Options options = KafkaBroker.with(KafkaBroker.Kind.KAFKA)
                .property("default.replication.factor", replicas)
                .property("min.insync.replicas", minIsr)
                .property("offsets.topic.replication.factor", replicas)
                .property("transaction.state.log.replication.factor", replicas)
                .property("transaction.state.log.min.isr", minIsr)
                .property("share.coordinator.state.topic.replication.factor", replicas)
                .property("share.coordinator.state.topic.min.isr", minIsr)
                // a replica that fell behind (its broker was killed) must not be elected: no acknowledged write lost
                .property("unclean.leader.election.enable", "false");
        int[] free = FreePorts.pick(2 * size);
        int[] ports = Arrays.copyOfRange(free, 0, size);
        int[] controllerPorts = Arrays.copyOfRange(free, size, 2 * size);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < size; i++) {
            voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllerPorts[i]);
        }
        String clusterId = KafkaBroker.clusterId();
        List<KafkaBroker> brokers = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                brokers.add(KafkaBroker.prepare(options, i + 1, ports[i], controllerPorts[i], voters.toString(),
                        clusterId));
            }
            // All processes first: no node's broker comes up before the controllers have a quorum.
            for (KafkaBroker broker : brokers) {
                broker.spawn(false);
            }
            for (KafkaBroker broker : brokers) {
                broker.awaitReady();
            }
            KafkaCluster started = new KafkaCluster(brokers);
            started.awaitBrokers(size);
            ElasticsearchNode.log("Kafka cluster of " + size + " brokers is up at " + started.bootstrapServers());
            return started;
        } catch (IOException e) {
            stop(brokers);
            throw new UncheckedIOException("could not start a Kafka cluster of " + size + " brokers", e);
        } catch (InterruptedException e) {
            stop(brokers);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting a Kafka cluster", e);
        } catch (RuntimeException e) {
            stop(brokers);
            throw e;
        }
    }

    /** The brokers, node ids 1 to N in order. */
    public List<KafkaBroker> brokers() {
        return brokers;
    }

    /** The broker with {@code node.id} {@code nodeId}. */
    public KafkaBroker broker(int nodeId) {
        return brokers.stream().filter(b -> b.nodeId() == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no broker with node.id " + nodeId));
    }

    /** Every broker's PLAINTEXT address, comma-separated, e.g. {@code 127.0.0.1:39092,127.0.0.1:39094,...}. */
    public String bootstrapServers() {
        return brokers.stream().map(KafkaBroker::bootstrapServers).collect(Collectors.joining(","));
    }

    /** A new admin client that knows every broker; close it when done. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions on {@code replicationFactor} brokers each, with topic
     * configs {@code configs} (e.g. {@code min.insync.replicas}), and waits until every replica is in sync.
     */
    public void createTopic(String topic, int partitions, int replicationFactor, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) replicationFactor).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create topic " + topic + " on " + bootstrapServers(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        awaitInSync(topic, FORM_TIMEOUT);
    }

    /** The node id leading partition {@code partition} of {@code topic} now; -1 while it has none. */
    public int leader(String topic, int partition) {
        Node leader = describe(topic).partitions().get(partition).leader();
        return leader == null ? -1 : leader.id();
    }

    /**
     * Restarts {@code broker} after it was killed; returns once it is back in the cluster's metadata and every
     * partition of {@code topic} has all its replicas in sync again (the restarted broker caught up).
     */
    public void restart(KafkaBroker broker, String topic, Duration timeout) {
        long started = System.nanoTime();
        broker.restart();
        awaitBrokers(brokers.size());
        awaitInSync(topic, timeout);
        ElasticsearchNode.log("Kafka broker " + broker.nodeId() + " back and " + topic + " fully in sync after "
                + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
    }

    /** Waits until every partition of {@code topic} has each of its replicas in its ISR. */
    public void awaitInSync(String topic, Duration timeout) {
        Wait.until("every replica of " + topic + " in sync", timeout, Duration.ofMillis(200), () -> {
            for (TopicPartitionInfo p : describe(topic).partitions()) {
                if (p.leader() == null || p.isr().size() < p.replicas().size()) {
                    return false;
                }
            }
            return true;
        });
    }

    private void awaitBrokers(int count) {
        Wait.until(count + " brokers in the cluster's metadata", FORM_TIMEOUT, Duration.ofMillis(200), () -> {
            try (Admin admin = admin()) {
                return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() >= count;
            }
        });
    }

    private TopicDescription describe(String topic) {
        try (Admin admin = admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not describe topic " + topic + " on " + bootstrapServers(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops every broker (SIGTERM, then SIGKILL after 30 s). Idempotent. */
    @Override
    public void close() {
        stop(brokers);
    }

    /**
     * SIGTERM to all at once, then waits for each: stopped one after another, the last brokers would wait out
     * their controlled shutdown for a controller quorum that had already gone.
     */
    private static void stop(List<KafkaBroker> brokers) {
        for (KafkaBroker broker : brokers) {
            broker.process().ifPresent(ProcessHandle::destroy);
        }
        for (KafkaBroker broker : brokers) {
            broker.close();
        }
    }
}
