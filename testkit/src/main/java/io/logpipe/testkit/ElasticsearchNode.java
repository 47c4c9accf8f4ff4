package io.logpipe.testkit;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import io.logpipe.common.elasticsearch.ElasticsearchProcess;
import io.logpipe.common.elasticsearch.ServiceUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.HttpsURLConnection;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;

/**
 * A real single-node Elasticsearch, started from the distribution that Maven resolved from Maven Central
 * ({@code org.elasticsearch.distribution.integ-test-zip:elasticsearch}), as a child process on loopback.
 *
 * <p>The process mechanics are {@link ElasticsearchProcess}'s, which the appliance's embedded node uses too.
 *
 * <p>Use {@link #shared()} for the one node every test in a JVM shares, or {@link #start(Options)} for a node of
 * one's own (for example with security on); {@link ElasticsearchCluster} starts several as one cluster. Nodes are
 * stopped by a shutdown hook, and a watchdog process stops them when the test JVM dies without running its hooks
 * (kill -9), so none is left orphaned.
 */
public final class ElasticsearchNode implements AutoCloseable {
    /** The unprivileged user Elasticsearch runs as when the tests run as root (Elasticsearch refuses root). */
    public static final String SERVICE_USER = ServiceUser.NAME;

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final List<ElasticsearchNode> RUNNING = new CopyOnWriteArrayList<>();
    private static ElasticsearchNode shared;
    private static ElasticsearchNode sharedSecured;

    /** The superuser of {@link #sharedSecured()}. */
    public static final String SECURED_USER = "logpipe-admin";
    public static final String SECURED_PASSWORD = "logpipe-test-password";

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ElasticsearchNode::close),
                "elasticsearch-node-stopper"));
    }

    /** How to start a node. */
    public record Options(String name, String user, String password, TestCertificates httpTls) {
        public Options(String name, String user, String password) {
            this(name, user, password, null);
        }

        /** Security off: plain HTTP, no credentials. */
        public static Options insecure(String name) {
            return new Options(name, null, null);
        }

        /** Security on (file realm, plain HTTP): {@code user} is a superuser with {@code password}. */
        public static Options secured(String name, String user, String password) {
            return new Options(name, user, password);
        }

        /** These secured options with HTTPS: the node presents {@code certificates}' server certificate. */
        public Options withHttpTls(TestCertificates certificates) {
            if (user == null) {
                throw new IllegalArgumentException("HTTPS needs security on: use Options.secured(...).withHttpTls(...)");
            }
            return new Options(name, user, password, certificates);
        }

        boolean securityEnabled() {
            return user != null;
        }
    }

    private final Options options;
    private final ElasticsearchProcess process;

    private ElasticsearchNode(Options options, ElasticsearchProcess process) {
        this.options = options;
        this.process = process;
    }

    /** The node shared by every test of this JVM, security off; started on first use. */
    public static synchronized ElasticsearchNode shared() {
        if (shared == null) {
            shared = start(Options.insecure("shared"));
        }
        return shared;
    }

    /**
     * The node shared by every auth test of this JVM: security on, superuser {@link #SECURED_USER} with
     * {@link #SECURED_PASSWORD}; started on first use. Tests that need other users create them through the API.
     */
    public static synchronized ElasticsearchNode sharedSecured() {
        if (sharedSecured == null) {
            sharedSecured = start(Options.secured("shared-secured", SECURED_USER, SECURED_PASSWORD));
        }
        return sharedSecured;
    }

    /** Starts a node of its own; close it when done (or leave it to the shutdown hook). */
    public static ElasticsearchNode start(Options options) {
        return start(options, FreePorts.pick(), FreePorts.pick(), null);
    }

    /**
     * How a node of an {@link ElasticsearchCluster} finds the others: the cluster's name, every node's transport
     * address, and the node names that form the cluster (given to the first node only, empty for the others).
     */
    record Membership(String clusterName, List<String> seedHosts, List<String> initialMasterNodes) {
    }

    /** Starts a node on these ports: of its own ({@code membership} null) or as a member of a cluster. */
    static ElasticsearchNode start(Options options, int httpPort, int transportPort, Membership membership) {
        try {
            return new Launcher(options, httpPort, transportPort, membership).launch();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Elasticsearch node '" + options.name() + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Elasticsearch", e);
        }
    }

    /** e.g. {@code http://127.0.0.1:41233}, or {@code https://...} with {@link Options#withHttpTls}. */
    public String url() {
        return process.url();
    }

    public int httpPort() {
        return process.httpPort();
    }

    public Optional<String> user() {
        return Optional.ofNullable(options.user());
    }

    public Optional<String> password() {
        return Optional.ofNullable(options.password());
    }

    /** A new elasticsearch-java client for this node (with the node's credentials, if any); close its transport when done. */
    public ElasticsearchClient client() {
        return client(authorization(options));
    }

    /** A new client for this node that authenticates as {@code user} with {@code password}. */
    public ElasticsearchClient client(String user, String password) {
        return client(authorization(Options.secured(options.name(), user, password)));
    }

    private ElasticsearchClient client(Optional<String> authorization) {
        return client(List.of(url()), options, authorization);
    }

    /** A client for the nodes at {@code urls} (the low-level client spreads requests over them and fails over). */
    static ElasticsearchClient client(List<String> urls, Options options, Optional<String> authorization) {
        List<Header> headers = new ArrayList<>();
        authorization.ifPresent(value -> headers.add(new BasicHeader("Authorization", value)));
        RestClient rest = RestClient.builder(urls.stream().map(HttpHost::create).toArray(HttpHost[]::new))
                .setDefaultHeaders(headers.toArray(new Header[0]))
                // Two cores shared by several test JVMs make a cold node slow: no client gives up before a test does.
                .setRequestConfigCallback(config -> config.setSocketTimeout(120_000))
                .setHttpClientConfigCallback(http -> options.httpTls() == null ? http
                        : http.setSSLContext(options.httpTls().clientContext()))
                .build();
        return new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper()));
    }

    Options options() {
        return options;
    }

    /** The node's name ({@code node.name}). */
    public String name() {
        return process.name();
    }

    /** The node's server process, if it is running. */
    public Optional<ProcessHandle> process() {
        return process.process();
    }

    /** SIGKILL to the server, as a crash would; returns once it is gone. {@link #restart()} brings it back. */
    public void kill() {
        process().ifPresent(server -> {
            server.destroyForcibly();
            try {
                server.onExit().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("Elasticsearch node '" + options.name() + "' did not die within"
                        + " 60 s of SIGKILL", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while killing Elasticsearch", e);
            }
            log("killed Elasticsearch node '" + name() + "' (SIGKILL)");
        });
    }

    /**
     * Starts the server again, on the same port and the same data, after it died (a fault test killed it with
     * SIGKILL); returns once the cluster is healthy again.
     */
    public void restart() {
        try {
            process.restart();
        } catch (IOException e) {
            throw new UncheckedIOException("could not restart Elasticsearch node '" + options.name() + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting Elasticsearch", e);
        }
    }

    /** Stops the node: SIGTERM, then SIGKILL after 30 s. Idempotent. */
    @Override
    public void close() {
        RUNNING.remove(this);
        process.close();
    }

    static Optional<String> authorization(Options options) {
        if (!options.securityEnabled()) {
            return Optional.empty();
        }
        String pair = options.user() + ":" + options.password();
        return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }

    static void log(String message) {
        System.err.println("[testkit] " + message);
    }

    /** Configures the shared {@link ElasticsearchProcess} for a test node: free ports, security and TLS as asked. */
    private static final class Launcher {
        private final Options options;
        private final int httpPort;
        private final int transportPort;
        private final Membership membership;

        Launcher(Options options, int httpPort, int transportPort, Membership membership) {
            this.options = options;
            this.httpPort = httpPort;
            this.transportPort = transportPort;
            this.membership = membership;
        }

        ElasticsearchNode launch() throws IOException, InterruptedException {
            Path base = Distribution.base();
            ElasticsearchProcess.Builder builder = ElasticsearchProcess.builder(Distribution.zip(), base,
                            base.resolve("nodes").resolve(options.name() + "-" + httpPort))
                    .name(options.name())
                    .clusterName(membership == null ? "logpipe-test" : membership.clusterName())
                    .ports(httpPort, transportPort)
                    .heap("512m")
                    .scheme(options.httpTls() == null ? "http" : "https")
                    .startTimeout(START_TIMEOUT)
                    .log(ElasticsearchNode::log)
                    .onUnpacked(SecurityIndexAnalysis::install)
                    // A full build disk must not turn every index read-only in the middle of a test run.
                    .setting("cluster.routing.allocation.disk.threshold_enabled=false")
                    .setting("xpack.security.enabled=" + options.securityEnabled())
                    .healthRequest(connection -> {
                        if (connection instanceof HttpsURLConnection https) {
                            https.setSSLSocketFactory(options.httpTls().clientContext().getSocketFactory());
                        }
                        authorization(options).ifPresent(value -> connection.setRequestProperty("Authorization", value));
                    });
            if (membership != null) {
                builder.discovery(membership.seedHosts(), membership.initialMasterNodes());
            }
            if (options.securityEnabled()) {
                if (options.httpTls() != null) {
                    builder.setting("xpack.security.http.ssl.enabled=true")
                            .setting("xpack.security.http.ssl.key=http.key")
                            .setting("xpack.security.http.ssl.certificate=http.crt")
                            // Elasticsearch reads TLS files only from inside its config directory.
                            .configStep((node, config) -> {
                                Files.copy(options.httpTls().serverKey(), config.resolve("http.key"),
                                        StandardCopyOption.REPLACE_EXISTING);
                                Files.copy(options.httpTls().serverCertificate(), config.resolve("http.crt"),
                                        StandardCopyOption.REPLACE_EXISTING);
                            });
                } else {
                    builder.setting("xpack.security.http.ssl.enabled=false");
                }
                builder.setting("xpack.security.transport.ssl.enabled=false")
                        .configStep((node, config) -> node.runTool(List.of(
                                node.home().resolve("bin/elasticsearch-users").toString(), "useradd", options.user(),
                                "-p", options.password(), "-r", "superuser"), Duration.ofMinutes(2)));
            }
            ElasticsearchNode node = new ElasticsearchNode(options, builder.start());
            RUNNING.add(node);
            return node;
        }
    }
}
