package io.logpipe.queue.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;

import io.logpipe.common.config.ConfigException;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

/**
 * The TLS side of one listener, loaded from its {@link TlsSettings} when the broker starts: the broker's key and
 * certificate chain, the CAs that client certificates must chain to, and the Vert.x {@link ServerSSLOptions} that
 * the listener's connections are upgraded with. Every problem Kafka would only report as "failed to load SSL
 * keystore" is found here and named with {@code file:line}, the key and what to fix: a missing file, a wrong store
 * or key password, a keystore without a private key, an unknown protocol or cipher suite. A certificate outside its
 * validity period only warns: the broker can still serve clients that do not check it, and the operator sees why
 * the others refuse.
 *
 * <p>PKCS12 and JKS stores are read with the JDK's {@link KeyStore}; PEM stores ({@code ssl.keystore.type=PEM} and
 * {@code ssl.truststore.type=PEM}, as files or inline) with kafka-clients' own {@link DefaultSslEngineFactory}, so
 * they accept exactly what Kafka accepts. The principal of a connection follows Kafka's default principal builder:
 * the client certificate's subject in RFC 2253 form through {@code ssl.principal.mapping.rules}, or
 * {@code User:ANONYMOUS} without a client certificate.
 */
public final class ServerTls {
    private static final long HANDSHAKE_TIMEOUT_SECONDS = 10;

    private final TlsSettings settings;
    private final ServerSSLOptions options;
    private final SslPrincipalMapper principalMapper;
    private final List<String> warnings;
    private final Map<Path, String> files;

    private ServerTls(TlsSettings settings, ServerSSLOptions options, SslPrincipalMapper principalMapper,
            List<String> warnings, Map<Path, String> files) {
        this.settings = settings;
        this.options = options;
        this.principalMapper = principalMapper;
        this.warnings = List.copyOf(warnings);
        this.files = Map.copyOf(files);
    }

    /** Reads and checks the listener's key material; {@code now} decides which certificates count as expired. */
    public static ServerTls load(TlsSettings settings, Instant now) throws ConfigException {
        // Stamped before reading: a file replaced while it is read is read again at the next check.
        Map<Path, String> files = stamps(settings);
        List<String> warnings = new ArrayList<>();
        Store keystore = keystore(settings);
        KeyManagerFactory keyManagers = keyManagers(settings, keystore, now, warnings);
        TrustManagerFactory trustManagers = null;
        if (settings.has("ssl.truststore.location") || settings.has("ssl.truststore.certificates")) {
            trustManagers = trustManagers(settings, truststore(settings));
        } else if (settings.clientAuth() != TlsSettings.ClientAuth.NONE) {
            warnings.add(settings.value("ssl.client.auth").describe() + " is " + settings.clientAuth().name()
                    .toLowerCase(java.util.Locale.ROOT) + " but listener " + settings.listenerName()
                    + " has no ssl.truststore.location: client certificates are checked against the JVM's default"
                    + " CAs");
        }
        SSLParameters supported = supportedParameters(settings);
        ServerSSLOptions options = new ServerSSLOptions()
                .setKeyCertOptions(KeyCertOptions.wrap(keyManagers))
                .setClientAuth(switch (settings.clientAuth()) {
                    case REQUIRED -> ClientAuth.REQUIRED;
                    case REQUESTED -> ClientAuth.REQUEST;
                    case NONE -> ClientAuth.NONE;
                })
                .setSslHandshakeTimeout(HANDSHAKE_TIMEOUT_SECONDS)
                .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS);
        if (trustManagers != null) {
            options.setTrustOptions(TrustOptions.wrap(trustManagers));
        }
        Set<String> protocols = new LinkedHashSet<>();
        for (String protocol : settings.enabledProtocols()) {
            if (!Arrays.asList(supported.getProtocols()).contains(protocol)) {
                throw settings.fail("ssl.enabled.protocols", "'" + protocol + "' is not a protocol this JVM speaks;"
                        + " use some of " + String.join(", ", supported.getProtocols()));
            }
            protocols.add(protocol);
        }
        options.setEnabledSecureTransportProtocols(protocols);
        for (String suite : settings.cipherSuites()) {
            if (!Arrays.asList(supported.getCipherSuites()).contains(suite)) {
                throw settings.fail("ssl.cipher.suites", "'" + suite + "' is not a cipher suite of this JVM (use"
                        + " JSSE names such as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)");
            }
            options.addEnabledCipherSuite(suite);
        }
        SslPrincipalMapper mapper;
        try {
            mapper = SslPrincipalMapper.fromRules(settings.text("ssl.principal.mapping.rules", "DEFAULT"));
        } catch (IllegalArgumentException e) {
            throw settings.fail("ssl.principal.mapping.rules", e.getMessage()
                    + "; use DEFAULT or rules such as RULE:^CN=(.*?),.*$/$1/L,DEFAULT");
        }
        return new ServerTls(settings, options, mapper, warnings, files);
    }

    /**
     * The files this listener's key material was read from, with their size and modification time: when it
     * differs from {@link #filesNow()}, the certificates were replaced and should be read again.
     */
    public Map<Path, String> files() {
        return files;
    }

    /** The same files as {@link #files()}, as they are on disk now. */
    public Map<Path, String> filesNow() {
        return stamps(settings);
    }

    private static Map<Path, String> stamps(TlsSettings s) {
        Map<Path, String> stamps = new java.util.TreeMap<>();
        for (String key : List.of("ssl.keystore.location", "ssl.truststore.location")) {
            if (s.has(key)) {
                Path file = Path.of(s.text(key, ""));
                try {
                    stamps.put(file, Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis());
                } catch (IOException e) {
                    stamps.put(file, "unreadable");
                }
            }
        }
        return stamps;
    }

    /** What connections of this listener are upgraded with. */
    public ServerSSLOptions options() {
        return options;
    }

    public TlsSettings settings() {
        return settings;
    }

    /** One line per certificate problem that does not stop the start (expired or not yet valid). */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The principal of a connection after its handshake: {@code User:} plus the client certificate's subject (RFC
     * 2253) mapped by {@code ssl.principal.mapping.rules}, or {@link KafkaPrincipal#ANONYMOUS} without one.
     */
    public KafkaPrincipal principal(SSLSession session) throws IOException {
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return KafkaPrincipal.ANONYMOUS;
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate certificate)) {
            return KafkaPrincipal.ANONYMOUS;
        }
        String name = principalMapper.getName(certificate.getSubjectX500Principal().getName());
        return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, name);
    }

    /** A loaded store and the key of the setting that names it (for messages). */
    private record Store(KeyStore keyStore, String describe, String originKey) {
    }

    private static Store keystore(TlsSettings s) throws ConfigException {
        if (s.isPem("ssl.keystore.type")) {
            if (s.has("ssl.keystore.password")) {
                throw s.fail("ssl.keystore.password", "a PEM keystore has no store password (Kafka refuses it too);"
                        + " remove it, and give the password of an encrypted private key as ssl.key.password");
            }
            boolean inline = s.has("ssl.keystore.key") || s.has("ssl.keystore.certificate.chain");
            if (inline && s.has("ssl.keystore.location")) {
                throw s.fail("ssl.keystore.location", "is set together with ssl.keystore.key/certificate.chain;"
                        + " give the PEM key and chain either in a file or inline, not both");
            }
            if (inline && !(s.has("ssl.keystore.key") && s.has("ssl.keystore.certificate.chain"))) {
                String missing = s.has("ssl.keystore.key") ? "ssl.keystore.certificate.chain" : "ssl.keystore.key";
                throw s.fail(s.has("ssl.keystore.key") ? "ssl.keystore.key" : "ssl.keystore.certificate.chain",
                        "an inline PEM keystore needs both ssl.keystore.key and ssl.keystore.certificate.chain;"
                                + " " + missing + " is missing");
            }
            String originKey = inline ? "ssl.keystore.key" : "ssl.keystore.location";
            if (!inline) {
                requireFile(s, originKey);
            }
            Map<String, Object> pem = new HashMap<>();
            pem.put("ssl.keystore.type", "PEM");
            put(pem, s, "ssl.keystore.location", false);
            put(pem, s, "ssl.keystore.key", true);
            put(pem, s, "ssl.keystore.certificate.chain", true);
            put(pem, s, "ssl.key.password", true);
            return new Store(viaKafka(s, pem, originKey, true), describe(s, originKey), originKey);
        }
        requireFile(s, "ssl.keystore.location");
        return new Store(fileStore(s, "ssl.keystore"), describe(s, "ssl.keystore.location"),
                "ssl.keystore.location");
    }

    private static Store truststore(TlsSettings s) throws ConfigException {
        if (s.isPem("ssl.truststore.type")) {
            if (s.has("ssl.truststore.password")) {
                throw s.fail("ssl.truststore.password", "a PEM truststore has no password (Kafka refuses it too);"
                        + " remove it");
            }
            if (s.has("ssl.truststore.location") && s.has("ssl.truststore.certificates")) {
                throw s.fail("ssl.truststore.location", "is set together with ssl.truststore.certificates; give the"
                        + " PEM certificates either in a file or inline, not both");
            }
            String originKey = s.has("ssl.truststore.location") ? "ssl.truststore.location" : "ssl.truststore.certificates";
            if (originKey.equals("ssl.truststore.location")) {
                requireFile(s, originKey);
            }
            Map<String, Object> pem = new HashMap<>();
            pem.put("ssl.truststore.type", "PEM");
            put(pem, s, "ssl.truststore.location", false);
            put(pem, s, "ssl.truststore.certificates", true);
            return new Store(viaKafka(s, pem, originKey, false), describe(s, originKey), originKey);
        }
        if (s.has("ssl.truststore.certificates")) {
            throw s.fail("ssl.truststore.certificates", "needs ssl.truststore.type=PEM (it is "
                    + s.text("ssl.truststore.type", "JKS") + ")");
        }
        requireFile(s, "ssl.truststore.location");
        return new Store(fileStore(s, "ssl.truststore"), describe(s, "ssl.truststore.location"),
                "ssl.truststore.location");
    }

    private static String describe(TlsSettings s, String key) {
        return key.endsWith(".location") ? s.text(key, "") : "(inline " + key + ")";
    }

    private static void put(Map<String, Object> config, TlsSettings s, String key, boolean password) {
        if (s.has(key)) {
            config.put(key, password ? new Password(s.text(key, "")) : s.text(key, ""));
        }
    }

    private static void requireFile(TlsSettings s, String key) throws ConfigException {
        Path file = Path.of(s.text(key, ""));
        if (!Files.isRegularFile(file)) {
            throw s.fail(key, file + (Files.exists(file) ? " is not a file" : " does not exist")
                    + "; give the path of the " + (key.contains("truststore") ? "truststore" : "broker's keystore"));
        }
        if (!Files.isReadable(file)) {
            throw s.fail(key, file + " is not readable by this user");
        }
    }

    /** A PKCS12 or JKS (or other JDK type) store file: {@code prefix} is ssl.keystore or ssl.truststore. */
    private static KeyStore fileStore(TlsSettings s, String prefix) throws ConfigException {
        String type = s.text(prefix + ".type", "JKS").toUpperCase(java.util.Locale.ROOT);
        String file = s.text(prefix + ".location", "");
        KeyStore store;
        try {
            store = KeyStore.getInstance(type);
        } catch (java.security.KeyStoreException e) {
            throw s.fail(prefix + ".type", "'" + type + "' is not a store type of this JVM; use PKCS12, JKS or PEM");
        }
        String password = s.text(prefix + ".password", null);
        if (password == null && prefix.equals("ssl.keystore")) {
            throw s.fail("ssl.keystore.location", "keystore " + file + " needs ssl.keystore.password");
        }
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            store.load(in, password == null ? null : password.toCharArray());
        } catch (IOException e) {
            if (hasCause(e, UnrecoverableKeyException.class) || String.valueOf(e.getMessage()).contains("password")) {
                String storeKind = prefix.equals("ssl.keystore") ? "keystore " : "truststore ";
                throw s.fail(prefix + ".password", storeKind + file + ": wrong password");
            }
            throw s.fail(prefix + ".location", file + " is not a " + type + " store (" + e.getMessage() + ");"
                    + " check " + prefix + ".type (PKCS12, JKS or PEM)");
        } catch (GeneralSecurityException e) {
            throw s.fail(prefix + ".location", file + " cannot be read as " + type + ": " + e.getMessage());
        }
        return store;
    }

    /** A PEM store read by kafka-clients, as Kafka reads it. */
    private static KeyStore viaKafka(TlsSettings s, Map<String, Object> pem, String originKey, boolean keystore)
            throws ConfigException {
        Map<String, Object> config = new HashMap<>(pem);
        config.put("ssl.protocol", "TLS");
        config.put("ssl.keymanager.algorithm", KeyManagerFactory.getDefaultAlgorithm());
        config.put("ssl.trustmanager.algorithm", TrustManagerFactory.getDefaultAlgorithm());
        config.put("ssl.enabled.protocols", List.of());
        config.put("ssl.cipher.suites", List.of());
        config.put("ssl.client.auth", "none");
        DefaultSslEngineFactory factory = new DefaultSslEngineFactory();
        try {
            factory.configure(config);
            return keystore ? factory.keystore() : factory.truststore();
        } catch (RuntimeException e) {
            StringBuilder reason = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t.getMessage() != null && reason.indexOf(t.getMessage()) < 0) {
                    reason.append(reason.length() == 0 ? "" : ": ").append(t.getMessage());
                }
            }
            String key = hasCause(e, javax.crypto.BadPaddingException.class) ? "ssl.key.password" : originKey;
            throw s.fail(key, "cannot read the PEM " + (keystore ? "key and certificate chain" : "certificates")
                    + " of " + describe(s, originKey) + ": " + reason);
        }
    }

    private static KeyManagerFactory keyManagers(TlsSettings s, Store store, Instant now, List<String> warnings)
            throws ConfigException {
        KeyStore ks = store.keyStore();
        String file = store.describe();
        boolean pem = s.isPem("ssl.keystore.type");
        String keyPasswordKey = s.has("ssl.key.password") || pem ? "ssl.key.password" : "ssl.keystore.password";
        char[] keyPassword = s.text(keyPasswordKey, "").toCharArray();
        try {
            List<String> keyAliases = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias)) {
                    keyAliases.add(alias);
                }
            }
            if (keyAliases.isEmpty()) {
                throw s.fail(origin(s, store), "keystore " + file + " holds no private key (only trusted"
                        + " certificates); it needs the broker's key with its certificate chain (keytool"
                        + " -importkeystore, or openssl pkcs12 -export -inkey KEY -in CHAIN)");
            }
            for (String alias : keyAliases) {
                Key key;
                try {
                    key = ks.getKey(alias, keyPassword);
                } catch (UnrecoverableKeyException e) {
                    throw s.fail(keyPasswordKey, "keystore " + file + ": wrong password for the private key '"
                            + alias + "'" + (keyPasswordKey.equals("ssl.keystore.password")
                            ? " (it differs from the store's; set ssl.key.password)" : ""));
                }
                if (!(key instanceof PrivateKey)) {
                    continue;
                }
                Certificate[] chain = ks.getCertificateChain(alias);
                for (Certificate c : chain == null ? new Certificate[0] : chain) {
                    if (c instanceof X509Certificate x509) {
                        if (now.isAfter(x509.getNotAfter().toInstant())) {
                            warnings.add(s.value(origin(s, store)).describe() + ": certificate "
                                    + x509.getSubjectX500Principal().getName() + " in " + file + " expired on "
                                    + x509.getNotAfter().toInstant() + "; clients will refuse listener "
                                    + s.listenerName() + " until it is renewed");
                        } else if (now.isBefore(x509.getNotBefore().toInstant())) {
                            warnings.add(s.value(origin(s, store)).describe() + ": certificate "
                                    + x509.getSubjectX500Principal().getName() + " in " + file
                                    + " is not valid before " + x509.getNotBefore().toInstant()
                                    + "; check this machine's clock");
                        }
                    }
                }
            }
            KeyManagerFactory factory = KeyManagerFactory.getInstance(s.text("ssl.keymanager.algorithm",
                    KeyManagerFactory.getDefaultAlgorithm()));
            factory.init(ks, keyPassword);
            return factory;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw s.fail("ssl.keymanager.algorithm", "is not a key manager algorithm of this JVM; use "
                    + KeyManagerFactory.getDefaultAlgorithm());
        } catch (GeneralSecurityException e) {
            throw s.fail(origin(s, store), "keystore " + file + " cannot be used: " + e.getMessage());
        }
    }

    private static String origin(TlsSettings s, Store store) {
        return store.originKey();
    }

    private static TrustManagerFactory trustManagers(TlsSettings s, Store store) throws ConfigException {
        try {
            if (store.keyStore().size() == 0) {
                throw s.fail(origin(s, store), "truststore " + store.describe() + " holds no certificate");
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(s.text("ssl.trustmanager.algorithm",
                    TrustManagerFactory.getDefaultAlgorithm()));
            factory.init(store.keyStore());
            return factory;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw s.fail("ssl.trustmanager.algorithm", "is not a trust manager algorithm of this JVM; use "
                    + TrustManagerFactory.getDefaultAlgorithm());
        } catch (GeneralSecurityException e) {
            throw s.fail(origin(s, store), "truststore " + store.describe() + " cannot be used: " + e.getMessage());
        }
    }

    private static SSLParameters supportedParameters(TlsSettings s) throws ConfigException {
        String protocol = s.text("ssl.protocol", "TLSv1.3");
        try {
            // Kafka's ssl.protocol names the SSLContext; the versions a server accepts are ssl.enabled.protocols.
            SSLContext context = SSLContext.getInstance(protocol);
            context.init(null, null, null);
            return context.getSupportedSSLParameters();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw s.fail("ssl.protocol", "'" + protocol + "' is not a TLS protocol of this JVM; use TLSv1.3 or TLSv1.2");
        } catch (java.security.KeyManagementException e) {
            throw s.fail("ssl.protocol", "'" + protocol + "' cannot be initialized: " + e.getMessage());
        }
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
