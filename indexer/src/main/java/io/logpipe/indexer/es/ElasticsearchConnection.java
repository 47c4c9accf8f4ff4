package io.logpipe.indexer.es;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import io.logpipe.common.tls.TrustedAuthorities;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;

/**
 * How to reach an Elasticsearch cluster: the connection settings of Logstash's elasticsearch output ({@code hosts},
 * {@code user}/{@code password}, {@code api_key}, {@code ssl_certificate_authorities}), shared by the indexer's
 * output and the prune job so that both accept the same values.
 *
 * <p>Several hosts give failover: the low-level client spreads requests over them and retries a request on the next
 * host when one is down.
 */
public record ElasticsearchConnection(List<HttpHost> hosts, String user, String password, String apiKey,
                                      List<Path> certificateAuthorities, Duration timeout) {
    public static final int DEFAULT_PORT = 9200;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public ElasticsearchConnection {
        hosts = List.copyOf(hosts);
        certificateAuthorities = List.copyOf(certificateAuthorities);
        Objects.requireNonNull(timeout, "timeout");
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("hosts: at least one Elasticsearch host is needed, e.g. \"http://127.0.0.1:9200\"");
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException(user == null ? "password is set without user" : "user is set without password");
        }
        if (user != null && apiKey != null) {
            throw new IllegalArgumentException("user/password and api_key are both set: choose one way to authenticate");
        }
        if (apiKey != null && !apiKey.contains(":")) {
            throw new IllegalArgumentException("api_key must be \"id:api_key\", as Elasticsearch's create API key answer gives them");
        }
        for (Path ca : certificateAuthorities) {
            if (!Files.isReadable(ca)) {
                throw new IllegalArgumentException("ssl_certificate_authorities: cannot read " + ca);
            }
        }
    }

    /** Hosts as Logstash accepts them: {@code http://h:9200}, {@code https://h}, {@code h:9200} or {@code h}. */
    public static ElasticsearchConnection of(List<String> hosts, String user, String password, String apiKey,
                                             List<Path> certificateAuthorities) {
        return of(hosts, user, password, apiKey, certificateAuthorities, null);
    }

    /**
     * As {@link #of(List, String, String, String, List)}, with Logstash's {@code ssl_enabled} (or the older
     * {@code ssl}): {@code null} when not set. Set, it gives host names without a scheme theirs, and it must agree
     * with the scheme of the hosts that have one, as Logstash insists. TLS without a CA file trusts the JVM's CAs.
     */
    public static ElasticsearchConnection of(List<String> hosts, String user, String password, String apiKey,
                                             List<Path> certificateAuthorities, Boolean sslEnabled) {
        List<HttpHost> parsed = new ArrayList<>();
        boolean tls = sslEnabled != null ? sslEnabled : !certificateAuthorities.isEmpty();
        // Logstash's hosts is a uri_list: an entry with spaces is several hosts (hosts => ["${ES_HOSTS}"]).
        for (String host : hosts.stream().flatMap(h -> h.isBlank() ? Stream.of(h)
                : Arrays.stream(h.trim().split("\\s+"))).toList()) {
            HttpHost parsedHost = parseHost(host, tls);
            if (sslEnabled != null && parsedHost.getSchemeName().equals("https") != sslEnabled) {
                throw new IllegalArgumentException("ssl_enabled is " + sslEnabled + " but host '" + host + "' is "
                        + parsedHost.getSchemeName() + "://: make them agree (or leave ssl_enabled out)");
            }
            parsed.add(parsedHost);
        }
        return new ElasticsearchConnection(parsed, user, password, apiKey, certificateAuthorities, DEFAULT_TIMEOUT);
    }

    /** One host setting value; without a scheme it is https when a CA file is given, http otherwise. */
    public static HttpHost parseHost(String host, boolean defaultTls) {
        String value = host.trim();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("hosts: an empty host name");
        }
        String withScheme = value.contains("://") ? value : (defaultTls ? "https://" : "http://") + value;
        URI uri;
        try {
            uri = URI.create(withScheme);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hosts: '" + host + "' is not a host or URL: " + e.getMessage());
        }
        if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new IllegalArgumentException("hosts: '" + host + "' is not an http(s) URL or host:port");
        }
        if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
            throw new IllegalArgumentException("hosts: '" + host + "' has a path; path prefixes are not supported");
        }
        return new HttpHost(uri.getHost(), uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort(), uri.getScheme());
    }

    /** A new client; close it with {@code client._transport().close()}. */
    public ElasticsearchClient openClient() {
        return new ElasticsearchClient(new RestClientTransport(openRestClient(), new JacksonJsonpMapper()));
    }

    /** A new low-level client with the hosts, credentials and TLS settings; close it when done. */
    public RestClient openRestClient() {
        List<Header> headers = new ArrayList<>();
        if (user != null) {
            String pair = user + ":" + password;
            headers.add(new BasicHeader("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8))));
        } else if (apiKey != null) {
            headers.add(new BasicHeader("Authorization",
                    "ApiKey " + Base64.getEncoder().encodeToString(apiKey.getBytes(StandardCharsets.UTF_8))));
        }
        SSLContext ssl = certificateAuthorities.isEmpty() ? null : trusting(certificateAuthorities);
        int millis = (int) timeout.toMillis();
        return RestClient.builder(hosts.toArray(new HttpHost[0]))
                .setDefaultHeaders(headers.toArray(new Header[0]))
                .setRequestConfigCallback(config -> config.setConnectTimeout(Math.min(millis, 10_000)).setSocketTimeout(millis))
                .setHttpClientConfigCallback(client -> ssl == null ? client : client.setSSLContext(ssl))
                .build();
    }

    /** For log lines: the hosts and how we authenticate, never the secret. */
    public String describe() {
        String auth = user != null ? " as user " + user : apiKey != null ? " with an API key" : "";
        return hosts.stream().map(HttpHost::toURI).toList() + auth;
    }

    private static SSLContext trusting(List<Path> caFiles) {
        try {
            return TrustedAuthorities.context(caFiles);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ssl_certificate_authorities: " + e.getMessage(), e);
        }
    }
}
