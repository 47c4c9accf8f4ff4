package io.logpipe.queue.network;

import io.vertx.core.Context;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * A request as a handler sees it: its header, the connection it came on (for log lines), the event-loop context
 * the connection runs on (where a delayed response must complete) and the principal the connection authenticated
 * as ({@link KafkaPrincipal#ANONYMOUS} when it did not).
 */
public record ClientRequest(RequestHeader header, String connection, Context context, KafkaPrincipal principal) {
    public short version() {
        return header.apiVersion();
    }
}
