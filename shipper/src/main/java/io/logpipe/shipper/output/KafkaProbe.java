package io.logpipe.shipper.output;

import io.logpipe.common.kafka.ClientSecurityError;
import io.logpipe.common.kafka.KafkaAccess;
import io.logpipe.shipper.config.KafkaSecurity;
import io.logpipe.shipper.config.OutputConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.acl.AclOperation;

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
        KafkaClientSecurity.apply(config.security(), p);
        boolean constant = config.topic().isConstant();
        KafkaAccess.Report report;
        try {
            report = KafkaAccess.check(p, client, ANSWER_TIMEOUT, constant ? List.of(config.topic().toString())
                    : List.of(), AclOperation.WRITE, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (report.clusterId() != null) {
            out.println("  cluster " + report.clusterId() + ": " + report.brokers().size() + " broker(s)");
            report.brokers().forEach(b -> out.println("    broker " + b.replace(" ", " at ")));
        }
        report.topics().forEach((topic, status) -> out.println("  topic " + topic + ": " + (status.startsWith("does not")
                ? status + " (created on first write if the broker auto-creates topics)" : status)));
        if (report.problem() != null) {
            String where = report.clusterId() == null ? "talking Kafka to " + String.join(",", config.hosts())
                    : "topic " + config.topic();
            out.println("  " + where + " ... ERROR " + withHint(report.problem(), client));
            return false;
        }
        if (!constant) {
            out.println("  topic " + config.topic() + ": chosen per event");
        }
        return true;
    }

    private static String withHint(String why, ClientSecurityError.Client client) {
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
