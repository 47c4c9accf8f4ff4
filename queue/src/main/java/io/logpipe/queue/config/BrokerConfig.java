package io.logpipe.queue.config;

import io.logpipe.common.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.logpipe.queue.tls.TlsSettings;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * The broker's settings, read from Apache Kafka's {@code server.properties} dialect. Keys that only make sense for a
 * Kafka cluster are accepted with one warning line each, so an existing Kafka install's file starts as is; a value
 * this broker cannot use fails with {@code file:line}, the key and the reason. Listeners speak PLAINTEXT, SSL, SASL_PLAINTEXT
 * or SASL_SSL; each SSL and SASL_SSL listener gets its {@link TlsSettings} ({@code ssl.*}, overridden per listener by
 * {@code listener.name.<name>.ssl.*}), each SASL one its {@link SaslListener}. A security setting this broker cannot
 * honour fails the start rather than being ignored ({@link SecurityRequest}).
 */
public final class BrokerConfig {
    /**
     * A socket to listen on: Kafka's {@code NAME://host:port} and the security protocol the listener speaks (its
     * name, or its entry in {@code listener.security.protocol.map}); an empty host means every interface.
     */
    public record Endpoint(String listenerName, String host, int port, SecurityProtocol securityProtocol) {
        /** A PLAINTEXT endpoint. */
        public Endpoint(String listenerName, String host, int port) {
            this(listenerName, host, port, SecurityProtocol.PLAINTEXT);
        }

        /** Whether connections to this listener are TLS (SSL and SASL_SSL). */
        public boolean usesTls() {
            return securityProtocol == SecurityProtocol.SSL || securityProtocol == SecurityProtocol.SASL_SSL;
        }

        public String describe() {
            return listenerName + "://" + (host.isEmpty() ? "0.0.0.0" : host) + ":" + port;
        }

        /** The same listener on {@code boundPort}. */
        public Endpoint withPort(int boundPort) {
            return new Endpoint(listenerName, host, boundPort, securityProtocol);
        }
    }

    /** Keys of a Kafka cluster that this single, self-contained broker has no use for. */
    private static final Set<String> CLUSTER_ONLY_PREFIXES = Set.of(
            "zookeeper.", "controller.", "process.roles", "num.network.threads", "num.io.threads",
            "num.recovery.threads.per.data.dir", "num.replica", "offsets.topic.", "transaction.state.log.",
            "replica.", "inter.broker.", "group.initial.rebalance.delay.ms", "socket.send.buffer.bytes",
            "socket.receive.buffer.bytes", "metadata.", "confluent.", "metric.reporters",
            "auto.leader.rebalance.enable", "unclean.leader.election.enable", "min.insync.replicas",
            "delete.topic.enable", "listener.security.protocol.map", "log.cleaner.", "log.cleanup.policy",
            "compression.type", "queued.max.requests", "background.threads", "quota.", "broker.rack", "log.preallocate", "log.message.", "share.", "group.",
            "transactional.id.", "producer.id.expiration.", "log.local.retention.", "remote.log.");

    private final int nodeId;
    private final List<Endpoint> listeners;
    private final Map<String, TlsSettings> tls;
    private final Map<String, Endpoint> advertisedListeners;
    private final List<Path> logDirs;
    private final int numPartitions;
    private final boolean autoCreateTopics;
    private final int messageMaxBytes;
    private final int socketRequestMaxBytes;
    private final int fetchMaxBytes;
    private final long queuedMaxRequestBytes;
    private final long requestMaxEntries;
    private final int fetchSessionCacheSlots;
    private final int logSegmentBytes;
    private final long logRollMs;
    private final int logIndexIntervalBytes;
    private final int logIndexSizeMaxBytes;
    private final long logFlushIntervalMessages;
    private final long logFlushIntervalMs;
    private final long logRetentionMs;
    private final long logRetentionBytes;
    private final long logRetentionCheckIntervalMs;
    private final long logSegmentDeleteDelayMs;
    private final int groupInitialRebalanceDelayMs;
    private final int groupMinSessionTimeoutMs;
    private final int groupMaxSessionTimeoutMs;
    private final long offsetsRetentionMs;
    private final boolean aclsEnabled;
    private final Set<KafkaPrincipal> superUsers;
    private final boolean allowEveryoneIfNoAclFound;
    private final long offsetsRetentionCheckIntervalMs;
    private final int transactionMaxTimeoutMs;
    private final long transactionAbortCheckIntervalMs;
    private final Map<String, SaslListener> saslListeners;
    private final long connectionsMaxReauthMs;
    private final int saslServerMaxReceiveSize;
    private final int connectionFailedAuthenticationDelayMs;
    private final List<String> warnings;
    private final Map<String, String> effective;
    private final Set<String> explicit;

    private BrokerConfig(Reader r) throws ConfigException {
        int brokerId = r.intValue("broker.id", -1, -1, Integer.MAX_VALUE);
        int node = r.intValue("node.id", brokerId, -1, Integer.MAX_VALUE);
        this.nodeId = node < 0 ? 1 : node;
        r.refuseSecurityRequests();
        Map<String, String> protocols = r.protocolMap();
        this.listeners = r.listeners("listeners", "PLAINTEXT://127.0.0.1:9092", protocols);
        if (listeners.isEmpty()) {
            throw r.fail("listeners", "no listener left; add one such as PLAINTEXT://127.0.0.1:9092");
        }
        Map<String, TlsSettings> tlsSettings = new LinkedHashMap<>();
        for (Endpoint listener : listeners) {
            if (listener.usesTls()) {
                tlsSettings.put(listener.listenerName(), r.tlsSettings(listener.listenerName()));
            }
        }
        this.tls = Collections.unmodifiableMap(tlsSettings);
        this.saslListeners = SaslListener.readAll(r, listeners);
        this.connectionsMaxReauthMs = r.longValue("connections.max.reauth.ms", 0, 0, Long.MAX_VALUE);
        this.saslServerMaxReceiveSize = r.intValue("sasl.server.max.receive.size", 524288, 1, Integer.MAX_VALUE);
        this.connectionFailedAuthenticationDelayMs = r.intValue("connection.failed.authentication.delay.ms", 100, 0,
                Integer.MAX_VALUE);
        Map<String, Endpoint> advertised = new LinkedHashMap<>();
        if (r.has("advertised.listeners")) {
            for (Endpoint e : r.listeners("advertised.listeners", null, protocols)) {
                advertised.put(e.listenerName(), e);
            }
        }
        this.advertisedListeners = Collections.unmodifiableMap(advertised);
        String dirs = r.has("log.dirs") ? r.string("log.dirs", null) : r.string("log.dir", "/tmp/kafka-logs");
        List<Path> paths = new ArrayList<>();
        for (String dir : dirs.split(",")) {
            if (!dir.isBlank()) {
                paths.add(Path.of(dir.strip()));
            }
        }
        if (paths.isEmpty()) {
            throw r.fail(r.has("log.dirs") ? "log.dirs" : "log.dir", "names no directory; give one or more comma-separated paths");
        }
        this.logDirs = List.copyOf(paths);
        this.numPartitions = r.intValue("num.partitions", 1, 1, Integer.MAX_VALUE);
        this.autoCreateTopics = r.bool("auto.create.topics.enable", true);
        int replication = r.intValue("default.replication.factor", 1, 1, Short.MAX_VALUE);
        if (replication > 1) {
            r.warn("default.replication.factor", "is " + replication
                    + " but this broker keeps one copy of each partition; topics get replication factor 1");
        }
        this.messageMaxBytes = r.intValue("message.max.bytes", 1048588, 0, Integer.MAX_VALUE);
        this.socketRequestMaxBytes = r.intValue("socket.request.max.bytes", 104857600, 1, Integer.MAX_VALUE);
        this.fetchMaxBytes = r.intValue("fetch.max.bytes", 57671680, 1024, Integer.MAX_VALUE);
        this.queuedMaxRequestBytes = r.longValue("queued.max.request.bytes", -1, -1, Long.MAX_VALUE);
        this.requestMaxEntries = r.longValue("request.max.entries", 200_000, 1, Long.MAX_VALUE);
        this.fetchSessionCacheSlots = r.intValue("max.incremental.fetch.session.cache.slots", 1000, 0, Integer.MAX_VALUE);
        this.logSegmentBytes = r.intValue("log.segment.bytes", 1073741824, 1024, Integer.MAX_VALUE);
        long rollHours = r.longValue("log.roll.hours", 168, 1, Long.MAX_VALUE / 3_600_000L);
        this.logRollMs = r.longValue("log.roll.ms", rollHours * 3_600_000L, 1, Long.MAX_VALUE);
        this.logIndexIntervalBytes = r.intValue("log.index.interval.bytes", 4096, 0, Integer.MAX_VALUE);
        this.logIndexSizeMaxBytes = r.intValue("log.index.size.max.bytes", 10485760, 4096, Integer.MAX_VALUE);
        this.logFlushIntervalMessages = r.longValue("log.flush.interval.messages", Long.MAX_VALUE, 1, Long.MAX_VALUE);
        this.logFlushIntervalMs = r.longValue("log.flush.interval.ms", Long.MAX_VALUE, 0, Long.MAX_VALUE);
        long retentionHours = r.longValue("log.retention.hours", 168, -1, Long.MAX_VALUE / 3_600_000L);
        long retentionMinutes = r.longValue("log.retention.minutes",
                retentionHours < 0 ? -1 : retentionHours * 60, -1, Long.MAX_VALUE / 60_000L);
        this.logRetentionMs = r.longValue("log.retention.ms",
                retentionMinutes < 0 ? -1 : retentionMinutes * 60_000L, -1, Long.MAX_VALUE);
        this.logRetentionBytes = r.longValue("log.retention.bytes", -1, -1, Long.MAX_VALUE);
        this.logRetentionCheckIntervalMs = r.longValue("log.retention.check.interval.ms", 300_000, 1, Long.MAX_VALUE);
        this.logSegmentDeleteDelayMs = r.longValue("log.segment.delete.delay.ms", 60_000, 0, Long.MAX_VALUE);
        this.groupInitialRebalanceDelayMs = r.intValue("group.initial.rebalance.delay.ms", 3000, 0, Integer.MAX_VALUE);
        this.groupMinSessionTimeoutMs = r.intValue("group.min.session.timeout.ms", 6000, 1, Integer.MAX_VALUE);
        this.groupMaxSessionTimeoutMs = r.intValue("group.max.session.timeout.ms", 1800000, groupMinSessionTimeoutMs,
                Integer.MAX_VALUE);
        this.offsetsRetentionMs = 60_000L * r.intValue("offsets.retention.minutes", 10080, 1, Integer.MAX_VALUE);
        this.offsetsRetentionCheckIntervalMs = r.longValue("offsets.retention.check.interval.ms", 600_000, 1,
                Long.MAX_VALUE);
        this.transactionMaxTimeoutMs = r.intValue("transaction.max.timeout.ms", 900_000, 1, Integer.MAX_VALUE);
        this.transactionAbortCheckIntervalMs = r.longValue(
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", 10_000, 1, Long.MAX_VALUE);
        this.aclsEnabled = r.authorizer();
        this.superUsers = r.superUsers(aclsEnabled);
        this.allowEveryoneIfNoAclFound = r.bool("allow.everyone.if.no.acl.found", false);
        if (!aclsEnabled && r.has("allow.everyone.if.no.acl.found")) {
            r.warn("allow.everyone.if.no.acl.found", "has no effect without authorizer.class.name; ignored");
        }
        r.warnAboutUnused();
        this.warnings = List.copyOf(r.warnings);
        this.effective = Collections.unmodifiableMap(r.used);
        this.explicit = Set.copyOf(r.entries.keySet());
    }

    /** Reads {@code file} with {@code overrides} ({@code key=value}, from {@code --override}) applied on top. */
    public static BrokerConfig load(PropertiesFile file, List<String> overrides) throws ConfigException {
        Map<String, PropertiesFile.Entry> entries = new LinkedHashMap<>(file.entries());
        Map<String, String> sources = new HashMap<>();
        for (String key : entries.keySet()) {
            sources.put(key, file.source() + ":" + entries.get(key).line());
        }
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--override " + override + ": expected key=value");
            }
            String key = override.substring(0, eq).strip();
            entries.put(key, new PropertiesFile.Entry(key, override.substring(eq + 1).strip(), 0));
            sources.put(key, "--override " + key);
        }
        return new BrokerConfig(new Reader(entries, sources));
    }

    /** The settings of {@code key=value} pairs alone (tests, and a broker started without a file). */
    public static BrokerConfig of(Map<String, String> settings) throws ConfigException {
        List<String> overrides = new ArrayList<>();
        settings.forEach((k, v) -> overrides.add(k + "=" + v));
        return load(PropertiesFile.parse("(settings)", List.of()), overrides);
    }

    public int nodeId() {
        return nodeId;
    }

    public List<Endpoint> listeners() {
        return listeners;
    }

    /** The address clients are told for {@code listener}; {@code boundPort} replaces a port of 0. */
    public Endpoint advertised(Endpoint listener, int boundPort) {
        Endpoint adv = advertisedListeners.get(listener.listenerName());
        String host = adv != null ? adv.host() : listener.host();
        int port = adv != null && adv.port() != 0 ? adv.port() : boundPort;
        if (host.isEmpty() || host.equals("0.0.0.0")) {
            try {
                host = java.net.InetAddress.getLocalHost().getCanonicalHostName();
            } catch (java.net.UnknownHostException e) {
                host = "localhost";
            }
        }
        return new Endpoint(listener.listenerName(), host, port, listener.securityProtocol());
    }

    /** The TLS keys of {@code listener}, which must {@link Endpoint#usesTls() use TLS}. */
    public TlsSettings tls(Endpoint listener) {
        TlsSettings settings = tls.get(listener.listenerName());
        if (settings == null) {
            throw new IllegalArgumentException("listener " + listener.describe() + " does not use TLS");
        }
        return settings;
    }

    public List<Path> logDirs() {
        return logDirs;
    }

    public int numPartitions() {
        return numPartitions;
    }

    public boolean autoCreateTopics() {
        return autoCreateTopics;
    }

    public int messageMaxBytes() {
        return messageMaxBytes;
    }

    public int socketRequestMaxBytes() {
        return socketRequestMaxBytes;
    }

    /** Most entries (topics, partitions, ...) one request may declare; not a Kafka key (Kafka has no such bound). */
    public long requestMaxEntries() {
        return requestMaxEntries;
    }

    /** Kafka's {@code max.incremental.fetch.session.cache.slots}: fetch sessions kept at once. */
    public int fetchSessionCacheSlots() {
        return fetchSessionCacheSlots;
    }

    /**
     * Kafka's {@code queued.max.request.bytes}: the bytes of requests all connections may hold at once. Kafka's
     * default -1 means no bound there; here it means a quarter of the heap (at least one request).
     */
    public long queuedMaxRequestBytes() {
        return queuedMaxRequestBytes;
    }

    /** Kafka's {@code fetch.max.bytes}: the most record bytes one Fetch response carries, whatever the client asks. */
    public int fetchMaxBytes() {
        return fetchMaxBytes;
    }

    public int logSegmentBytes() {
        return logSegmentBytes;
    }

    public long logRollMs() {
        return logRollMs;
    }

    public int logIndexIntervalBytes() {
        return logIndexIntervalBytes;
    }

    public int logIndexSizeMaxBytes() {
        return logIndexSizeMaxBytes;
    }

    public long logFlushIntervalMessages() {
        return logFlushIntervalMessages;
    }

    public long logFlushIntervalMs() {
        return logFlushIntervalMs;
    }

    /** -1: keep forever. */
    public long logRetentionMs() {
        return logRetentionMs;
    }

    /** -1: no size limit. */
    public long logRetentionBytes() {
        return logRetentionBytes;
    }

    public long logRetentionCheckIntervalMs() {
        return logRetentionCheckIntervalMs;
    }

    /** How long a segment retention removed keeps its files for the fetches still sending from it (Kafka's). */
    public long logSegmentDeleteDelayMs() {
        return logSegmentDeleteDelayMs;
    }

    public int groupInitialRebalanceDelayMs() {
        return groupInitialRebalanceDelayMs;
    }

    public int groupMinSessionTimeoutMs() {
        return groupMinSessionTimeoutMs;
    }

    public int groupMaxSessionTimeoutMs() {
        return groupMaxSessionTimeoutMs;
    }

    public long offsetsRetentionMs() {
        return offsetsRetentionMs;
    }

    /** The longest {@code transaction.timeout.ms} a transactional producer may ask for. */
    public int transactionMaxTimeoutMs() {
        return transactionMaxTimeoutMs;
    }

    /** How often open transactions are checked against their timeout (and aborted past it). */
    public long transactionAbortCheckIntervalMs() {
        return transactionAbortCheckIntervalMs;
    }

    public long offsetsRetentionCheckIntervalMs() {
        return offsetsRetentionCheckIntervalMs;
    }

    /** Whether requests are checked against ACLs ({@code authorizer.class.name} names Kafka's authorizer). */
    public boolean aclsEnabled() {
        return aclsEnabled;
    }

    /** {@code super.users}: principals allowed everything, whatever the ACLs say. */
    public Set<KafkaPrincipal> superUsers() {
        return superUsers;
    }

    /** {@code allow.everyone.if.no.acl.found}: a resource no ACL matches is open to all (Kafka's default: false). */
    public boolean allowEveryoneIfNoAclFound() {
        return allowEveryoneIfNoAclFound;
    }

    /** The SASL settings of listener {@code listenerName}, or null when it does not speak SASL. */
    public SaslListener sasl(String listenerName) {
        return saslListeners.get(listenerName);
    }

    /**
     * Kafka's {@code connections.max.reauth.ms} (KIP-368): how long a SASL authentication holds; a client must
     * re-authenticate on the same connection before then or the connection is closed. 0: for ever.
     */
    public long connectionsMaxReauthMs() {
        return connectionsMaxReauthMs;
    }

    /** Kafka's {@code sasl.server.max.receive.size}: the largest frame a client may send before it authenticated. */
    public int saslServerMaxReceiveSize() {
        return saslServerMaxReceiveSize;
    }

    /** Kafka's {@code connection.failed.authentication.delay.ms}: the first delay before a failure is answered. */
    public int connectionFailedAuthenticationDelayMs() {
        return connectionFailedAuthenticationDelayMs;
    }

    /** One line per key that was ignored or adjusted. */
    public List<String> warnings() {
        return warnings;
    }

    /** The keys set in the file or by --override (the rest are defaults). */
    public Set<String> explicitKeys() {
        return explicit;
    }

    /** The values this broker uses, by Kafka key (for DescribeConfigs), including defaults. */
    public Map<String, String> effectiveValues() {
        return effective;
    }

    private static final List<String> AUTHORIZERS = List.of("org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "kafka.security.authorizer.AclAuthorizer");

    /** Reads typed values, remembering which keys were used and where each came from. */
    static final class Reader {
        private final Map<String, PropertiesFile.Entry> entries;
        private final Map<String, String> sources;
        private final Map<String, String> used = new LinkedHashMap<>();
        private final java.util.Set<String> consumed = new java.util.HashSet<>();
        private final List<String> warnings = new ArrayList<>();

        Reader(Map<String, PropertiesFile.Entry> entries, Map<String, String> sources) {
            this.entries = entries;
            this.sources = sources;
        }

        boolean has(String key) {
            return entries.containsKey(key);
        }

        String string(String key, String defaultValue) {
            consumed.add(key);
            PropertiesFile.Entry entry = entries.get(key);
            String value = entry == null ? defaultValue : entry.value();
            if (value != null) {
                used.put(key, value);
            }
            return value;
        }

        /**
         * A value that holds secrets (a JAAS entry with passwords): read like {@link #string} but kept out of the
         * effective values, which DescribeConfigs shows to any client.
         */
        String secret(String key) {
            consumed.add(key);
            PropertiesFile.Entry entry = entries.get(key);
            return entry == null ? null : entry.value();
        }

        ConfigException fail(String key, String reason) {
            String where = sources.getOrDefault(key, "(default)");
            return new ConfigException(where + ": " + key + ": " + reason);
        }

        void warn(String key, String reason) {
            warnings.add(sources.getOrDefault(key, "(default)") + ": " + key + " " + reason);
        }

        boolean bool(String key, boolean defaultValue) throws ConfigException {
            String value = string(key, Boolean.toString(defaultValue)).toLowerCase(Locale.ROOT);
            if (value.equals("true") || value.equals("false")) {
                return Boolean.parseBoolean(value);
            }
            throw fail(key, "'" + value + "' is not a boolean; use true or false");
        }

        int intValue(String key, int defaultValue, int min, int max) throws ConfigException {
            long value = longValue(key, defaultValue, min, max);
            return (int) value;
        }

        long longValue(String key, long defaultValue, long min, long max) throws ConfigException {
            String text = string(key, Long.toString(defaultValue));
            long value;
            try {
                value = Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
                throw fail(key, "'" + text + "' is not a whole number");
            }
            if (value < min || value > max) {
                throw fail(key, value + " is out of range; it must be between " + min + " and " + max);
            }
            return value;
        }

        Map<String, String> protocolMap() throws ConfigException {
            Map<String, String> map = new HashMap<>();
            for (String name : List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")) {
                map.put(name, name);
            }
            if (has("listener.security.protocol.map")) {
                consumed.add("listener.security.protocol.map");
                for (String pair : entries.get("listener.security.protocol.map").value().split(",")) {
                    String[] kv = pair.strip().split(":");
                    if (kv.length != 2) {
                        throw fail("listener.security.protocol.map", "'" + pair.strip() + "' is not NAME:PROTOCOL");
                    }
                    map.put(kv[0].strip().toUpperCase(Locale.ROOT), kv[1].strip().toUpperCase(Locale.ROOT));
                }
            }
            return map;
        }

        /**
         * {@code authorizer.class.name}: Kafka's two ACL authorizers (KRaft's and the ZooKeeper-era one, same ACL
         * model) turn ACLs on; blank is unset, as in Kafka; any other class would be a plug-in this broker cannot
         * load, so it fails the start rather than leave the broker open.
         */
        boolean authorizer() throws ConfigException {
            String name = string("authorizer.class.name", "").strip();
            if (name.isEmpty()) {
                return false;
            }
            if (!AUTHORIZERS.contains(name)) {
                throw fail("authorizer.class.name", "'" + name + "' cannot be loaded here: this broker implements "
                        + "Kafka's ACL authorizer only; use " + String.join(" or ", AUTHORIZERS));
            }
            return true;
        }

        /** {@code super.users}: {@code User:name} entries separated by semicolons, as in Kafka. */
        Set<KafkaPrincipal> superUsers(boolean aclsEnabled) throws ConfigException {
            if (!has("super.users")) {
                return Set.of();
            }
            String value = string("super.users", "");
            if (!aclsEnabled) {
                if (!value.isBlank()) {
                    warn("super.users", "has no effect without authorizer.class.name; ignored");
                }
                return Set.of();
            }
            Set<KafkaPrincipal> users = new java.util.LinkedHashSet<>();
            for (String item : value.split(";")) {
                String text = item.strip();
                if (text.isEmpty()) {
                    continue;
                }
                int colon = text.indexOf(':');
                if (colon <= 0 || colon == text.length() - 1) {
                    throw fail("super.users", "'" + text + "' is not TYPE:name (e.g. User:admin); separate entries "
                            + "with ';'");
                }
                users.add(new KafkaPrincipal(text.substring(0, colon), text.substring(colon + 1)));
            }
            return Set.copyOf(users);
        }

        /** Fails on the first key, in file order, that asks for security this broker does not have. */
        void refuseSecurityRequests() throws ConfigException {
            for (PropertiesFile.Entry entry : entries.values()) {
                String feature = SecurityRequest.requested(entry.key(), entry.value());
                if (feature != null) {
                    throw fail(entry.key(), SecurityRequest.refusal(entry.key(), feature));
                }
            }
        }

        /**
         * The endpoints of a listener list: PLAINTEXT and SASL_PLAINTEXT; controller listeners are skipped with a
         * warning, the others fail.
         */
        List<Endpoint> listeners(String key, String defaultValue, Map<String, String> protocols) throws ConfigException {
            String value = string(key, defaultValue);
            Set<String> controllerNames = new java.util.HashSet<>();
            if (has("controller.listener.names")) {
                consumed.add("controller.listener.names");
                for (String name : entries.get("controller.listener.names").value().split(",")) {
                    controllerNames.add(name.strip().toUpperCase(Locale.ROOT));
                }
            }
            List<Endpoint> result = new ArrayList<>();
            for (String item : value.split(",")) {
                String text = item.strip();
                if (text.isEmpty()) {
                    continue;
                }
                int sep = text.indexOf("://");
                int colon = text.lastIndexOf(':');
                if (sep <= 0 || colon <= sep + 2) {
                    throw fail(key, "'" + text + "' is not NAME://host:port (e.g. PLAINTEXT://127.0.0.1:9092)");
                }
                String name = text.substring(0, sep).toUpperCase(Locale.ROOT);
                String host = text.substring(sep + 3, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port;
                try {
                    port = Integer.parseInt(text.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw fail(key, "'" + text + "' has no numeric port");
                }
                if (port < 0 || port > 65535) {
                    throw fail(key, "port " + port + " in '" + text + "' is out of range 0-65535");
                }
                if (controllerNames.contains(name)) {
                    warn(key, "entry " + text + " is a KRaft controller listener; this broker needs no controller, ignored");
                    continue;
                }
                String protocol = protocols.get(name);
                if (protocol == null) {
                    throw fail(key, "listener name " + name + " has no entry in listener.security.protocol.map");
                }
                String through = protocol.equals(name) ? "" : " (through listener.security.protocol.map)";
                SecurityProtocol securityProtocol;
                try {
                    securityProtocol = SecurityProtocol.forName(protocol);
                } catch (IllegalArgumentException e) {
                    throw fail(key, "entry " + text + " uses " + protocol + through + ", which is no security protocol;"
                            + " use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
                }
                result.add(new Endpoint(name, host, port, securityProtocol));
            }
            return result;
        }

        /**
         * The {@link TlsSettings#KEYS} of listener {@code name}: {@code listener.name.<name>.ssl.*} over
         * {@code ssl.*}, as Kafka resolves a listener's keys. Blank values count as unset.
         */
        TlsSettings tlsSettings(String name) throws ConfigException {
            Map<String, TlsSettings.Value> values = new HashMap<>();
            String prefix = "listener.name." + name.toLowerCase(Locale.ROOT) + ".";
            for (String key : TlsSettings.KEYS) {
                for (String candidate : List.of(prefix + key, key)) {
                    PropertiesFile.Entry entry = entries.get(candidate);
                    if (entry != null) {
                        consumed.add(candidate);
                    }
                    if (entry != null && !entry.value().isBlank()) {
                        used.put(candidate, key.contains("password") || key.equals("ssl.keystore.key")
                                ? "[hidden]" : entry.value());
                        values.putIfAbsent(key, new TlsSettings.Value(entry.value().strip(), candidate,
                                sources.getOrDefault(candidate, "(default)")));
                    }
                }
            }
            String engine = prefix + "ssl.engine.factory.class";
            for (String candidate : List.of(engine, "ssl.engine.factory.class")) {
                if (has(candidate) && !entries.get(candidate).value().isBlank()) {
                    throw fail(candidate, "a custom SSL engine factory cannot run in this broker; remove it (the"
                            + " ssl.keystore.*/ssl.truststore.* keys configure TLS)");
                }
            }
            return new TlsSettings(name, values);
        }

        void warnAboutUnused() {
            for (String key : entries.keySet()) {
                if (consumed.contains(key)) {
                    continue;
                }
                String tlsKey = key.startsWith("listener.name.") && key.indexOf(".ssl.") > 0
                        ? key.substring(key.indexOf(".ssl.") + 1) : key;
                if (TlsSettings.KEYS.contains(tlsKey)) {
                    warn(key, key.equals(tlsKey)
                            ? "applies to SSL listeners and this broker has none; ignored"
                            : "names a listener that is not an SSL listener of this broker; ignored");
                    continue;
                }
                if (tlsKey.startsWith("ssl.")) {
                    warn(key, "is not used by this broker's SSL listeners (a client or inter-broker setting, or a"
                            + " JVM default this broker keeps); ignored");
                    continue;
                }
                if (SecurityRequest.isSaslKey(key)) {
                    warn(key, "has no effect: no SASL listener uses it; ignored");
                    continue;
                }
                if (SecurityRequest.isHarmlessSecurityKey(key)) {
                    warn(key, "has no effect on this single-node broker; ignored");
                    continue;
                }
                boolean clusterOnly = CLUSTER_ONLY_PREFIXES.stream().anyMatch(key::startsWith);
                warn(key, clusterOnly
                        ? "applies to a Kafka cluster, not to this single-node broker; ignored"
                        : "is not a setting of this broker; ignored");
            }
        }
    }
}
