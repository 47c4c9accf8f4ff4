package io.logpipe.indexer;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Location;
import io.logpipe.common.tls.ServerKeys;
import io.logpipe.indexer.pipeline.MonitoringApi;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring API's logstash.yml settings, read as Logstash 8 reads them: {@code api.enabled},
 * {@code api.http.host}/{@code api.http.port} (or the older {@code http.host}/{@code http.port}), {@code api.ssl.*}
 * (a PKCS12 or JKS keystore) and {@code api.auth.type: basic} with {@code api.auth.basic.username}/{@code password}.
 * Beyond Logstash, which only advises it, an API bound to an address other than loopback must ask for credentials:
 * its figures name topics, indices and failures, and nothing else stands between it and the network.
 */
record ApiSettings(boolean enabled, String host, int port, MonitoringApi.Protection protection) {
    static final List<String> KEYS = List.of("api.enabled", "api.ssl.enabled", "api.ssl.keystore.path",
            "api.ssl.keystore.password", "api.auth.type", "api.auth.basic.username", "api.auth.basic.password");

    private static final Logger LOG = LoggerFactory.getLogger(ApiSettings.class);

    /** Reads and checks the settings; opens the keystore, so a wrong path or password fails here, naming it. */
    static ApiSettings from(IndexerSettings settings) {
        boolean enabled = bool(settings, "api.enabled", true);
        String hostKey = settings.values.containsKey("http.host") ? "http.host" : "api.http.host";
        String host = settings.string("http.host", settings.string("api.http.host", "127.0.0.1"));
        int port = settings.integer("http.port", settings.integer("api.http.port", 9600, 0), 0);

        KeyManagerFactory keys = null;
        if (bool(settings, "api.ssl.enabled", false)) {
            Path keystore = Path.of(required(settings, "api.ssl.keystore.path", "api.ssl.enabled"));
            String password = required(settings, "api.ssl.keystore.password", "api.ssl.enabled");
            try {
                keys = ServerKeys.keystore(keystore, password);
            } catch (ServerKeys.Unusable e) {
                String key = e.part() == ServerKeys.Part.KEYSTORE_PASSWORD ? "api.ssl.keystore.password"
                        : "api.ssl.keystore.path";
                throw new ConfigException(where(settings, key), "`" + key + "`: " + e.getMessage());
            }
        } else {
            ignored(settings, "api.ssl.", "api.ssl.enabled");
        }

        String type = settings.string("api.auth.type", "none").trim().toLowerCase(Locale.ROOT);
        String username = null;
        String password = null;
        switch (type) {
            case "basic" -> {
                username = required(settings, "api.auth.basic.username", "api.auth.type");
                password = required(settings, "api.auth.basic.password", "api.auth.type");
            }
            case "none" -> ignored(settings, "api.auth.basic.", "api.auth.type");
            default -> throw new ConfigException(where(settings, "api.auth.type"), "`api.auth.type` must be `none` or"
                    + " `basic`, not `" + settings.string("api.auth.type", "") + "`");
        }

        if (enabled && !loopback(host)) {
            if (username == null) {
                throw new ConfigException(where(settings, hostKey), "`" + hostKey + "` " + host + " is not a loopback"
                        + " address, so the monitoring API must ask for credentials: set `api.auth.type: basic` with"
                        + " `api.auth.basic.username` and `api.auth.basic.password` (and `api.ssl.enabled: true` so"
                        + " that they do not cross the network in clear), or bind it to 127.0.0.1");
            }
            if (keys == null) {
                LOG.warn("{}: the monitoring API on {} asks for credentials over plain HTTP: anyone on the network"
                        + " path can read them; set api.ssl.enabled: true with api.ssl.keystore.path",
                        where(settings, hostKey), host);
            }
        }
        return new ApiSettings(enabled, host, port, new MonitoringApi.Protection(keys, username, password));
    }

    /** The URL the API answers on, for the log line. */
    String url(int actualPort) {
        return (protection.keys() == null ? "http" : "https") + "://" + host + ":" + actualPort;
    }

    static boolean loopback(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false; // the listen fails anyway, saying so
        }
    }

    private static boolean bool(IndexerSettings settings, String key, boolean fallback) {
        String text = settings.string(key, null);
        if (text == null) {
            return fallback;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(where(settings, key), "`" + key + "` must be true or false, not `"
                    + text + "`");
        };
    }

    /** As Logstash: "Setting `X` is required when `Y` is `V`". */
    private static String required(IndexerSettings settings, String key, String trigger) {
        String value = settings.string(key, null);
        if (value == null || value.isEmpty()) {
            throw new ConfigException(where(settings, trigger), "setting `" + key + "` is required when `" + trigger
                    + "` is `" + settings.string(trigger, "").trim() + "`");
        }
        return value;
    }

    /** As Logstash: a setting that has no effect is said once, not silently dropped. */
    private static void ignored(IndexerSettings settings, String prefix, String trigger) {
        for (Map.Entry<String, IndexerSettings.Value> entry : settings.values.entrySet()) {
            if (entry.getKey().startsWith(prefix) && !entry.getKey().equals(trigger)) {
                LOG.warn("{}: setting `{}` is ignored because `{}` is `{}`", entry.getValue().location(),
                        entry.getKey(), trigger, settings.string(trigger, trigger.endsWith("type") ? "none" : "false"));
            }
        }
    }

    private static Location where(IndexerSettings settings, String key) {
        IndexerSettings.Value value = settings.values.get(key);
        return value == null ? new Location("indexer.yml", 1, 1) : value.location();
    }
}
