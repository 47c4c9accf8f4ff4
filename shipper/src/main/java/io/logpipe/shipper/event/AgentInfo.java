package io.logpipe.shipper.event;

/**
 * Who shipped an event ({@code host.*}, {@code agent.*}). {@code agent.type} is "filebeat" on purpose: existing
 * Logstash pipelines and index templates select events by {@code [agent][type]} and {@code [@metadata][beat]}, and
 * this shipper is a drop-in replacement.
 */
public record AgentInfo(String name, String hostname, String id, String ephemeralId, String version) {
    public static final String TYPE = "filebeat";
    /** The Filebeat version whose event format is reproduced. */
    public static final String COMPATIBLE_VERSION = "7.17.0";
    public static final String ECS_VERSION = "1.12.0";
}
