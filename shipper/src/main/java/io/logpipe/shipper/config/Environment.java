package io.logpipe.shipper.config;

/** Expands {@code ${VAR}} and {@code ${VAR:default}} in configuration values, as filebeat.yml allows. */
final class Environment {
    private Environment() {
    }

    static String expand(String value, Setting setting) {
        if (value.indexOf("${") < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            int start = value.indexOf("${", i);
            if (start < 0) {
                out.append(value, i, value.length());
                break;
            }
            int end = value.indexOf('}', start);
            if (end < 0) {
                throw setting.invalid("unterminated ${ in '" + value + "'");
            }
            out.append(value, i, start);
            String ref = value.substring(start + 2, end);
            int colon = ref.indexOf(':');
            String name = colon < 0 ? ref : ref.substring(0, colon);
            String resolved = System.getenv(name);
            if (resolved == null) {
                if (colon < 0) {
                    throw setting.invalid("environment variable " + name + " is not set (write ${" + name
                            + ":default} to give a default)");
                }
                resolved = ref.substring(colon + 1);
            }
            out.append(resolved);
            i = end + 1;
        }
        return out.toString();
    }
}
