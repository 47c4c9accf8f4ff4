package io.logpipe.common.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Connects for real with a client's settings (TLS, SASL) and asks what the client will need: does the cluster
 * answer, may it {@code operation} (WRITE, READ) each topic, may it read with its group. The answer is a
 * {@link Report} whose {@code problem} is the one line of {@link ClientSecurityError}, or null when all is well;
 * used by {@code bin/shipper test output} and the indexer's kafka input check.
 */
public final class KafkaAccess {
    private KafkaAccess() {
    }

    /**
     * What the check found.
     *
     * @param problem what is wrong, in one line; null when nothing is
     * @param answered whether a broker answered at all (false: not reachable, or silent until the time-out)
     * @param clusterId the cluster that answered, or null
     * @param brokers {@code id host:port} of each broker
     * @param topics per topic: "exists, N partition(s)" or "does not exist yet"
     */
    public record Report(String problem, boolean answered, String clusterId, List<String> brokers, Map<String, String> topics) {
    }

    public static Report check(Properties clientProperties, ClientSecurityError.Client client, Duration timeout,
            List<String> topics, AclOperation operation, String group) throws InterruptedException {
        if (!reachable(client.hosts())) {
            return new Report("no broker reachable at " + client.host(), false, null, List.of(), Map.of());
        }
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put("request.timeout.ms", Long.toString(Math.min(10_000, timeout.toMillis())));
        p.put("default.api.timeout.ms", Long.toString(timeout.toMillis()));
        p.put("reconnect.backoff.max.ms", "1000");
        String clusterId = null;
        List<String> brokers = new ArrayList<>();
        Map<String, String> found = new LinkedHashMap<>();
        try (Admin admin = Admin.create(p)) {
            DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions()
                    .timeoutMs((int) timeout.toMillis()));
            clusterId = get(cluster.clusterId(), timeout);
            for (Node n : get(cluster.nodes(), timeout)) {
                brokers.add(n.id() + " " + n.host() + ":" + n.port());
            }
            for (String topic : topics) {
                try {
                    TopicDescription description = get(admin.describeTopics(List.of(topic),
                            new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames(), timeout)
                            .get(topic);
                    if (!allows(description.authorizedOperations(), operation)) {
                        return new Report(ClientSecurityError.notAuthorized(operation.name(), topic, client), true, clusterId,
                                brokers, found);
                    }
                    found.put(topic, "exists, " + description.partitions().size() + " partition(s)");
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicAuthorizationException) {
                        // not even DESCRIBE: the user may do nothing with the topic, least of all what it needs
                        return new Report(ClientSecurityError.notAuthorized(operation.name(), topic, client), true,
                                clusterId, brokers, found);
                    }
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                    found.put(topic, "does not exist yet");
                }
            }
            if (group != null) {
                try {
                    ConsumerGroupDescription description = get(admin.describeConsumerGroups(List.of(group),
                            new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true)).all(), timeout)
                            .get(group);
                    if (!allows(description.authorizedOperations(), AclOperation.READ)) {
                        return new Report(ClientSecurityError.notAuthorizedGroup(group, client), true, clusterId, brokers,
                                found);
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                        throw e;
                    }
                    // a new group: the broker checked the user may describe it before saying it does not exist
                }
            }
            return new Report(null, true, clusterId, brokers, found);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                return unanswered(client, timeout, clusterId, brokers, found);
            }
            return new Report(ClientSecurityError.explain(e.getCause(), client), true, clusterId, brokers, found);
        } catch (TimeoutException e) {
            return unanswered(client, timeout, clusterId, brokers, found);
        }
    }

    /** Silence is a problem of its own when the port speaks the other protocol (TLS versus PLAINTEXT). */
    private static Report unanswered(ClientSecurityError.Client client, Duration timeout, String clusterId,
            List<String> brokers, Map<String, String> found) {
        String why = ClientSecurityError.unanswered(client, timeout);
        return new Report(why, !why.startsWith("no answer"), clusterId, brokers, found);
    }

    /** Whether any of {@code hosts} accepts a TCP connection: without one there is nothing to check. */
    private static boolean reachable(List<String> hosts) {
        for (String host : hosts) {
            int colon = host.lastIndexOf(':');
            if (colon <= 0) {
                continue;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host.substring(0, colon).trim(),
                        Integer.parseInt(host.substring(colon + 1).trim())), 2000);
                return true;
            } catch (IOException | NumberFormatException e) {
                // the next one
            }
        }
        return false;
    }

    /** No authorizer on the broker answers null: everything is allowed. */
    private static boolean allows(Set<AclOperation> allowed, AclOperation operation) {
        return allowed == null || allowed.contains(operation) || allowed.contains(AclOperation.ALL);
    }

    private static <T> T get(KafkaFuture<T> future, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        return future.get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
    }
}
