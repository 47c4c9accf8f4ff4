package io.logpipe.common.kafka;

import java.io.EOFException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;

/**
 * The one place where kafka-clients' security failures become one line a user can act on: which TLS check failed
 * (unknown CA, naming the CA file; hostname mismatch, naming the certificate's names and the host; expiry), which
 * SASL login was refused (mechanism, user), which topic or group is not authorized, and a client speaking PLAINTEXT
 * to a TLS port or TLS to a PLAINTEXT port. Both the shipper and the indexer use it, each with its own
 * {@link Client} description.
 */
public final class ClientSecurityError {
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(3);
    private static final String NOT_TLS = " does not speak TLS on this port (a PLAINTEXT or SASL_PLAINTEXT "
            + "listener?): disable TLS or use the broker's TLS port";

    /**
     * What the client was configured with, to name it in messages.
     *
     * @param hosts the bootstrap servers, {@code host:port}
     * @param tls whether the client speaks TLS
     * @param trustedCa what the client trusts ("/etc/ca.pem", "truststore /x.p12", "the JVM's default CAs")
     * @param mechanism the SASL mechanism, or null without SASL
     * @param user the SASL user, or null
     */
    public record Client(List<String> hosts, boolean tls, String trustedCa, String mechanism, String user) {
        String host() {
            return hosts.isEmpty() ? "the broker" : String.join(",", hosts);
        }
    }

    private ClientSecurityError() {
    }

    /** True when {@code error} (or a cause) is an authentication or authorization failure of the Kafka client. */
    public static boolean isSecurity(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException || t instanceof TopicAuthorizationException
                    || t instanceof GroupAuthorizationException || t instanceof ClusterAuthorizationException) {
                return true;
            }
        }
        return false;
    }

    /** One line saying what went wrong; for errors that are not about security, the innermost cause. */
    public static String explain(Throwable error, Client client) {
        Throwable root = error;
        for (Throwable t = error; t != null; t = t.getCause()) {
            root = t;
            if (t instanceof SslAuthenticationException ssl) {
                return tls(ssl, client);
            }
            if (t instanceof SaslAuthenticationException sasl) {
                return "SASL authentication failed at " + client.host() + ": mechanism " + client.mechanism()
                        + ", user '" + client.user() + "': " + sasl.getMessage();
            }
            if (t instanceof UnsupportedSaslMechanismException) {
                return "SASL authentication failed at " + client.host() + ": the broker does not enable mechanism "
                        + client.mechanism() + " (" + t.getMessage() + ")";
            }
            if (t instanceof TopicAuthorizationException topics) {
                return "not authorized: user '" + user(client) + "' may not access topic(s) "
                        + String.join(", ", topics.unauthorizedTopics()) + " at " + client.host()
                        + " (an ACL must allow it: WRITE to produce, READ to consume)";
            }
            if (t instanceof GroupAuthorizationException group) {
                return notAuthorizedGroup(group.groupId(), client);
            }
            if (t instanceof ClusterAuthorizationException) {
                return "not authorized: user '" + user(client) + "' may not perform cluster operations at "
                        + client.host() + ": " + t.getMessage();
            }
            if (t instanceof AuthenticationException) {
                return "authentication failed at " + client.host() + ": " + t.getMessage();
            }
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    /** An "authorized operations" answer without {@code operation} on a topic: the same line as a refusal. */
    public static String notAuthorized(String operation, String topic, Client client) {
        return "not authorized: user '" + user(client) + "' may not " + operation.toLowerCase(Locale.ROOT)
                + " topic " + topic + " at " + client.host() + " (an ACL must allow " + operation.toUpperCase(Locale.ROOT)
                + " on it)";
    }

    /** The consumer group {@code group} may not be used by this client's user. */
    public static String notAuthorizedGroup(String group, Client client) {
        return "not authorized: user '" + user(client) + "' may not read with group '" + group + "' at "
                + client.host() + " (an ACL must allow READ on the group)";
    }

    /**
     * Why a broker that accepts TCP connections never answered: a PLAINTEXT client at a TLS port is the usual
     * cause, and the Kafka client only reports a time-out for it.
     */
    public static String unanswered(Client client, Duration waited) {
        for (String host : client.hosts()) {
            boolean speaksTls = TlsPeer.certificate(host, PEER_TIMEOUT) != null;
            if (!client.tls() && speaksTls) {
                return host + " speaks TLS, but the client is configured for PLAINTEXT (no TLS): enable TLS "
                        + "and trust the broker's CA";
            }
            if (client.tls() && !speaksTls) {
                return host + NOT_TLS;
            }
        }
        return "no answer from " + client.host() + " within " + waited.toSeconds() + " s";
    }

    private static String user(Client client) {
        return client.user() == null ? "ANONYMOUS" : client.user();
    }

    private static String tls(SslAuthenticationException error, Client client) {
        String prefix = "TLS handshake with " + client.host() + " failed: ";
        String hostnameProblem = null;
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return prefix + "the broker's certificate "
                        + (t instanceof CertificateExpiredException ? "has expired" : "is not valid yet") + " ("
                        + t.getMessage() + ")";
            }
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (message.startsWith("No subject alternative") || message.startsWith("No name matching")) {
                hostnameProblem = message;
            }
        }
        if (hostnameProblem != null) {
            return prefix + "hostname mismatch: " + certificateFor(client) + ", connecting to "
                    + hostsOnly(client) + " (" + hostnameProblem + ")";
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof CertPathValidatorException || String.valueOf(t.getMessage())
                    .contains("unable to find valid certification path")) {
                return prefix + "unknown CA: the broker's certificate is not signed by " + client.trustedCa()
                        + " (" + issuer(client) + ")";
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("certificate_required") || message.contains("bad_certificate")
                    || message.contains("unknown_ca")) {
                return prefix + "the broker refused the connection without a client certificate it trusts ("
                        + message + "): give the client a certificate signed by a CA the broker trusts";
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof EOFException || t instanceof SSLHandshakeException && String.valueOf(t.getMessage())
                    .contains("terminated the handshake") || String.valueOf(t.getMessage())
                    .contains("Unsupported or unrecognized SSL message")) {
                boolean plain = client.hosts().stream().allMatch(h -> TlsPeer.certificate(h, PEER_TIMEOUT) == null);
                return prefix + (plain ? "the broker" + NOT_TLS : "the broker closed the connection ("
                        + t.getMessage() + ")");
            }
        }
        Throwable innermost = error;
        while (innermost.getCause() != null) {
            innermost = innermost.getCause();
        }
        return prefix + innermost.getMessage();
    }

    private static String certificateFor(Client client) {
        for (String host : client.hosts()) {
            X509Certificate certificate = TlsPeer.certificate(host, PEER_TIMEOUT);
            if (certificate != null) {
                return "the certificate is for " + String.join(", ", TlsPeer.names(certificate));
            }
        }
        return "the certificate is for another name";
    }

    private static String issuer(Client client) {
        for (String host : client.hosts()) {
            X509Certificate certificate = TlsPeer.certificate(host, PEER_TIMEOUT);
            if (certificate != null) {
                return "it is issued by " + certificate.getIssuerX500Principal().getName();
            }
        }
        return "its issuer is not trusted";
    }

    private static String hostsOnly(Client client) {
        StringBuilder out = new StringBuilder();
        for (String host : client.hosts()) {
            int colon = host.lastIndexOf(':');
            out.append(out.length() == 0 ? "" : ", ").append(colon > 0 ? host.substring(0, colon) : host);
        }
        return out.toString();
    }
}
