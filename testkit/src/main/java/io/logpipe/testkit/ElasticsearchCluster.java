package io.logpipe.testkit;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.HealthStatus;
import co.elastic.clients.elasticsearch.cluster.HealthResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A cluster of real Elasticsearch nodes on loopback (security off), each an {@link ElasticsearchNode}: the first one
 * forms the cluster ({@code cluster.initial_master_nodes} names only it), the others join it; every node has every
 * node's transport address in {@code discovery.seed_hosts}, so a node restarted after a kill finds the others
 * again whichever it is. All nodes are master-eligible data nodes, as a user's small cluster is; with two, the
 * voting configuration holds one of them (Elasticsearch keeps it odd), so losing that one stops the cluster until
 * it is back, and losing the other does not.
 */
public final class ElasticsearchCluster implements AutoCloseable {
    private final List<ElasticsearchNode> nodes;

    private ElasticsearchCluster(List<ElasticsearchNode> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts {@code size} nodes named {@code name-1} to {@code name-N}; returns once all are in the cluster. */
    public static ElasticsearchCluster start(String name, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one node, not " + size);
        }
        int[] free = FreePorts.pick(2 * size);
        int[] http = Arrays.copyOfRange(free, 0, size);
        int[] transport = Arrays.copyOfRange(free, size, 2 * size);
        List<String> seedHosts = new ArrayList<>();
        for (int port : transport) {
            seedHosts.add("127.0.0.1:" + port);
        }
        String clusterName = "logpipe-test-" + name + "-" + http[0];
        List<ElasticsearchNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                String nodeName = name + "-" + (i + 1);
                ElasticsearchNode.Membership membership = new ElasticsearchNode.Membership(clusterName, seedHosts,
                        i == 0 ? List.of(nodeName) : List.of());
                nodes.add(ElasticsearchNode.start(ElasticsearchNode.Options.insecure(nodeName), http[i], transport[i],
                        membership));
            }
            ElasticsearchCluster cluster = new ElasticsearchCluster(nodes);
            cluster.awaitNodes(Duration.ofMinutes(3));
            ElasticsearchNode.log("Elasticsearch cluster " + clusterName + " of " + size + " nodes is up at "
                    + cluster.urls());
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(ElasticsearchNode::close);
            throw e;
        }
    }

    public List<ElasticsearchNode> nodes() {
        return nodes;
    }

    /** Node {@code n}, counted from 1 as in its name. */
    public ElasticsearchNode node(int n) {
        return nodes.get(n - 1);
    }

    /** Every node's HTTP URL, in node order. */
    public List<String> urls() {
        return nodes.stream().map(ElasticsearchNode::url).toList();
    }

    /** A new client for all nodes (requests spread over them, failing over to the others); close its transport. */
    public ElasticsearchClient client() {
        return ElasticsearchNode.client(urls(), nodes.get(0).options(), Optional.empty());
    }

    /** The name of the elected master node, as the cluster reports it now. */
    public String master() throws IOException {
        ElasticsearchClient client = client();
        try {
            return client.cat().master().valueBody().get(0).node();
        } finally {
            client._transport().close();
        }
    }

    /**
     * Restarts {@code node} after it was killed ({@link ElasticsearchNode#kill()}); returns once it is back in the
     * cluster and the cluster is green (every replica allocated and recovered again).
     */
    public void restart(ElasticsearchNode node, Duration timeout) {
        long started = System.nanoTime();
        node.restart();
        awaitNodes(timeout);
        ElasticsearchNode.log("node '" + node.name() + "' back and the cluster green after "
                + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
    }

    /** Waits until every node is in the cluster and it is green. */
    public void awaitNodes(Duration timeout) {
        ElasticsearchClient client = client();
        try {
            Wait.until(nodes.size() + " nodes in a green cluster", timeout, Duration.ofMillis(500), () -> {
                HealthResponse health = client.cluster().health(h -> h.waitForNodes(Integer.toString(nodes.size()))
                        .waitForStatus(HealthStatus.Green).timeout(t -> t.time("5s")));
                return !health.timedOut() && health.numberOfNodes() == nodes.size()
                        && health.status() == HealthStatus.Green;
            });
        } finally {
            try {
                client._transport().close();
            } catch (IOException e) {
                ElasticsearchNode.log("closing a client: " + e);
            }
        }
    }

    /** Stops every node. Idempotent. */
    @Override
    public void close() {
        nodes.forEach(ElasticsearchNode::close);
    }
}
