package io.logpipe.queue.network;

/** This broker as clients are told to reach it (the advertised listener). */
public record BrokerEndpoint(int nodeId, String host, int port) {
}
