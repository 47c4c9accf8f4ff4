package io.logpipe.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Variables;
import io.logpipe.common.config.YamlFile;
import io.logpipe.common.secrets.KeystorePassword;
import io.logpipe.common.secrets.SecretStore;
import java.io.IOException;
import java.io.Reader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * How the appliance asks its own indexer's monitoring API on loopback (readiness, {@code status}): as the indexer's
 * settings file (indexer.yml, else logstash.yml, in indexer.settings) protects it. With {@code api.ssl.enabled} it
 * speaks https and trusts exactly the certificates of the indexer's own {@code api.ssl.keystore.path}: the appliance
 * reaches it as 127.0.0.1, which that certificate need not name, and what it must be sure of is that it is that
 * indexer. With {@code api.auth.type: basic} it sends {@code api.auth.basic.username/password}. {@code ${KEY}} is
 * looked up as the indexer does: its keystore, then the environment.
 */
final class IndexerApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final String authorization;
    private final HttpClient http;
    /** Why the last request got no 200, for the readiness error and status; null after a 200. */
    private volatile String lastProblem;

    private IndexerApiClient(String base, String authorization, HttpClient http) {
        this.base = base;
        this.authorization = authorization;
        this.http = http;
    }

    static IndexerApiClient of(ApplianceConfig config) {
        Path dir = config.indexerSettings();
        Path file = Files.exists(dir.resolve("indexer.yml")) ? dir.resolve("indexer.yml") : dir.resolve("logstash.yml");
        Map<String, String> settings = Files.exists(file) ? settings(file, dir) : Map.of();
        boolean tls = "true".equalsIgnoreCase(settings.getOrDefault("api.ssl.enabled", "false").trim());
        HttpClient.Builder builder = HttpClient.newBuilder()
                // the connect includes the TLS handshake, slow in a cold JVM on a busy machine
                .connectTimeout(Duration.ofSeconds(5));
        if (tls) {
            builder.sslContext(pinned(Path.of(settings.getOrDefault("api.ssl.keystore.path", "")),
                    settings.getOrDefault("api.ssl.keystore.password", ""), file));
        }
        String authorization = null;
        if ("basic".equalsIgnoreCase(settings.getOrDefault("api.auth.type", "none").trim())) {
            authorization = "Basic " + Base64.getEncoder().encodeToString((settings.getOrDefault(
                    "api.auth.basic.username", "") + ":" + settings.getOrDefault("api.auth.basic.password", ""))
                    .getBytes(StandardCharsets.UTF_8));
        }
        return new IndexerApiClient((tls ? "https" : "http") + "://127.0.0.1:" + config.indexerApiPort(),
                authorization, builder.build());
    }

    /** {@code http(s)://127.0.0.1:port}. */
    String base() {
        return base;
    }

    /** Why the last request got no 200 (an HTTP status, a TLS or connection error); null after a 200. */
    String lastProblem() {
        return lastProblem;
    }

    /** Whether GET {@code path} answers 200. */
    boolean answers(String path) {
        try {
            return send(path).statusCode() == 200;
        } catch (IOException e) {
            lastProblem = e.toString();
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** GET {@code path} as JSON, empty when the API does not answer 200. */
    Optional<JsonNode> get(String path) {
        try {
            HttpResponse<String> response = send(path);
            return response.statusCode() == 200 ? Optional.of(JSON.readTree(response.body())) : Optional.empty();
        } catch (IOException e) {
            lastProblem = e.toString();
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private HttpResponse<String> send(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        lastProblem = response.statusCode() == 200 ? null : "HTTP " + response.statusCode() + " from " + base + path;
        return response;
    }

    /** The api.* settings of {@code file}, flat, their {@code ${KEY}}s expanded as the indexer expands them. */
    private static Map<String, String> settings(Path file, Path dir) {
        Variables.Lookup variables;
        try {
            variables = SecretStore.variables(dir.resolve("indexer.keystore"),
                    KeystorePassword.from("LOGSTASH_KEYSTORE_PASS", System::getenv), Variables.Lookup.environment());
        } catch (IOException e) {
            throw new ConfigException("cannot read the indexer's keystore in " + dir + ": " + e.getMessage());
        }
        Node root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = YamlFile.compose(file.toString(), reader);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (root instanceof MappingNode mapping) {
            flatten("", mapping, out);
        }
        Map<String, String> api = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : out.entrySet()) {
            if (entry.getKey().startsWith("api.")) {
                try {
                    api.put(entry.getKey(), Variables.expand(entry.getValue(), variables));
                } catch (Variables.Unset e) {
                    throw new ConfigException(file + ": '" + entry.getKey() + "': variable " + e.getMessage());
                }
            }
        }
        return api;
    }

    private static void flatten(String prefix, MappingNode mapping, Map<String, String> out) {
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                continue;
            }
            if (tuple.getValueNode() instanceof MappingNode nested) {
                flatten(prefix + key.getValue() + ".", nested, out);
            } else if (tuple.getValueNode() instanceof ScalarNode value) {
                out.put(prefix + key.getValue(), value.getValue());
            }
        }
    }

    /** A TLS context that accepts exactly a certificate chain whose first certificate is in {@code keystore}. */
    private static SSLContext pinned(Path keystore, String password, Path settings) {
        List<Certificate> own = new ArrayList<>();
        try {
            KeyStore store = KeyStore.getInstance(keystore.toFile(), password.toCharArray());
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getCertificate(alias) != null) {
                    own.add(store.getCertificate(alias));
                }
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new Pinned(own)}, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            // the indexer itself refuses to start with this keystore, saying why; the appliance names the file
            throw new ConfigException(settings + ": api.ssl.keystore.path " + keystore + " cannot be opened ("
                    + e.getMessage() + ")");
        }
    }

    /** Trusts the indexer's own certificate and nothing else; no host name to check on loopback. */
    private static final class Pinned extends X509ExtendedTrustManager {
        private final List<Certificate> own;

        Pinned(List<Certificate> own) {
            this.own = own;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0 || !own.contains(chain[0])) {
                throw new CertificateException("the API on 127.0.0.1 does not present the certificate of the"
                        + " indexer's api.ssl.keystore.path");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @Override
    public String toString() {
        return base + (authorization == null ? "" : " (HTTP Basic)");
    }
}
