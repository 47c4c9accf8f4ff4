package io.logpipe.common.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManagerFactory;

/**
 * The key and certificate chain an HTTPS server presents, from a PKCS12 or JKS keystore (Logstash's
 * {@code api.ssl.keystore.*}, Kibana's {@code server.ssl.keystore.*}) or from PEM files (Kibana's
 * {@code server.ssl.certificate} + {@code server.ssl.key}, the key possibly encrypted). Everything is read and
 * checked here, at start, so that a wrong path, password or file fails the start naming the file, rather than
 * the first TLS handshake failing without a word in the log.
 */
public final class ServerKeys {
    /** Which of the inputs is at fault, so that the caller can name its own setting. */
    public enum Part { KEYSTORE, KEYSTORE_PASSWORD, CERTIFICATE, KEY, KEY_PASSPHRASE }

    /** Key material that cannot be used; the message names the file and what is wrong with it. */
    public static final class Unusable extends Exception {
        private final Part part;

        Unusable(Part part, String message) {
            super(message);
            this.part = part;
        }

        public Part part() {
            return part;
        }
    }

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

    private ServerKeys() {
    }

    /** A keystore of either type (the JDK tells them apart by content), with one password for store and key. */
    public static KeyManagerFactory keystore(Path file, String password) throws Unusable {
        if (!Files.isRegularFile(file)) {
            throw new Unusable(Part.KEYSTORE, file + " does not exist or is not a file");
        }
        char[] secret = password == null ? new char[0] : password.toCharArray();
        KeyStore store;
        try {
            store = KeyStore.getInstance(file.toFile(), secret);
        } catch (KeyStoreException e) {
            throw new Unusable(Part.KEYSTORE, file + " is not a PKCS12 or JKS keystore");
        } catch (IOException e) {
            // The JDK reports a wrong password as an IOException caused by UnrecoverableKeyException.
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw new Unusable(Part.KEYSTORE_PASSWORD, "cannot open the keystore " + file
                        + " with this password (" + e.getMessage() + ")");
            }
            throw new Unusable(Part.KEYSTORE, "cannot read the keystore " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new Unusable(Part.KEYSTORE, "cannot read the keystore " + file + ": " + e.getMessage());
        }
        try {
            boolean hasKey = false;
            for (String alias : Collections.list(store.aliases())) {
                hasKey |= store.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new Unusable(Part.KEYSTORE, file + " holds no private key (only certificates): the server needs"
                        + " its key and certificate chain in it");
            }
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, secret);
            return factory;
        } catch (UnrecoverableKeyException e) {
            throw new Unusable(Part.KEYSTORE_PASSWORD, "the key in " + file + " has another password than the"
                    + " keystore; give both the same password");
        } catch (GeneralSecurityException e) {
            throw new Unusable(Part.KEYSTORE, "cannot use the keystore " + file + ": " + e.getMessage());
        }
    }

    /**
     * A PEM certificate (the server's, then the chain behind it) and a PEM private key: PKCS#8, unencrypted or
     * encrypted with {@code passphrase}.
     */
    public static KeyManagerFactory pem(Path certificate, Path key, String passphrase) throws Unusable {
        List<Certificate> chain;
        try (InputStream in = Files.newInputStream(certificate)) {
            chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        } catch (NoSuchFileException e) {
            throw new Unusable(Part.CERTIFICATE, certificate + " does not exist");
        } catch (IOException | GeneralSecurityException e) {
            throw new Unusable(Part.CERTIFICATE, certificate + " is not a PEM certificate: " + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new Unusable(Part.CERTIFICATE, certificate + " holds no certificate (no '-----BEGIN CERTIFICATE-----')");
        }
        PrivateKey privateKey = privateKey(key, passphrase);
        if (!chain.get(0).getPublicKey().getAlgorithm().equals(privateKey.getAlgorithm())) {
            throw new Unusable(Part.KEY, key + " is a " + privateKey.getAlgorithm() + " key, but the certificate "
                    + certificate + " is for a " + chain.get(0).getPublicKey().getAlgorithm() + " key");
        }
        try {
            char[] none = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", privateKey, none, chain.toArray(Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, none);
            return factory;
        } catch (IOException | GeneralSecurityException e) {
            throw new Unusable(Part.KEY, "the key " + key + " does not go with the certificate " + certificate + ": "
                    + e.getMessage());
        }
    }

    private static PrivateKey privateKey(Path key, String passphrase) throws Unusable {
        String text;
        try {
            text = Files.readString(key, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new Unusable(Part.KEY, key + " does not exist");
        } catch (IOException e) {
            throw new Unusable(Part.KEY, "cannot read " + key + ": " + e.getMessage());
        }
        for (String traditional : List.of("RSA", "EC")) {
            // OpenSSL's traditional format (possibly with Proc-Type/DEK-Info headers): the JDK reads only PKCS#8
            if (text.contains("-----BEGIN " + traditional + " PRIVATE KEY-----")) {
                throw new Unusable(Part.KEY, key + " is a traditional " + traditional + " key; convert it to PKCS#8:"
                        + " openssl pkcs8 -topk8 -in " + key + " -out key.pem (add -nocrypt for no passphrase)");
            }
        }
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (type) {
                case "PRIVATE KEY" -> {
                    if (passphrase != null && !passphrase.isEmpty()) {
                        throw new Unusable(Part.KEY_PASSPHRASE, key + " is not encrypted: remove the passphrase");
                    }
                    return decode(key, new PKCS8EncodedKeySpec(der));
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    if (passphrase == null || passphrase.isEmpty()) {
                        throw new Unusable(Part.KEY, key + " is encrypted: give its passphrase");
                    }
                    return decode(key, decrypt(key, der, passphrase));
                }
                default -> {
                    // a certificate in the same file: look further
                }
            }
        }
        throw new Unusable(Part.KEY, key + " holds no PEM private key (no '-----BEGIN PRIVATE KEY-----')");
    }

    private static PKCS8EncodedKeySpec decrypt(Path key, byte[] der, String passphrase) throws Unusable {
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // For PBES2 (openssl's default) the parameters name the real algorithm, e.g. PBEWithHmacSHA256AndAES_256.
            String algorithm = info.getAlgParameters() == null ? info.getAlgName() : info.getAlgParameters().toString();
            Key secret = SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(passphrase.toCharArray()));
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, secret, info.getAlgParameters());
            return info.getKeySpec(cipher);
        } catch (GeneralSecurityException e) {
            throw new Unusable(Part.KEY_PASSPHRASE, "cannot decrypt " + key + " with this passphrase ("
                    + e.getMessage() + ")");
        } catch (IOException e) {
            throw new Unusable(Part.KEY, key + " is not a PKCS#8 encrypted key: " + e.getMessage());
        }
    }

    private static PrivateKey decode(Path key, PKCS8EncodedKeySpec spec) throws Unusable {
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new Unusable(Part.KEY, key + " is not an RSA, EC or Ed25519 private key");
    }
}
