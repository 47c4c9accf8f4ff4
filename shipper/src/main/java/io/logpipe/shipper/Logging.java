package io.logpipe.shipper;

/** Sets slf4j-simple's levels from {@code logging.level}; must run before the first logger is created. */
final class Logging {
    private Logging() {
    }

    static void configure(String level) {
        String simple = switch (level) {
            case "debug" -> "debug";
            case "warning", "warn" -> "warn";
            case "error", "critical" -> "error";
            default -> "info";
        };
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", simple);
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        // The Kafka client is chatty at info (every config value on start-up).
        setIfAbsent("org.slf4j.simpleLogger.log.org.apache.kafka", simple.equals("debug") ? "info" : "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.io.netty", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.io.vertx", "warn");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
