package io.logpipe.queue.network;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.logpipe.queue.log.ProducerIdManager;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;

/**
 * InitProducerId for idempotent (non-transactional) producers: a new producer id, or the same id with the next
 * epoch when a producer bumps its epoch after an error. A transactional one goes to the transaction coordinator
 * ({@code txn.TransactionCoordinator}), which is registered in front of this handler.
 */
final class InitProducerIdHandler {
    private final ProducerIdManager producerIds;

    InitProducerIdHandler(ProducerIdManager producerIds) {
        this.producerIds = producerIds;
    }

    CompletionStage<AbstractResponse> handle(ClientRequest request, AbstractRequest body) throws IOException {
        InitProducerIdRequestData data = ((InitProducerIdRequest) body).data();
        InitProducerIdResponseData response = new InitProducerIdResponseData()
                .setProducerId(RecordBatch.NO_PRODUCER_ID).setProducerEpoch(RecordBatch.NO_PRODUCER_EPOCH);
        if (data.producerId() >= 0 && data.producerEpoch() >= 0 && data.producerEpoch() < Short.MAX_VALUE - 1) {
            response.setProducerId(data.producerId()).setProducerEpoch((short) (data.producerEpoch() + 1));
        } else {
            response.setProducerId(producerIds.nextProducerId()).setProducerEpoch((short) 0);
        }
        return CompletableFuture.completedFuture(new InitProducerIdResponse(response));
    }
}
