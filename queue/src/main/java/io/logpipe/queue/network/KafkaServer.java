package io.logpipe.queue.network;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.queue.group.GroupCoordinator;
import io.logpipe.queue.config.SaslListener;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.security.AuthenticationThrottle;
import io.logpipe.queue.security.SaslMechanisms;
import io.logpipe.queue.security.ScramCredentialApis;
import io.logpipe.queue.security.ScramCredentialStore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka-protocol listener on Vert.x: one server socket shared by an acceptor verticle per event loop, so
 * connections spread over the cores. Produce appends and fetch reads run on the connection's event loop: both are
 * page-cache operations that do not block for long.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaServer.class);

    private final BrokerConfig config;
    private final LogManager logs;
    private final Vertx vertx;
    private final List<BrokerConfig.Endpoint> bound = new ArrayList<>();
    private final RequestMemoryPool requestMemory;
    private volatile GroupCoordinator groups;
    private volatile ScramCredentialStore scram;

    public KafkaServer(BrokerConfig config, LogManager logs) {
        this.config = config;
        this.logs = logs;
        this.requestMemory = RequestMemoryPool.of(config.queuedMaxRequestBytes(), config.socketRequestMaxBytes());
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        // Appends and fsyncs (log.flush.interval.*) run on the event loops on purpose: warn only when one takes
        // seconds, not at Vert.x's default of 2 s, which a loaded machine reaches during start-up alone.
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setWorkerPoolSize(2)
                .setMaxEventLoopExecuteTime(10).setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS)
                .setWarningExceptionTime(10).setWarningExceptionTimeUnit(TimeUnit.SECONDS));
    }

    /** Binds every listener; returns the bound endpoints (a port of 0 replaced by the real one). */
    public List<BrokerConfig.Endpoint> start() throws Exception {
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        scram = ScramCredentialStore.open(config.logDirs().get(0));
        AuthenticationThrottle throttle = new AuthenticationThrottle(config.connectionFailedAuthenticationDelayMs(),
                Time.SYSTEM);
        for (BrokerConfig.Endpoint listener : config.listeners()) {
            int port = listener.port() != 0 ? listener.port() : freePort(listener.host());
            BrokerConfig.Endpoint advertised = config.advertised(listener, port);
            BrokerEndpoint self = new BrokerEndpoint(config.nodeId(), advertised.host(), advertised.port());
            KafkaApis listenerApis = buildApis(self);
            SaslListener sasl = config.sasl(listener.listenerName());
            SaslMechanisms mechanisms = sasl == null ? null
                    : new SaslMechanisms(sasl, scram, config.connectionsMaxReauthMs(), throttle, Time.SYSTEM);
            try {
                deploy(listener, port, loops, listenerApis, mechanisms);
            } catch (Exception e) {
                BrokerConfig.Endpoint wanted = listener.withPort(port);
                throw new java.io.IOException("listener " + wanted.describe() + " (from listeners) cannot bind port "
                        + port + ": " + e.getMessage() + (e instanceof java.net.BindException
                        || String.valueOf(e.getMessage()).contains("in use") ? "; is another broker running?" : ""), e);
            }
            bound.add(listener.withPort(port));
        }
        return List.copyOf(bound);
    }

    /**
     * A port the kernel just handed out for {@code host}: the acceptors of all event loops must share one fixed
     * port, and Vert.x only shares a server between verticles that ask for the same port.
     */
    private static int freePort(String host) throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, 0));
            return socket.getLocalPort();
        }
    }

    /**
     * The APIs as the clients of one listener see them: Metadata, DescribeCluster and FindCoordinator name this
     * broker by that listener's advertised address, so a client stays on the listener (and security protocol) it
     * came in through. The logs, the group coordinator and the SCRAM credentials are shared by all listeners.
     */
    private KafkaApis buildApis(BrokerEndpoint self) throws java.io.IOException {
        KafkaApis api = new KafkaApis();
        MetadataHandler metadata = new MetadataHandler(config, logs, self);
        ProduceHandler produce = new ProduceHandler(logs, config.messageMaxBytes());
        FetchHandler fetch = new FetchHandler(logs, config.fetchMaxBytes());
        ListOffsetsHandler listOffsets = new ListOffsetsHandler(logs);
        AdminHandler admin = new AdminHandler(config, logs, config.nodeId());
        InitProducerIdHandler producerIds = new InitProducerIdHandler(logs.producerIds());
        api.register(ApiKeys.METADATA, metadata::metadata);
        api.register(ApiKeys.DESCRIBE_CLUSTER, metadata::describeCluster);
        api.register(ApiKeys.PRODUCE, produce::handle);
        api.register(ApiKeys.FETCH, fetch::handle);
        api.register(ApiKeys.LIST_OFFSETS, listOffsets::handle);
        api.register(ApiKeys.INIT_PRODUCER_ID, producerIds::handle);
        api.register(ApiKeys.CREATE_TOPICS, admin::createTopics);
        api.register(ApiKeys.DELETE_TOPICS, admin::deleteTopics);
        api.register(ApiKeys.CREATE_PARTITIONS, admin::createPartitions);
        api.register(ApiKeys.DESCRIBE_CONFIGS, admin::describeConfigs);
        api.register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, admin::incrementalAlterConfigs);
        api.register(ApiKeys.ALTER_CONFIGS, admin::alterConfigs);
        if (groups == null) {
            groups = GroupCoordinator.open(config, logs);
        }
        groups.registerWith(api, self);
        new ScramCredentialApis(scram).registerWith(api);
        api.intercept(ApiKeys.FIND_COORDINATOR, TransactionRefusal::findCoordinator);
        return api;
    }

    private int deploy(BrokerConfig.Endpoint listener, int port, int instances, KafkaApis listenerApis,
                       SaslMechanisms sasl) throws Exception {
        Promise<Integer> actualPort = Promise.promise();
        NetServerOptions options = new NetServerOptions()
                .setHost(listener.host().isEmpty() ? "0.0.0.0" : listener.host())
                .setPort(port)
                .setTcpNoDelay(true)
                .setReuseAddress(true)
                .setIdleTimeout(600)
                .setIdleTimeoutUnit(TimeUnit.SECONDS);
        Future<String> deployed = vertx.deployVerticle(() -> new Acceptor(options, actualPort, listenerApis, sasl),
                new DeploymentOptions().setInstances(instances));
        deployed.await(30, TimeUnit.SECONDS);
        return actualPort.future().await(5, TimeUnit.SECONDS);
    }

    /** One event loop's share of a listener. */
    private final class Acceptor extends VerticleBase {
        private final NetServerOptions options;
        private final Promise<Integer> actualPort;
        private final KafkaApis apis;
        private final SaslMechanisms sasl;

        Acceptor(NetServerOptions options, Promise<Integer> actualPort, KafkaApis apis, SaslMechanisms sasl) {
            this.options = options;
            this.actualPort = actualPort;
            this.apis = apis;
            this.sasl = sasl;
        }

        @Override
        public Future<?> start() {
            NetServer server = vertx.createNetServer(options);
            server.connectHandler(socket -> new Connection(socket, vertx.getOrCreateContext(), apis,
                    config.socketRequestMaxBytes(), requestMemory, sasl, config.saslServerMaxReceiveSize()));
            return server.listen().onSuccess(s -> actualPort.tryComplete(s.actualPort()));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("network shutdown: {}", e.toString());
        }
        if (groups != null) {
            groups.close();
        }
        if (scram != null) {
            scram.close();
        }
    }
}
