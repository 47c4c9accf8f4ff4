package io.logpipe.common.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A client's TLS context that trusts only the CA certificates of some PEM files (Kibana's
 * {@code elasticsearch.ssl.certificateAuthorities}); host names are still checked by the HTTP client.
 */
public final class TrustedAuthorities {
    private TrustedAuthorities() {
    }

    /** @throws IllegalArgumentException naming the file that is missing or holds no certificate */
    public static SSLContext context(List<Path> pemFiles) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            int n = 0;
            for (Path file : pemFiles) {
                int before = n;
                try (InputStream in = Files.newInputStream(file)) {
                    for (Certificate certificate : x509.generateCertificates(in)) {
                        trust.setCertificateEntry("ca-" + n++, certificate);
                    }
                } catch (NoSuchFileException e) {
                    throw new IllegalArgumentException(file + " does not exist");
                } catch (IOException | GeneralSecurityException e) {
                    throw new IllegalArgumentException(file + " is not a PEM certificate: " + e.getMessage());
                }
                if (n == before) {
                    throw new IllegalArgumentException(file + " holds no certificate (no '-----BEGIN CERTIFICATE-----')");
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }
}
