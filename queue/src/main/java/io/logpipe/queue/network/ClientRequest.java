package io.logpipe.queue.network;

import io.vertx.core.Context;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * A request as a handler sees it: its header, the connection it came on (for log lines), the event-loop context
 * the connection runs on (where a delayed response must complete) and the principal the connection authenticated as
 * ({@link KafkaPrincipal#ANONYMOUS} on a PLAINTEXT listener).
 */
public record ClientRequest(RequestHeader header, String connection, Context context, KafkaPrincipal principal) {
    /** The client's IP address, as ACL hosts name it: {@code connection} is the remote {@code address:port}. */
    public String clientHost() {
        int colon = connection.lastIndexOf(':');
        String host = colon < 0 ? connection : connection.substring(0, colon);
        return host.startsWith("/") ? host.substring(1) : host;
    }

    public short version() {
        return header.apiVersion();
    }
}
