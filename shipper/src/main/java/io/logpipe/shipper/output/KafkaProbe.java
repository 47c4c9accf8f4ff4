package io.logpipe.shipper.output;

import io.logpipe.shipper.config.OutputConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.kafka.admin.ClusterDescription;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.client.common.Node;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** {@code bin/shipper test output}: can the configured brokers be reached, and what cluster answers? */
public final class KafkaProbe {
    private KafkaProbe() {
    }

    /** Prints one line per check; returns true when the cluster answered. */
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
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        try {
            Properties p = new Properties();
            p.put("bootstrap.servers", String.join(",", config.hosts()));
            p.put("client.id", config.clientId() + "-probe");
            p.put("request.timeout.ms", "10000");
            p.put("default.api.timeout.ms", "15000");
            KafkaAdminClient admin = KafkaAdminClient.create(vertx, p);
            try {
                ClusterDescription cluster = admin.describeCluster().toCompletionStage().toCompletableFuture()
                        .get(20, TimeUnit.SECONDS);
                out.println("  cluster " + cluster.getClusterId() + ": " + cluster.getNodes().size() + " broker(s)");
                for (Node n : cluster.getNodes()) {
                    out.println("    broker " + n.getId() + " at " + n.getHost() + ":" + n.getPort());
                }
                if (config.topic().isConstant()) {
                    boolean exists = admin.listTopics().toCompletionStage().toCompletableFuture()
                            .get(20, TimeUnit.SECONDS).contains(config.topic().toString());
                    out.println("  topic " + config.topic() + (exists ? ": exists" : ": does not exist yet "
                            + "(created on first write if the broker auto-creates topics)"));
                } else {
                    out.println("  topic " + config.topic() + ": chosen per event");
                }
                return true;
            } finally {
                admin.close();
            }
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            out.println("  talking Kafka to " + config.hosts() + " ... ERROR " + cause);
            return false;
        } finally {
            vertx.close();
        }
    }
}
