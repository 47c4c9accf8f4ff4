package io.logpipe.common.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.Variables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretStoreTest {
    private static final KeystorePassword NONE = KeystorePassword.from("TEST_KEYSTORE_PASS", name -> null);
    private static final KeystorePassword RIGHT = KeystorePassword.from("TEST_KEYSTORE_PASS", name -> "correct horse");
    private static final KeystorePassword WRONG = KeystorePassword.from("TEST_KEYSTORE_PASS", name -> "battery staple");

    @TempDir
    Path dir;

    @Test
    void valuesSurviveAWriteAndAReadAndNeitherNamesNorValuesAreInTheFile() throws Exception {
        Path file = dir.resolve("sub/test.keystore");
        SecretStore store = SecretStore.create(file, RIGHT);
        store.put("KAFKA_PASSWORD", "s3cret wörd\nwith a newline");
        store.put("ES_PWD", "=");
        store.save();

        SecretStore read = SecretStore.open(file, RIGHT);
        assertEquals(Set.of("ES_PWD", "KAFKA_PASSWORD"), read.names());
        assertEquals("s3cret wörd\nwith a newline", read.get("KAFKA_PASSWORD"));
        assertEquals("=", read.get("ES_PWD"));
        assertTrue(read.passwordProtected());
        String text = Files.readString(file);
        assertFalse(text.contains("KAFKA_PASSWORD") || text.contains("s3cret"), text);
        assertEquals(6, text.split("\n").length);
        assertTrue(text.startsWith("logpipe-keystore 1\nkdf PBKDF2WithHmacSHA256 100000 "), text);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse(Files.exists(dir.resolve("sub/test.keystore.tmp")));

        assertTrue(read.remove("ES_PWD"));
        assertFalse(read.remove("ES_PWD"));
        read.save();
        assertEquals(Set.of("KAFKA_PASSWORD"), SecretStore.open(file, RIGHT).names());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void aKeystoreWithoutPasswordOpensWithoutOne() throws Exception {
        Path file = dir.resolve("plain.keystore");
        SecretStore store = SecretStore.create(file, NONE);
        store.put("A", "1");
        store.save();
        assertTrue(Files.readString(file).contains("\npassword no\n"));
        assertEquals("1", SecretStore.open(file, NONE).get("A"));
    }

    @Test
    void aWrongOrMissingPasswordIsNamedWithTheFileAndTheVariable() throws Exception {
        Path file = dir.resolve("locked.keystore");
        SecretStore.create(file, RIGHT).save();
        SecretStore.Unreadable wrong = assertThrows(SecretStore.Unreadable.class, () -> SecretStore.open(file, WRONG));
        assertEquals(SecretStore.Unreadable.Reason.WRONG_PASSWORD, wrong.reason());
        assertEquals(file + ": wrong keystore password (from TEST_KEYSTORE_PASS): the keystore cannot be decrypted"
                + " with it", wrong.getMessage());
        SecretStore.Unreadable missing = assertThrows(SecretStore.Unreadable.class, () -> SecretStore.open(file, NONE));
        assertEquals(file + ": the keystore is protected by a password; set TEST_KEYSTORE_PASS to it",
                missing.getMessage());

        Path plain = dir.resolve("plain.keystore");
        SecretStore.create(plain, NONE).save();
        SecretStore.Unreadable unused = assertThrows(SecretStore.Unreadable.class, () -> SecretStore.open(plain, RIGHT));
        assertEquals(SecretStore.Unreadable.Reason.PASSWORD_NOT_USED, unused.reason());
        assertTrue(unused.getMessage().startsWith(plain + ": the keystore was created without a password, but"
                + " TEST_KEYSTORE_PASS is set"), unused.getMessage());
    }

    @Test
    void aDamagedFileIsCorruptNotAWrongPassword() throws Exception {
        Path file = dir.resolve("damaged.keystore");
        SecretStore store = SecretStore.create(file, RIGHT);
        store.put("K", "value");
        store.save();
        List<String> lines = Files.readAllLines(file);
        String data = lines.get(4);
        char flipped = data.charAt(10) == 'A' ? 'B' : 'A';
        lines.set(4, data.substring(0, 10) + flipped + data.substring(11));
        Files.write(file, lines);
        SecretStore.Unreadable damaged = assertThrows(SecretStore.Unreadable.class, () -> SecretStore.open(file, RIGHT));
        assertEquals(SecretStore.Unreadable.Reason.CORRUPT, damaged.reason());
        assertEquals(file + ": corrupt keystore: its sha256 checksum does not match its content (the file was"
                + " changed or damaged)", damaged.getMessage());

        Files.writeString(file, "output.kafka:\n  password: x\n");
        assertEquals(file + ": corrupt keystore: it is not a logpipe keystore (its first line is not"
                + " 'logpipe-keystore 1')", assertThrows(SecretStore.Unreadable.class,
                () -> SecretStore.open(file, RIGHT)).getMessage());

        Files.write(file, lines.subList(0, 3), StandardCharsets.UTF_8);
        assertEquals(file + ": corrupt keystore: it has 3 line(s) instead of 6", assertThrows(
                SecretStore.Unreadable.class, () -> SecretStore.open(file, RIGHT)).getMessage());
    }

    @Test
    void aKeyMustBeAVariableName() {
        SecretStore store = SecretStore.create(dir.resolve("k.keystore"), NONE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.put("es.pwd", "x"));
        assertTrue(e.getMessage().startsWith("'es.pwd' cannot be a key"), e.getMessage());
    }

    @Test
    void theKeystoreIsLookedUpBeforeTheEnvironmentAndUnsetNamesBoth() throws Exception {
        Path file = dir.resolve("vars.keystore");
        Variables.Lookup env = Variables.Lookup.of("the environment", Map.of("USER_NAME", "env-user",
                "KAFKA_PASSWORD", "from-env")::get);
        assertEquals("from-env", Variables.expand("${KAFKA_PASSWORD}", SecretStore.variables(file, NONE, env)),
                "no keystore file: the environment alone");
        SecretStore store = SecretStore.create(file, NONE);
        store.put("KAFKA_PASSWORD", "from-keystore");
        store.save();
        Variables.Lookup lookup = SecretStore.variables(file, NONE, env);
        assertEquals("env-user:from-keystore", Variables.expand("${USER_NAME}:${KAFKA_PASSWORD}", lookup));
        Variables.Unset unset = assertThrows(Variables.Unset.class, () -> Variables.expand("${NOPE}", lookup));
        assertEquals("${NOPE} is not set in the keystore " + file + " or the environment and has no default"
                + " (${NOPE:default})", unset.getMessage());
        assertThrows(SecretStore.Unreadable.class, () -> SecretStore.variables(file, RIGHT, env));
    }
}
