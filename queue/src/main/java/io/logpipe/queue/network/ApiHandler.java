package io.logpipe.queue.network;

import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/** Answers one Kafka API. The stage completes with the response, or with null when none is due (acks=0). */
@FunctionalInterface
public interface ApiHandler {
    CompletionStage<AbstractResponse> handle(ClientRequest request, AbstractRequest body) throws Exception;
}
