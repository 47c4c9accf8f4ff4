package io.logpipe.shipper.output;

import io.logpipe.common.kafka.ClientSecurityError;
import io.logpipe.shipper.config.KafkaSecurity;
import io.logpipe.shipper.config.OutputConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * {@code bin/shipper test output}: can the configured brokers be reached, do TLS and SASL succeed, what cluster
 * answers, and may this user write the topic? Each failure is one line naming what to fix
 * ({@link ClientSecurityError}).
 */
public final class KafkaProbe {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(15);

    private KafkaProbe() {
    }

    /** Prints one line per check; returns true when the cluster answered and the topic may be written. */
    public static boolean probe(OutputConfig.Kafka config, PrintStream out) {
        boolean anyReachable = false;
        for (String host : config.hosts()) {
            int colon = host.lastIndexOf(':');
            String h = host.substring(0, colon);
            int port = Integer.parseInt(host.substring(colon + 1));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(h, port), 5000);
                out.println("  " + host + ": TCP connect ... OK");
                anyReachable = true;
            } catch (IOException e) {
                out.println("  " + host + ": TCP connect ... ERROR " + e.getMessage());
            }
        }
        if (!anyReachable) {
            out.println("  no broker reachable");
            return false;
        }
        out.println("  security: " + describe(config.security()));
        ClientSecurityError.Client client = KafkaClientSecurity.describe(config);
        Properties p = new Properties();
        p.put("bootstrap.servers", String.join(",", config.hosts()));
        p.put("client.id", config.clientId() + "-probe");
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", Long.toString(ANSWER_TIMEOUT.toMillis()));
        p.put("reconnect.backoff.max.ms", "1000");
        KafkaClientSecurity.apply(config.security(), p);
        try (Admin admin = Admin.create(p)) {
            DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions()
                    .timeoutMs((int) ANSWER_TIMEOUT.toMillis()));
            String clusterId = cluster.clusterId().get(ANSWER_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
            var nodes = cluster.nodes().get(ANSWER_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
            out.println("  cluster " + clusterId + ": " + nodes.size() + " broker(s)");
            for (Node n : nodes) {
                out.println("    broker " + n.id() + " at " + n.host() + ":" + n.port());
            }
            if (!config.topic().isConstant()) {
                out.println("  topic " + config.topic() + ": chosen per event");
                return true;
            }
            String topic = config.topic().toString();
            try {
                TopicDescription description = admin.describeTopics(List.of(topic),
                        new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames()
                        .get(ANSWER_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS).get(topic);
                Set<AclOperation> allowed = description.authorizedOperations();
                if (allowed != null && !allowed.contains(AclOperation.WRITE) && !allowed.contains(AclOperation.ALL)) {
                    out.println("  topic " + topic + " ... ERROR " + ClientSecurityError.notAuthorized("write", topic,
                            client));
                    return false;
                }
                out.println("  topic " + topic + ": exists, " + description.partitions().size() + " partition(s)"
                        + (allowed == null ? "" : ", writable"));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                out.println("  topic " + topic + ": does not exist yet (created on first write if the broker "
                        + "auto-creates topics)");
            }
            return true;
        } catch (ExecutionException e) {
            boolean timedOut = e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException;
            out.println("  talking Kafka to " + String.join(",", config.hosts()) + " ... ERROR "
                    + (timedOut ? unanswered(client) : ClientSecurityError.explain(e.getCause(), client)));
            return false;
        } catch (TimeoutException e) {
            out.println("  talking Kafka to " + String.join(",", config.hosts()) + " ... ERROR " + unanswered(client));
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String unanswered(ClientSecurityError.Client client) {
        String why = ClientSecurityError.unanswered(client, ANSWER_TIMEOUT);
        return client.tls() || !why.contains("speaks TLS") ? why
                : why + " (output.kafka.ssl.certificate_authorities: [/path/to/ca.pem])";
    }

    private static String describe(KafkaSecurity s) {
        StringBuilder out = new StringBuilder(s.protocol());
        if (s.sasl()) {
            out.append(", ").append(s.mechanism()).append(" as user '").append(s.username()).append('\'');
        }
        if (s.tls()) {
            out.append(", trusting ").append(s.certificateAuthorities().isEmpty() ? "the JVM's default CAs"
                    : String.join(", ", s.certificateAuthorities().stream().map(Object::toString).toList()))
                    .append(", verification ").append(s.verificationMode());
            if (s.certificate() != null) {
                out.append(", client certificate ").append(s.certificate());
            }
        }
        return out.toString();
    }
}
