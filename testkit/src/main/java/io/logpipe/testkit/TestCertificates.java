package io.logpipe.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away certificate authority and a server certificate it signed for {@code 127.0.0.1} and {@code localhost},
 * made with the JDK's keytool, as PEM files: {@link #caCertificate()} (what a client trusts), {@link #serverKey()}
 * (unencrypted PKCS#8) and {@link #serverCertificate()} (what the server presents); for Java servers and clients also
 * {@link #serverKeystore()} (PKCS12: the server key with the chain CA-signed certificate, CA) and {@link #truststore()}
 * (PKCS12: the CA), both with password {@link #STORE_PASSWORD}. For mutual TLS also a client certificate the CA
 * signed, subject {@link #CLIENT_SUBJECT}: {@link #clientKeystore()} (PKCS12, key with chain), {@link #clientKey()}
 * and {@link #clientCertificate()} (PEM). Two generations in two directories are two CAs that do not trust each
 * other.
 */
public final class TestCertificates {
    /** The password of {@link #serverKeystore()}, {@link #truststore()} and the key inside the keystore. */
    public static final String STORE_PASSWORD = "logpipe-test";
    /** The subject of {@link #clientCertificate()}, as RFC 2253 prints it. */
    public static final String CLIENT_SUBJECT = "CN=logpipe-shipper,OU=app hosts,O=logpipe test";
    private static final Duration KEYTOOL_TIMEOUT = Duration.ofMinutes(1);

    private final Path caStore;
    private final Path caCertificate;
    private final Path serverKey;
    private final Path serverCertificate;
    private final Path serverKeystore;
    private final Path truststore;
    private final Path clientKeystore;
    private final Path clientKey;
    private final Path clientCertificate;

    private TestCertificates(Path caStore, Path caCertificate, Path serverKey, Path serverCertificate,
            Path serverKeystore, Path truststore, Path clientKeystore, Path clientKey, Path clientCertificate) {
        this.caStore = caStore;
        this.caCertificate = caCertificate;
        this.serverKey = serverKey;
        this.serverCertificate = serverCertificate;
        this.serverKeystore = serverKeystore;
        this.truststore = truststore;
        this.clientKeystore = clientKeystore;
        this.clientKey = clientKey;
        this.clientCertificate = clientCertificate;
    }

    /** Generates a new CA and server certificate into {@code directory} (created if missing). */
    public static TestCertificates generate(Path directory) {
        try {
            Files.createDirectories(directory);
            Path caStore = directory.resolve("ca.p12");
            Path serverStore = directory.resolve("server.p12");
            Path request = directory.resolve("server.csr");
            Path ca = directory.resolve("ca.crt");
            Path certificate = directory.resolve("server.crt");
            Path key = directory.resolve("server.key");
            Path trust = directory.resolve("truststore.p12");
            Path clientStore = directory.resolve("client.p12");
            Path clientRequest = directory.resolve("client.csr");
            Path clientCertificate = directory.resolve("client.crt");
            Path clientKey = directory.resolve("client.key");
            for (Path file : List.of(caStore, serverStore, request, ca, certificate, key, trust, clientStore,
                    clientRequest, clientCertificate, clientKey)) {
                Files.deleteIfExists(file);
            }
            keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                    "-dname", "CN=logpipe test CA", "-ext", "bc:c", "-keystore", caStore.toString());
            keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-file", ca.toString());
            keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                    "-dname", "CN=localhost", "-keystore", serverStore.toString());
            keytool("-certreq", "-alias", "server", "-keystore", serverStore.toString(), "-file", request.toString());
            keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-validity", "30",
                    "-infile", request.toString(), "-outfile", certificate.toString(),
                    "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-ext", "KU=digitalSignature,keyEncipherment",
                    "-ext", "EKU=serverAuth");
            // The keystore a Java server presents: its key with the CA-signed certificate and the CA behind it.
            keytool("-importcert", "-alias", "ca", "-file", ca.toString(), "-keystore", serverStore.toString());
            keytool("-importcert", "-alias", "server", "-file", certificate.toString(), "-keystore", serverStore.toString());
            keytool("-importcert", "-alias", "ca", "-file", ca.toString(), "-keystore", trust.toString());
            keytool("-genkeypair", "-alias", "client", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                    "-dname", CLIENT_SUBJECT, "-keystore", clientStore.toString());
            keytool("-certreq", "-alias", "client", "-keystore", clientStore.toString(), "-file",
                    clientRequest.toString());
            keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-validity", "30",
                    "-infile", clientRequest.toString(), "-outfile", clientCertificate.toString(),
                    "-ext", "KU=digitalSignature,keyEncipherment", "-ext", "EKU=clientAuth");
            keytool("-importcert", "-alias", "ca", "-file", ca.toString(), "-keystore", clientStore.toString());
            keytool("-importcert", "-alias", "client", "-file", clientCertificate.toString(), "-keystore",
                    clientStore.toString());
            writePemKey(serverStore, "server", key);
            writePemKey(clientStore, "client", clientKey);
            return new TestCertificates(caStore, ca, key, certificate, serverStore, trust, clientStore, clientKey,
                    clientCertificate);
        } catch (IOException e) {
            throw new UncheckedIOException("could not generate test certificates in " + directory, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not read the generated server key in " + directory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while generating test certificates", e);
        }
    }

    /** A further certificate signed by this CA: its key (PEM), certificate (PEM) and a PKCS12 keystore with the chain. */
    public record Issued(Path key, Path certificate, Path keystore) {
    }

    /**
     * Issues a certificate named {@code name} (files {@code name.key}, {@code name.crt}, {@code name.p12} beside the
     * CA) for {@code subjectAlternativeNames} (keytool's form, e.g. {@code dns:broker.example}), usable by servers and
     * clients; {@code expired} makes one that was valid for a day, 60 days ago.
     */
    public Issued issue(String name, String subjectAlternativeNames, boolean expired) {
        Path directory = caCertificate.getParent();
        Path store = directory.resolve(name + ".p12");
        Path request = directory.resolve(name + ".csr");
        Path certificate = directory.resolve(name + ".crt");
        Path key = directory.resolve(name + ".key");
        try {
            for (Path file : List.of(store, request, certificate, key)) {
                Files.deleteIfExists(file);
            }
            keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                    "-dname", "CN=" + name, "-keystore", store.toString());
            keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-file", request.toString());
            List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore",
                    caStore.toString(), "-infile", request.toString(), "-outfile", certificate.toString(),
                    "-ext", "SAN=" + subjectAlternativeNames, "-ext", "KU=digitalSignature,keyEncipherment",
                    "-ext", "EKU=serverAuth,clientAuth"));
            sign.addAll(expired ? List.of("-startdate", "-60d", "-validity", "1") : List.of("-validity", "30"));
            keytool(sign.toArray(String[]::new));
            keytool("-importcert", "-alias", "ca", "-file", caCertificate.toString(), "-keystore", store.toString());
            keytool("-importcert", "-alias", name, "-file", certificate.toString(), "-keystore", store.toString());
            writePemKey(store, name, key);
            return new Issued(key, certificate, store);
        } catch (IOException e) {
            throw new UncheckedIOException("could not issue certificate " + name + " in " + directory, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not read the generated key " + name + " in " + directory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while issuing certificate " + name, e);
        }
    }

    /** Writes the key {@code alias} of {@code keystore} as unencrypted PKCS#8 PEM. */
    private static void writePemKey(Path keystore, String alias, Path pemFile) throws IOException,
            GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, STORE_PASSWORD.toCharArray());
        }
        Key privateKey = store.getKey(alias, STORE_PASSWORD.toCharArray());
        Files.writeString(pemFile, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(privateKey.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private static void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD,
                "-noprompt"));
        Processes.run(command, KEYTOOL_TIMEOUT);
    }

    /** The CA certificate (PEM) that signed {@link #serverCertificate()}. */
    public Path caCertificate() {
        return caCertificate;
    }

    /** The server's private key, unencrypted PKCS#8 PEM. */
    public Path serverKey() {
        return serverKey;
    }

    /** The server certificate (PEM) for IP 127.0.0.1 and DNS localhost. */
    public Path serverCertificate() {
        return serverCertificate;
    }

    /** PKCS12 keystore (password {@link #STORE_PASSWORD}): the server key, its CA-signed certificate and the CA. */
    public Path serverKeystore() {
        return serverKeystore;
    }

    /** PKCS12 truststore (password {@link #STORE_PASSWORD}) holding only the CA certificate. */
    public Path truststore() {
        return truststore;
    }

    /** PKCS12 keystore (password {@link #STORE_PASSWORD}): the client key, its CA-signed certificate and the CA. */
    public Path clientKeystore() {
        return clientKeystore;
    }

    /** The client's private key, unencrypted PKCS#8 PEM. */
    public Path clientKey() {
        return clientKey;
    }

    /** The client certificate (PEM), subject {@link #CLIENT_SUBJECT}, for TLS client authentication. */
    public Path clientCertificate() {
        return clientCertificate;
    }

    /** A TLS context that trusts only this CA. */
    public SSLContext clientContext() {
        try (InputStream in = Files.newInputStream(caCertificate)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + caCertificate, e);
        }
    }
}
