package io.logpipe.common.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${VAR}} and {@code ${VAR:default}} in a setting, as Logstash and Filebeat write them: one expansion for
 * every config the components read (each says where in its file the setting stood when a variable is unset).
 */
public final class Variables {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");

    private Variables() {
    }

    /** Thrown for a variable that is neither set nor given a default. */
    public static final class Unset extends Exception {
        private final String name;

        Unset(String name) {
            super("${" + name + "} is not set in the environment and has no default (${" + name + ":default})");
            this.name = name;
        }

        /** The variable's name. */
        public String name() {
            return name;
        }
    }

    public static String expand(String text, Function<String, String> environment) throws Unset {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = environment.apply(m.group(1));
            if (value == null) {
                value = m.group(2);
            }
            if (value == null) {
                throw new Unset(m.group(1));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
