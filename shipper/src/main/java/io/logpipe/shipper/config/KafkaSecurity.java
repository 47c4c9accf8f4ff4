package io.logpipe.shipper.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * {@code output.kafka}'s TLS and SASL settings as Filebeat spells them ({@code username}, {@code password},
 * {@code sasl.mechanism}, {@code ssl.*}). Every PEM file named was found and looked like PEM when the configuration
 * was read; a file that is missing or is not PEM fails at the key that names it ({@code file:line:column}).
 *
 * @param tls TLS towards the brokers ({@code ssl.enabled}, on as soon as any {@code ssl.*} key is set)
 * @param certificateAuthorities PEM files of the CAs the brokers' certificates must be signed by; empty: the JVM's
 * @param certificate the client certificate (PEM) for brokers that require one, or null
 * @param key the client certificate's private key (PKCS#8 PEM), or null
 * @param keyPassphrase the key's passphrase when it is encrypted, or null
 * @param verificationMode full and strict (CA and hostname), certificate (CA only) or none (nothing)
 * @param supportedProtocols TLS versions offered, e.g. TLSv1.2, TLSv1.3
 * @param mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 when {@code username} is set, else null
 */
public record KafkaSecurity(boolean tls, List<Path> certificateAuthorities, Path certificate, Path key,
                            String keyPassphrase, String verificationMode, List<String> supportedProtocols,
                            String mechanism, String username, String password) {

    public static final KafkaSecurity NONE = new KafkaSecurity(false, List.of(), null, null, null, "full",
            List.of("TLSv1.2", "TLSv1.3"), null, null, null);
    private static final Set<String> MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
    private static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    public boolean sasl() {
        return username != null;
    }

    /** kafka-clients' security.protocol. */
    public String protocol() {
        return (sasl() ? "SASL_" : "") + (tls ? "SSL" : "PLAINTEXT");
    }

    /** Reads {@code prefix}username, password, sasl.* and ssl.*; relative files are resolved against {@code base}. */
    static KafkaSecurity read(Section root, String prefix, Path base, Consumer<String> warn) {
        Setting userSetting = root.get(prefix + "username");
        Setting passwordSetting = root.get(prefix + "password");
        Setting mechanismSetting = root.get(prefix + "sasl.mechanism");
        String username = userSetting == null ? null : userSetting.string();
        String password = passwordSetting == null ? null : passwordSetting.string();
        if (username != null && username.isEmpty()) {
            throw userSetting.invalid("must not be empty");
        }
        if (username == null && password != null) {
            throw passwordSetting.invalid("a password needs " + prefix + "username");
        }
        if (username != null && password == null) {
            throw userSetting.invalid("a username needs " + prefix + "password (e.g. password: '${KAFKA_PASSWORD}')");
        }
        String mechanism = null;
        if (mechanismSetting != null) {
            mechanism = mechanismSetting.string().toUpperCase(Locale.ROOT);
            if (!MECHANISMS.contains(mechanism)) {
                throw mechanismSetting.invalid("'" + mechanismSetting.string() + "' is not supported; use PLAIN, "
                        + "SCRAM-SHA-256 or SCRAM-SHA-512");
            }
            if (username == null) {
                throw mechanismSetting.invalid("SASL needs " + prefix + "username and " + prefix + "password");
            }
        } else if (username != null) {
            mechanism = "PLAIN";
        }

        String ssl = prefix + "ssl.";
        boolean anySsl = root.hasGroup(prefix + "ssl");
        boolean tls = root.get(ssl + "enabled", anySsl, Setting::bool);
        List<Path> authorities = new ArrayList<>();
        Setting caSetting = root.get(ssl + "certificate_authorities");
        if (caSetting != null) {
            List<Setting> items = new ArrayList<>();
            if (caSetting.node() instanceof SequenceNode list) {
                list.getValue().forEach(item -> items.add(caSetting.item(item)));
            } else {
                items.add(caSetting);
            }
            for (Setting item : items) {
                authorities.add(pem(item, base, item.string(), "CERTIFICATE"));
            }
        }
        Setting certificateSetting = root.get(ssl + "certificate");
        Setting keySetting = root.get(ssl + "key");
        if ((certificateSetting == null) != (keySetting == null)) {
            Setting given = certificateSetting != null ? certificateSetting : keySetting;
            throw given.invalid("a client certificate needs both " + ssl + "certificate and " + ssl + "key");
        }
        Path certificate = certificateSetting == null ? null
                : pem(certificateSetting, base, certificateSetting.string(), "CERTIFICATE");
        Path key = keySetting == null ? null : pem(keySetting, base, keySetting.string(), "PRIVATE KEY");
        Setting passphraseSetting = root.get(ssl + "key_passphrase");
        String passphrase = passphraseSetting == null ? null : passphraseSetting.string();
        if (key != null) {
            boolean encrypted = read(keySetting, key).contains("-----BEGIN ENCRYPTED PRIVATE KEY-----");
            if (encrypted && (passphrase == null || passphrase.isEmpty())) {
                throw keySetting.invalid(key + " is encrypted: set " + ssl + "key_passphrase");
            }
            if (!encrypted && passphrase != null && !passphrase.isEmpty()) {
                throw passphraseSetting.invalid(key + " is not encrypted: remove " + ssl + "key_passphrase");
            }
        }
        String mode = root.get(ssl + "verification_mode", "full", Setting::string).toLowerCase(Locale.ROOT);
        if (!Set.of("full", "strict", "certificate", "none").contains(mode)) {
            throw root.get(ssl + "verification_mode").invalid("'" + mode + "' is not a verification mode; use full, "
                    + "strict, certificate or none");
        }
        if (mode.equals("none") && tls) {
            warn.accept(root.get(ssl + "verification_mode").where() + ": " + ssl + "verification_mode: none: the "
                    + "brokers' certificates are not checked at all; anyone between here and the brokers can read "
                    + "and change the events. Use it only for a first test");
        }
        Setting protocolsSetting = root.get(ssl + "supported_protocols");
        List<String> protocols = List.of("TLSv1.2", "TLSv1.3");
        if (protocolsSetting != null) {
            protocols = protocolsSetting.strings();
            for (String p : protocols) {
                if (!PROTOCOLS.contains(p)) {
                    throw protocolsSetting.invalid("'" + p + "' is not supported; use TLSv1.2 and/or TLSv1.3");
                }
            }
            if (protocols.isEmpty()) {
                throw protocolsSetting.invalid("needs at least one of TLSv1.2, TLSv1.3");
            }
        }
        if (!tls && (caSetting != null || certificateSetting != null)) {
            Setting given = caSetting != null ? caSetting : certificateSetting;
            warn.accept(given.where() + ": " + given.key() + " is ignored: " + ssl + "enabled is false");
        }
        return new KafkaSecurity(tls, List.copyOf(authorities), certificate, key, passphrase, mode,
                List.copyOf(protocols), mechanism, username, password);
    }

    /** A file that exists, is readable and holds a PEM block of {@code type} (CERTIFICATE, PRIVATE KEY). */
    private static Path pem(Setting setting, Path base, String file, String type) {
        if (file == null || file.isEmpty()) {
            throw setting.invalid("expected the path of a PEM file");
        }
        Path path = Path.of(file);
        if (!path.isAbsolute() && base != null) {
            path = base.resolve(path);
        }
        if (!Files.isRegularFile(path)) {
            throw setting.invalid(path + " does not exist");
        }
        String text = read(setting, path);
        if (type.equals("PRIVATE KEY") && text.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            throw setting.invalid(path + " is a PKCS#1 key; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in "
                    + path + " -out key.pem");
        }
        boolean found = type.equals("PRIVATE KEY")
                ? text.contains("-----BEGIN PRIVATE KEY-----") || text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
                : text.contains("-----BEGIN " + type + "-----");
        if (!found) {
            throw setting.invalid(path + " is not a PEM file with a " + type.toLowerCase(Locale.ROOT) + " (no "
                    + "'-----BEGIN " + type + "-----' line)");
        }
        return path;
    }

    private static String read(Setting setting, Path path) {
        try {
            return new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw setting.invalid("cannot read " + path + ": " + e.getMessage());
        }
    }
}
