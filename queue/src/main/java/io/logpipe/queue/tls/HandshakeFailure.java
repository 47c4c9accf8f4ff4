package io.logpipe.queue.tls;

import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Why a client's TLS handshake failed, in words an operator can act on: a PLAINTEXT client on the TLS port, a client
 * certificate missing or not from a trusted CA, a client that refuses this broker's certificate, no protocol version
 * or cipher suite in common. The JDK's own message follows in parentheses.
 */
public final class HandshakeFailure {
    private HandshakeFailure() {
    }

    public static String describe(Throwable failure, TlsSettings settings) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String className = failure.getClass().getSimpleName();
        String message = String.valueOf(root.getMessage());
        String lower = (failure.getMessage() + " " + message).toLowerCase(Locale.ROOT);
        String reason;
        if (className.equals("NotSslRecordException") || lower.contains("not an ssl/tls record")
                || lower.contains("unsupported or unrecognized ssl message")) {
            return "the client does not speak TLS (its first bytes are not a TLS record: a PLAINTEXT client on an"
                    + " SSL listener? set security.protocol=SSL on the client)";
        } else if (lower.contains("empty client certificate chain")) {
            reason = "the client sent no certificate, but ssl.client.auth=required";
        } else if (lower.contains("pkix path") || lower.contains("unable to find valid certification path")) {
            reason = "the client's certificate is not signed by a CA of " + truststore(settings);
        } else if (lower.contains("certificate_expired") || lower.contains("certificate expired")
                || lower.contains("notafter")) {
            reason = "a certificate has expired (the client's, or the client found this broker's expired)";
        } else if (lower.contains("certificate_unknown") || lower.contains("unknown_ca") || lower.contains("bad_certificate")) {
            reason = "the client refused this broker's certificate (it does not trust the CA of ssl.keystore, or"
                    + " the host name it connected to is not in the certificate)";
        } else if (lower.contains("protocol") && (lower.contains("not enabled") || lower.contains("no appropriate")
                || lower.contains("protocol_version") || lower.contains("disabled"))) {
            reason = "no TLS version in common (this listener accepts " + String.join(", ", settings.enabledProtocols())
                    + ", ssl.enabled.protocols)";
        } else if (lower.contains("no cipher suites in common") || lower.contains("handshake_failure")) {
            reason = "no cipher suite or protocol version in common with the client (ssl.enabled.protocols, "
                    + "ssl.cipher.suites)";
        } else if (className.contains("Timeout") || lower.contains("timed out")) {
            reason = "the client did not finish the TLS handshake in time";
        } else if (root instanceof ClosedChannelException || lower.contains("closed")) {
            reason = "the client closed the connection during the TLS handshake (it probably refused this broker's"
                    + " certificate; see the client's error)";
        } else if (root instanceof SSLException || failure instanceof SSLException) {
            reason = "TLS error";
        } else {
            reason = "unexpected error";
        }
        return reason + " (" + (root == failure ? "" : failure.getClass().getSimpleName() + ": ")
                + root.getClass().getSimpleName() + ": " + message + ")";
    }

    private static String truststore(TlsSettings settings) {
        TlsSettings.Value location = settings.value("ssl.truststore.location");
        if (location != null) {
            return location.text() + " (" + location.key() + ")";
        }
        TlsSettings.Value inline = settings.value("ssl.truststore.certificates");
        return inline != null ? inline.key() : "the JVM's default truststore (no ssl.truststore.location)";
    }
}
