package io.logpipe.common.secrets;

import io.logpipe.common.config.Variables;
import io.logpipe.common.io.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A keystore file of named secrets ({@code ${KEY}} in a config), as Filebeat's and Logstash's keystores are: the
 * values, and their names, are encrypted with AES-256-GCM under a key derived from a password.
 *
 * <p>The password is the component's keystore-password environment variable ({@link KeystorePassword}). Without one
 * the key is derived from the empty password, as Filebeat does by default: that only obfuscates the values, and what
 * protects them is the file's mode, 0600, which every write sets. A keystore remembers whether it was created with a
 * password, so that opening it without one, or with one it was not made with, is an error that says so.
 *
 * <p>The file is UTF-8 text, six lines, each {@code label value...}:
 * <pre>
 * logpipe-keystore 1
 * kdf PBKDF2WithHmacSHA256 ITERATIONS SALT            (salt: 16 random bytes, base64)
 * password yes|no                                     (created with a password or not)
 * cipher AES/GCM/NoPadding IV                          (iv: 12 random bytes, base64, new at every write)
 * data CIPHERTEXT                                      (base64: the encrypted entries and the 16-byte tag)
 * sha256 HEX                                           (of every byte of the five lines above)
 * </pre>
 * The key is PBKDF2 of {@code "logpipe-keystore:" + password} with the salt; the first four lines are the GCM
 * additional data, so none of them can be changed unnoticed. The plaintext is one line per entry,
 * {@code NAME=BASE64(UTF-8 value)}, sorted by name. The checksum tells the two failures apart: a file whose checksum
 * does not match was damaged (<em>corrupt</em>); a file whose checksum matches but whose data does not decrypt was
 * opened with the <em>wrong password</em>.
 *
 * <p>An instance is the file's content in memory: {@link #put} and {@link #remove} change it, {@link #save} replaces
 * the file atomically ({@link AtomicFile}). Not thread-safe: it is used by one command at a time.
 */
public final class SecretStore {
    static final String FORMAT = "logpipe-keystore 1";
    static final String KDF = "PBKDF2WithHmacSHA256";
    static final String CIPHER = "AES/GCM/NoPadding";
    static final int ITERATIONS = 100_000;
    private static final int SALT_BYTES = 16;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Set<PosixFilePermission> OWNER_ONLY = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final KeystorePassword password;
    private final byte[] salt;
    private final int iterations;
    private final TreeMap<String, String> entries;

    private SecretStore(Path file, KeystorePassword password, byte[] salt, int iterations,
                        TreeMap<String, String> entries) {
        this.file = file;
        this.password = password;
        this.salt = salt;
        this.iterations = iterations;
        this.entries = entries;
    }

    /** Why a keystore could not be opened; the message names the file and what to do. */
    public static final class Unreadable extends IOException {
        /** What went wrong. */
        public enum Reason { WRONG_PASSWORD, PASSWORD_MISSING, PASSWORD_NOT_USED, CORRUPT }

        private final Reason reason;

        Unreadable(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /** A new, empty keystore for {@code file} (written only by {@link #save}). */
    public static SecretStore create(Path file, KeystorePassword password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new SecretStore(file, password, salt, ITERATIONS, new TreeMap<>());
    }

    /** Reads {@code file}; {@link NoSuchFileException} when it does not exist. */
    public static SecretStore open(Path file, KeystorePassword password) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        if (lines.length < 1 || !lines[0].equals(FORMAT)) {
            throw corrupt(file, "it is not a logpipe keystore (its first line is not '" + FORMAT + "')");
        }
        if (lines.length != 7 || !lines[6].isEmpty()) {
            throw corrupt(file, "it has " + (lines.length - 1) + " line(s) instead of 6");
        }
        String[] checksum = fields(file, lines[5], "sha256", 2);
        int signed = text.length() - lines[5].length() - 1;
        byte[] expected = sha256(text.substring(0, signed).getBytes(StandardCharsets.UTF_8));
        if (!MessageDigest.isEqual(expected, hex(file, checksum[1]))) {
            throw corrupt(file, "its sha256 checksum does not match its content (the file was changed or damaged)");
        }
        String[] kdf = fields(file, lines[1], "kdf", 4);
        String[] protection = fields(file, lines[2], "password", 2);
        String[] cipher = fields(file, lines[3], "cipher", 3);
        String[] data = fields(file, lines[4], "data", 2);
        if (!kdf[1].equals(KDF) || !cipher[1].equals(CIPHER)) {
            throw corrupt(file, "it uses " + kdf[1] + " and " + cipher[1] + "; this version reads " + KDF + " and "
                    + CIPHER);
        }
        int iterations;
        try {
            iterations = Integer.parseInt(kdf[2]);
        } catch (NumberFormatException e) {
            throw corrupt(file, "its kdf iteration count '" + kdf[2] + "' is not a number");
        }
        boolean protectedByPassword = switch (protection[1]) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw corrupt(file, "its password line says '" + protection[1] + "' instead of yes or no");
        };
        if (protectedByPassword && !password.given()) {
            throw new Unreadable(Unreadable.Reason.PASSWORD_MISSING, file + ": the keystore is protected by a password;"
                    + " set " + password.variable() + " to it");
        }
        if (!protectedByPassword && password.given()) {
            throw new Unreadable(Unreadable.Reason.PASSWORD_NOT_USED, file + ": the keystore was created without a"
                    + " password, but " + password.variable() + " is set; unset it, or recreate the keystore with it"
                    + " set (keystore create --force, then add the keys again)");
        }
        byte[] salt = base64(file, kdf[3], "salt");
        byte[] iv = base64(file, cipher[2], "iv");
        byte[] ciphertext = base64(file, data[1], "data");
        byte[] header = text.substring(0, lines[0].length() + lines[1].length() + lines[2].length()
                + lines[3].length() + 4).getBytes(StandardCharsets.UTF_8);
        byte[] plain;
        try {
            Cipher c = Cipher.getInstance(CIPHER);
            c.init(Cipher.DECRYPT_MODE, key(password, salt, iterations), new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(header);
            plain = c.doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            // The checksum matched, so the bytes are as written: the key is not the one they were written with.
            throw new Unreadable(Unreadable.Reason.WRONG_PASSWORD, file + ": wrong keystore password (from "
                    + password.variable() + "): the keystore cannot be decrypted with it");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw corrupt(file, "it cannot be decrypted: " + e.getMessage());
        }
        TreeMap<String, String> entries = new TreeMap<>();
        for (String line : new String(plain, StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw corrupt(file, "an entry has no name");
            }
            entries.put(line.substring(0, eq), new String(base64(file, line.substring(eq + 1), "entry"),
                    StandardCharsets.UTF_8));
        }
        return new SecretStore(file, password, salt, iterations, entries);
    }

    public Path file() {
        return file;
    }

    /** Whether the keystore is encrypted under a password, not only obfuscated. */
    public boolean passwordProtected() {
        return password.given();
    }

    /** The names of the entries, sorted. */
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(entries.keySet()));
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The value of {@code name}, or null. */
    public String get(String name) {
        return entries.get(name);
    }

    /**
     * Sets {@code name} (a variable name: letters, digits and _, not starting with a digit, so that {@code ${name}}
     * finds it) to {@code value}; written by {@link #save}.
     */
    public void put(String name, String value) {
        if (!Variables.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' cannot be a key: it must be letters, digits and _ and"
                    + " not start with a digit, so that ${" + name + "} can name it");
        }
        entries.put(name, value);
    }

    /** Removes {@code name}; false when it was not there. */
    public boolean remove(String name) {
        return entries.remove(name) != null;
    }

    /**
     * Where a config's {@code ${KEY}} is looked up: the keystore {@code file} first when it exists (opened with
     * {@code password}; a wrong one fails here, naming the file), then {@code environment}.
     */
    public static Variables.Lookup variables(Path file, KeystorePassword password, Variables.Lookup environment)
            throws IOException {
        if (!Files.exists(file)) {
            return environment;
        }
        return open(file, password).lookup().then(environment);
    }

    /** Looks keys up in this keystore, named after its file in errors. */
    public Variables.Lookup lookup() {
        Map<String, String> snapshot = Map.copyOf(entries);
        return Variables.Lookup.of("the keystore " + file, snapshot::get);
    }

    /** Replaces the file with the current entries, mode 0600, atomically. */
    public void save() throws IOException {
        StringBuilder plain = new StringBuilder();
        Base64.Encoder b64 = Base64.getEncoder();
        entries.forEach((name, value) -> plain.append(name).append('=')
                .append(b64.encodeToString(value.getBytes(StandardCharsets.UTF_8))).append('\n'));
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        String header = FORMAT + "\n"
                + "kdf " + KDF + " " + iterations + " " + b64.encodeToString(salt) + "\n"
                + "password " + (password.given() ? "yes" : "no") + "\n"
                + "cipher " + CIPHER + " " + b64.encodeToString(iv) + "\n";
        byte[] ciphertext;
        try {
            Cipher c = Cipher.getInstance(CIPHER);
            c.init(Cipher.ENCRYPT_MODE, key(password, salt, iterations), new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(header.getBytes(StandardCharsets.UTF_8));
            ciphertext = c.doFinal(plain.toString().getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot encrypt with " + CIPHER, e);
        }
        String signed = header + "data " + b64.encodeToString(ciphertext) + "\n";
        String text = signed + "sha256 " + HexFormat.of().formatHex(sha256(signed.getBytes(StandardCharsets.UTF_8)))
                + "\n";
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, channel -> channel.write(ByteBuffer.wrap(bytes)), OWNER_ONLY);
    }

    private static SecretKeySpec key(KeystorePassword password, byte[] salt, int iterations)
            throws GeneralSecurityException {
        char[] label = "logpipe-keystore:".toCharArray();
        char[] chars = new char[label.length + password.chars().length];
        System.arraycopy(label, 0, chars, 0, label.length);
        System.arraycopy(password.chars(), 0, chars, label.length, password.chars().length);
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, 256);
        try {
            return new SecretKeySpec(SecretKeyFactory.getInstance(KDF).generateSecret(spec).getEncoded(), "AES");
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static String[] fields(Path file, String line, String label, int count) throws Unreadable {
        String[] f = line.split(" ");
        if (f.length != count || !f[0].equals(label)) {
            throw corrupt(file, "expected a '" + label + "' line, found '" + abbreviate(line) + "'");
        }
        return f;
    }

    private static byte[] base64(Path file, String text, String what) throws Unreadable {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "its " + what + " is not base64");
        }
    }

    private static byte[] hex(Path file, String text) throws Unreadable {
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "its sha256 line is not hexadecimal");
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 40 ? line : line.substring(0, 40) + "...";
    }

    private static Unreadable corrupt(Path file, String why) {
        return new Unreadable(Unreadable.Reason.CORRUPT, file + ": corrupt keystore: " + why);
    }
}
