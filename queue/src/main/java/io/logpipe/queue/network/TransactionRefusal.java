package io.logpipe.queue.network;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Until the broker has transactions, a transactional producer must fail at once instead of retrying for half a
 * minute: FindCoordinator for a transactional id (key type TRANSACTION) and a transactional InitProducerId are
 * answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED. That is the one error both kafka-clients and librdkafka treat as
 * fatal at this step (COORDINATOR_NOT_AVAILABLE, what a broker without a transaction coordinator would say, makes
 * them retry until {@code transaction.timeout.ms}); the error message, where the protocol has one, and the broker's
 * log say what it really means.
 */
final class TransactionRefusal {
    static final String MESSAGE = "transactions are not supported by this broker (the bundled logpipe queue); "
            + "produce without transactional.id (idempotence works)";
    private static final Logger LOG = LoggerFactory.getLogger(TransactionRefusal.class);

    private TransactionRefusal() {
    }

    /** FindCoordinator: TRANSACTION keys refused here, GROUP keys passed on to {@code groups}. */
    static ApiHandler findCoordinator(ApiHandler groups) {
        return (request, body) -> {
            FindCoordinatorRequestData data = ((FindCoordinatorRequest) body).data();
            if (data.keyType() != FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()) {
                return groups.handle(request, body);
            }
            logRefusal(request, request.version() < FindCoordinatorRequest.MIN_BATCHED_VERSION
                    ? data.key() : String.join(", ", data.coordinatorKeys()));
            Errors error = Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
            if (request.version() < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
                FindCoordinatorResponseData response = new FindCoordinatorResponseData().setErrorCode(error.code())
                        .setErrorMessage(MESSAGE).setNodeId(Node.noNode().id()).setHost("").setPort(-1);
                return done(new FindCoordinatorResponse(response));
            }
            FindCoordinatorResponseData response = new FindCoordinatorResponseData();
            for (String key : data.coordinatorKeys()) {
                response.coordinators().add(FindCoordinatorResponse.prepareCoordinatorResponse(error, key, Node.noNode())
                        .setErrorMessage(MESSAGE));
            }
            return done(new FindCoordinatorResponse(response));
        };
    }

    static void logRefusal(ClientRequest request, String transactionalId) {
        LOG.warn("{} asked for transactional id '{}': refused, {}", request.connection(), transactionalId, MESSAGE);
    }

    private static CompletionStage<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
