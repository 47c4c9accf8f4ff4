package io.logpipe.common.secrets;

import java.util.function.Function;

/**
 * The password of a {@link SecretStore} and the environment variable it came from ({@code LOGSTASH_KEYSTORE_PASS},
 * {@code SHIPPER_KEYSTORE_PASS}), which errors name. Unset or empty: no password (values only obfuscated).
 */
public record KeystorePassword(char[] chars, String variable) {

    /** The password in environment variable {@code variable} of {@code environment}. */
    public static KeystorePassword from(String variable, Function<String, String> environment) {
        String value = environment.apply(variable);
        return new KeystorePassword(value == null ? new char[0] : value.toCharArray(), variable);
    }

    /** Whether a password was given (the variable is set and not empty). */
    public boolean given() {
        return chars.length > 0;
    }
}
