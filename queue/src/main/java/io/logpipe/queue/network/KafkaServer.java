package io.logpipe.queue.network;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.common.config.ConfigException;
import io.logpipe.queue.group.CommittedOffset;
import io.logpipe.queue.group.GroupCoordinator;
import io.logpipe.queue.config.SaslListener;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.tls.HandshakeFailure;
import io.logpipe.queue.txn.GroupOffsets;
import io.logpipe.queue.txn.TransactionCoordinator;
import io.logpipe.queue.tls.ServerTls;
import io.logpipe.queue.security.AclStore;
import io.logpipe.queue.security.Authorizer;
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
import io.vertx.core.net.NetSocket;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka-protocol listener on Vert.x: one server socket shared by an acceptor verticle per event loop, so
 * connections spread over the cores. Produce appends and fetch reads run on the connection's event loop: both are
 * page-cache operations that do not block for long. Each listener has its own {@link KafkaApis} over the same
 * handlers, so Metadata and FindCoordinator answer with the address of the listener the client came in on.
 *
 * <p>A TLS listener (SSL, SASL_SSL) accepts TCP and upgrades each connection with its {@link ServerTls} before the
 * first Kafka frame: a failed handshake (a PLAINTEXT client, an untrusted or missing client certificate, no common
 * protocol) is then one log line with the client's address and the reason, and the connection is closed; the
 * {@link Connection} exists only once the handshake succeeded, carrying the client certificate's principal.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaServer.class);
    private static final long CERTIFICATE_CHECK_SECONDS = 5;

    private final BrokerConfig config;
    private final LogManager logs;
    private final Vertx vertx;
    private final List<BrokerConfig.Endpoint> bound = new ArrayList<>();
    private final RequestMemoryPool requestMemory;
    private final FetchSessionCache fetchSessions;
    /** Null without {@code authorizer.class.name}. */
    private Authorizer authorizer;
    private volatile ScramCredentialStore scram;
    private volatile GroupCoordinator groups;
    private volatile TransactionCoordinator transactions;
    /** Checks the certificate files of TLS listeners for replacements; started only when a listener uses TLS. */
    private ScheduledExecutorService certificateWatch;
    /** The file states that failed to load, per current material, so a broken file is logged once. */
    private final Map<ServerTls, Map<Path, String>> failedFiles =
            new ConcurrentHashMap<>();

    public KafkaServer(BrokerConfig config, LogManager logs) {
        this.config = config;
        this.logs = logs;
        this.requestMemory = RequestMemoryPool.of(config.queuedMaxRequestBytes(), config.socketRequestMaxBytes());
        this.fetchSessions = FetchSessionCache.of(config.fetchSessionCacheSlots());
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        // Appends run on the event loops, their fsyncs on the log manager's maintenance thread (PartitionLog), so
        // Vert.x's default blocked-thread warning holds: an event loop held for 2 s is a fault worth a stack trace.
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setWorkerPoolSize(2));
    }

    /** Binds every listener; returns the bound endpoints (a port of 0 replaced by the real one). */
    public List<BrokerConfig.Endpoint> start() throws Exception {
        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        Map<String, AtomicReference<ServerTls>> tls = new HashMap<>();
        for (BrokerConfig.Endpoint listener : config.listeners()) {
            if (listener.usesTls()) {
                ServerTls loaded = ServerTls.load(config.tls(listener), Instant.now());
                loaded.warnings().forEach(LOG::warn);
                tls.put(listener.listenerName(), new AtomicReference<>(loaded));
            }
        }
        if (!tls.isEmpty()) {
            certificateWatch = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "certificate-watch");
                thread.setDaemon(true);
                return thread;
            });
            certificateWatch.scheduleWithFixedDelay(io.logpipe.queue.util.Supervised.task("certificate reload",
                    () -> tls.values().forEach(this::reloadIfChanged)), CERTIFICATE_CHECK_SECONDS,
                    CERTIFICATE_CHECK_SECONDS, TimeUnit.SECONDS);
        }
        scram = ScramCredentialStore.open(config.logDirs().get(0));
        AuthenticationThrottle throttle = new AuthenticationThrottle(config.connectionFailedAuthenticationDelayMs(),
                Time.SYSTEM);
        Handlers handlers = buildHandlers();
        for (BrokerConfig.Endpoint listener : config.listeners()) {
            int port = listener.port() != 0 ? listener.port() : freePort(listener.host());
            BrokerConfig.Endpoint advertised = config.advertised(listener, port);
            KafkaApis apis = buildApis(handlers, new BrokerEndpoint(config.nodeId(), advertised.host(), advertised.port()));
            SaslListener sasl = config.sasl(listener.listenerName());
            SaslMechanisms mechanisms = sasl == null ? null
                    : new SaslMechanisms(sasl, scram, config.connectionsMaxReauthMs(), throttle, Time.SYSTEM);
            try {
                deploy(listener, port, loops, apis, tls.get(listener.listenerName()), mechanisms);
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
     * Reads a TLS listener's keystore and truststore again once one of their files changed (size or modification
     * time), so renewed certificates take effect without a restart: connections accepted from then on use them,
     * open ones keep theirs. Material that cannot be used (a half-copied file, a wrong password) is logged once
     * and the previous certificates stay.
     */
    private void reloadIfChanged(AtomicReference<ServerTls> current) {
        ServerTls tls = current.get();
        Map<Path, String> now = tls.filesNow();
        if (now.equals(tls.files()) || now.equals(failedFiles.get(tls))) {
            return;
        }
        String listener = tls.settings().listenerName();
        try {
            ServerTls reloaded = ServerTls.load(tls.settings(), Instant.now());
            reloaded.warnings().forEach(LOG::warn);
            current.set(reloaded);
            failedFiles.remove(tls);
            LOG.info("listener {}: certificates reloaded from {}; new connections use them", listener,
                    reloaded.files().keySet());
        } catch (ConfigException e) {
            failedFiles.put(tls, now);
            LOG.warn("listener {}: {} changed but cannot be used ({}); connections keep the previous certificates",
                    listener, now.keySet(), e.getMessage());
        }
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

    /** The handlers every listener shares; only Metadata and FindCoordinator depend on the listener. */
    private record Handlers(ProduceHandler produce, FetchHandler fetch, ListOffsetsHandler listOffsets,
            AdminHandler admin, InitProducerIdHandler producerIds) {
    }

    private Handlers buildHandlers() throws java.io.IOException {
        // One authorizer (one ACL store on disk) for every listener's APIs.
        if (config.aclsEnabled()) {
            authorizer = new Authorizer(AclStore.open(config.logDirs().get(0)), config.superUsers(),
                    config.allowEveryoneIfNoAclFound());
            LOG.info("ACLs on: {} bindings in {}, super.users {}, allow.everyone.if.no.acl.found={}",
                    authorizer.store().all().size(), config.logDirs().get(0).resolve(AclStore.FILE_NAME),
                    config.superUsers(), config.allowEveryoneIfNoAclFound());
        }
        groups = GroupCoordinator.open(config, logs);
        transactions = TransactionCoordinator.open(config.logDirs().get(0), logs, groupOffsets(groups),
                config.transactionMaxTimeoutMs(), config.transactionAbortCheckIntervalMs(), System::currentTimeMillis);
        return new Handlers(new ProduceHandler(logs, config.messageMaxBytes()),
                new FetchHandler(logs, config.fetchMaxBytes(), fetchSessions), new ListOffsetsHandler(logs),
                new AdminHandler(config, logs, config.nodeId()), new InitProducerIdHandler(logs.producerIds()));
    }

    /** The group coordinator as the transaction coordinator sees it (the group package does not know transactions). */
    private static GroupOffsets groupOffsets(GroupCoordinator groups) {
        return new GroupOffsets() {
            @Override
            public Errors validate(String groupId, String memberId, String groupInstanceId, int generationId) {
                return groups.validateTransactionalCommit(groupId, memberId, groupInstanceId, generationId);
            }

            @Override
            public void pending(String transactionalId, String groupId, Collection<TopicPartition> partitions) {
                groups.transactionalOffsetsPending(transactionalId, groupId, partitions);
            }

            @Override
            public void commit(String groupId, Map<TopicPartition, CommittedOffset> offsets)
                    throws java.io.IOException {
                groups.commitTransactionalOffsets(groupId, offsets);
            }

            @Override
            public void ended(String transactionalId) {
                groups.transactionEnded(transactionalId);
            }
        };
    }

    private KafkaApis buildApis(Handlers h, BrokerEndpoint self) {
        KafkaApis api = new KafkaApis(config.requestMaxEntries());
        api.onConnectionClosed(fetchSessions::connectionClosed);
        MetadataHandler metadata = new MetadataHandler(config, logs, self);
        ProduceHandler produce = h.produce();
        FetchHandler fetch = h.fetch();
        ListOffsetsHandler listOffsets = h.listOffsets();
        AdminHandler admin = h.admin();
        InitProducerIdHandler producerIds = h.producerIds();
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
        ProducerStateApis producerState = new ProducerStateApis(logs);
        api.register(ApiKeys.DESCRIBE_PRODUCERS, producerState::describeProducers);
        api.register(ApiKeys.WRITE_TXN_MARKERS, producerState::writeTxnMarkers);
        groups.registerWith(api, self);
        new ScramCredentialApis(scram).registerWith(api);
        transactions.registerWith(api, self);
        AclHandler acls = new AclHandler(authorizer);
        api.register(ApiKeys.CREATE_ACLS, acls::createAcls);
        api.register(ApiKeys.DESCRIBE_ACLS, acls::describeAcls);
        api.register(ApiKeys.DELETE_ACLS, acls::deleteAcls);
        if (authorizer != null) {
            RequestAuthorization.install(api, authorizer, logs, config);
        }
        return api;
    }

    private int deploy(BrokerConfig.Endpoint listener, int port, int instances, KafkaApis apis,
            AtomicReference<ServerTls> tls, SaslMechanisms sasl) throws Exception {
        Promise<Integer> actualPort = Promise.promise();
        NetServerOptions options = new NetServerOptions()
                .setHost(listener.host().isEmpty() ? "0.0.0.0" : listener.host())
                .setPort(port)
                .setTcpNoDelay(true)
                .setReuseAddress(true)
                .setIdleTimeout(600)
                .setIdleTimeoutUnit(TimeUnit.SECONDS);
        Future<String> deployed = vertx.deployVerticle(() -> new Acceptor(listener, options, apis, tls, sasl, actualPort),
                new DeploymentOptions().setInstances(instances));
        deployed.await(30, TimeUnit.SECONDS);
        return actualPort.future().await(5, TimeUnit.SECONDS);
    }

    /** One event loop's share of a listener. */
    private final class Acceptor extends VerticleBase {
        private final BrokerConfig.Endpoint listener;
        private final NetServerOptions options;
        private final KafkaApis apis;
        /** Null for a listener without TLS; replaced when its certificate files change. */
        private final AtomicReference<ServerTls> tls;
        private final Promise<Integer> actualPort;
        /** Null for a listener without SASL. */
        private final SaslMechanisms sasl;

        Acceptor(BrokerConfig.Endpoint listener, NetServerOptions options, KafkaApis apis,
                AtomicReference<ServerTls> tls, SaslMechanisms sasl, Promise<Integer> actualPort) {
            this.listener = listener;
            this.options = options;
            this.apis = apis;
            this.tls = tls;
            this.actualPort = actualPort;
            this.sasl = sasl;
        }

        @Override
        public Future<?> start() {
            NetServer server = vertx.createNetServer(options);
            server.connectHandler(socket -> {
                if (this.tls == null) {
                    accept(socket);
                    return;
                }
                ServerTls tls = this.tls.get();
                socket.upgradeToSsl(tls.options()).onComplete(handshake -> {
                    if (handshake.failed()) {
                        LOG.warn("connection from {} to listener {}: TLS handshake failed: {}; closed",
                                socket.remoteAddress(), listener.describe(),
                                HandshakeFailure.describe(handshake.cause(), tls.settings()));
                        socket.close();
                        return;
                    }
                    Connection connection = accept(socket);
                    try {
                        KafkaPrincipal principal =
                                tls.principal(socket.sslSession());
                        connection.authenticated(principal);
                        if (!principal.equals(KafkaPrincipal.ANONYMOUS)) {
                            LOG.info("connection from {} to listener {}: client certificate accepted, principal {}",
                                    socket.remoteAddress(), listener.describe(), principal);
                        }
                    } catch (java.io.IOException e) {
                        connection.closeWithError("its certificate's subject does not map to a principal through"
                                + " ssl.principal.mapping.rules: " + e.getMessage());
                    }
                });
            });
            return server.listen().onSuccess(s -> actualPort.tryComplete(s.actualPort()));
        }

        private Connection accept(NetSocket socket) {
            return new Connection(socket, vertx.getOrCreateContext(), apis, config.socketRequestMaxBytes(),
                    requestMemory, sasl, config.saslServerMaxReceiveSize());
        }
    }

    /** The incremental fetch sessions (KIP-227) the broker keeps. */
    public FetchSessionCache fetchSessions() {
        return fetchSessions;
    }

    @Override
    public void close() throws Exception {
        if (certificateWatch != null) {
            certificateWatch.shutdownNow();
        }
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("network shutdown: {}", e.toString());
        }
        if (transactions != null) {
            transactions.close();
        }
        if (groups != null) {
            groups.close();
        }
        if (scram != null) {
            scram.close();
        }
    }
}
