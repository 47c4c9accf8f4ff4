package io.logpipe.queue.network;

import io.vertx.core.Context;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A request as a handler sees it: its header, the connection it came on (for log lines) and the event-loop context
 * the connection runs on (where a delayed response must complete).
 */
public record ClientRequest(RequestHeader header, String connection, Context context) {
    public short version() {
        return header.apiVersion();
    }
}
