package io.logpipe.shipper;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker (of the kind -Dtestkit.broker names) whose SSL listener presents a certificate that expired 59 days ago:
 * {@code bin/shipper test output} says the broker's certificate has expired, at which host and since when, rather
 * than that the brokers cannot be reached.
 */
class ExpiredCertificateTest {
    @TempDir
    Path dir;

    @Test
    void testOutputSaysTheBrokersCertificateHasExpired() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir.resolve("certs"));
        TestCertificates.Issued expired = certs.issue("expired-broker", "ip:127.0.0.1,dns:localhost", true);
        try (KafkaBroker broker = KafkaBroker.with().listener("EXPIRED", "SSL")
                .property("listener.name.expired.ssl.keystore.location", expired.keystore().toString())
                .property("listener.name.expired.ssl.keystore.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.expired.ssl.key.password", TestCertificates.STORE_PASSWORD)
                .start()) {
            Path config = dir.resolve("shipper.yml");
            Files.writeString(config, "filebeat.inputs:\n  - paths: ['" + dir + "/*.log']\npath.data: "
                    + dir.resolve("data") + "\noutput.kafka:\n  hosts: ['" + broker.bootstrapServers("EXPIRED")
                    + "']\n  topic: logs\n  ssl.certificate_authorities: ['" + certs.caCertificate() + "']\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = Shipper.run(new String[] {"test", "output", "-c", config.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
            String text = code + "\n" + out.toString(StandardCharsets.UTF_8);
            assertTrue(text.startsWith("1\n"), text);
            assertTrue(text.contains("ERROR TLS handshake with " + broker.bootstrapServers("EXPIRED") + " failed: the"
                    + " broker's certificate has expired (NotAfter: "), text);
        }
    }
}
