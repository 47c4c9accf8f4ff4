package io.logpipe.console.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code ${VAR}} and {@code ${VAR:default}} in a setting, as Logstash, Filebeat and the other components write them. */
public final class Variables {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");

    private Variables() {
    }

    /** Thrown for a variable that is neither set nor given a default. */
    public static final class Unset extends Exception {
        Unset(String name) {
            super("${" + name + "} is not set in the environment and has no default (${" + name + ":default})");
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
