package io.logpipe.common.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${VAR}} and {@code ${VAR:default}} in a setting, as Logstash and Filebeat write them: one expansion for
 * every config the components read (each says where in its file the setting stood when a variable is unset). Where a
 * name is looked up is a {@link Lookup}: the environment, or a keystore before it, as Filebeat and Logstash resolve
 * keystore keys before environment variables.
 */
public final class Variables {
    /** A variable's name: what an environment variable and a keystore key may be called. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(" + NAME.pattern() + ")(?::([^}]*))?}");

    private Variables() {
    }

    /** Where variables are looked up, named for the error of an unset one. */
    public interface Lookup {
        /** The value of {@code name}, or null when this lookup does not have it. */
        String value(String name);

        /** "the environment", "the keystore /etc/x.keystore or the environment". */
        String describe();

        static Lookup of(String description, Function<String, String> values) {
            return new Lookup() {
                @Override
                public String value(String name) {
                    return values.apply(name);
                }

                @Override
                public String describe() {
                    return description;
                }
            };
        }

        /** The process's environment variables. */
        static Lookup environment() {
            return of("the environment", System::getenv);
        }

        /** This lookup first, then {@code next} for the names it does not have. */
        default Lookup then(Lookup next) {
            Lookup first = this;
            return of(first.describe() + " or " + next.describe(), name -> {
                String value = first.value(name);
                return value != null ? value : next.value(name);
            });
        }
    }

    /** Thrown for a variable that is neither set nor given a default. */
    public static final class Unset extends Exception {
        private final String name;

        Unset(String name, String where) {
            super("${" + name + "} is not set in " + where + " and has no default (${" + name + ":default})");
            this.name = name;
        }

        /** The variable's name. */
        public String name() {
            return name;
        }
    }

    /** Expands against {@code environment}, named "the environment" in errors. */
    public static String expand(String text, Function<String, String> environment) throws Unset {
        return expand(text, Lookup.of("the environment", environment));
    }

    public static String expand(String text, Lookup lookup) throws Unset {
        if (text.indexOf("${") < 0) {
            return text;
        }
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = lookup.value(m.group(1));
            if (value == null) {
                value = m.group(2);
            }
            if (value == null) {
                throw new Unset(m.group(1), lookup.describe());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
