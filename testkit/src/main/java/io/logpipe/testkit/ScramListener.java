package io.logpipe.testkit;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/** A SASL_SSL listener with SCRAM-SHA-512 logins (the layout issue 15 asks for), and its users. */
public final class ScramListener {
    private ScramListener() {
    }

    /** Adds listener {@code name} (SASL_SSL, SCRAM-SHA-512) presenting {@code certs}' server certificate. */
    public static KafkaBroker.Options add(KafkaBroker.Options options, String name, TestCertificates certs) {
        String prefix = "listener.name." + name.toLowerCase(Locale.ROOT) + ".";
        return options.listener(name, "SASL_SSL")
                .property(prefix + "ssl.keystore.location", certs.serverKeystore().toString())
                .property(prefix + "ssl.keystore.password", TestCertificates.STORE_PASSWORD)
                .property(prefix + "ssl.key.password", TestCertificates.STORE_PASSWORD)
                .property("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .property(prefix + "scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    }

    /** Creates (or changes) a SCRAM-SHA-512 user through the PLAINTEXT listener; returns once the broker knows it. */
    public static void addUser(KafkaBroker broker, String user, String password) {
        try (Admin admin = broker.admin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get();
            Wait.until("SCRAM user " + user + " is known", () -> !admin.describeUserScramCredentials(List.of(user))
                    .all().get().isEmpty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while adding SCRAM user " + user, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not add SCRAM user " + user, e.getCause());
        }
    }
}
