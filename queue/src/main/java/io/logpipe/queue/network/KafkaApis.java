package io.logpipe.queue.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.logpipe.queue.security.SaslAuthenticator;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.IllegalSaslStateException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes a request frame with kafka-clients' own protocol classes, dispatches it to the handler registered for its
 * API and serializes the answer. ApiVersions advertises exactly the registered APIs and version ranges, so clients
 * negotiate down to what is implemented; anything else (unknown key, unsupported version, garbage) closes the
 * connection with one log line, as Kafka does. On a SASL listener the connection's {@link SaslAuthenticator} answers
 * SaslHandshake and SaslAuthenticate and decides which other requests may be served yet.
 */
public final class KafkaApis {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaApis.class);

    /** A serialized response ready for the socket. */
    record Reply(List<Object> messages) {
    }

    private record Registration(short minVersion, short maxVersion, ApiHandler handler) {
    }

    private final Map<ApiKeys, Registration> handlers = new EnumMap<>(ApiKeys.class);
    private final long maxRequestEntries;
    private final List<Consumer<String>> closeListeners = new CopyOnWriteArrayList<>();

    public KafkaApis() {
        this(Long.MAX_VALUE);
    }

    /** @param maxRequestEntries most entries (topics, partitions, ...) one request may declare; see {@link RequestEntries} */
    public KafkaApis(long maxRequestEntries) {
        this.maxRequestEntries = maxRequestEntries;
        register(ApiKeys.API_VERSIONS, (request, body) -> CompletableFuture.completedFuture(apiVersions(Errors.NONE)));
        // Answered here only on listeners without SASL; a SASL listener's connections answer them (handle()).
        // v0 is advertised because librdkafka requires it to see SASL at all; it then sends v1 like every client
        // since Kafka 1.0 (SaslAuthenticate), and a real v0 handshake is refused (SaslAuthenticator).
        register(ApiKeys.SASL_HANDSHAKE, (short) 0, (short) 1, KafkaApis::noSaslHere);
        register(ApiKeys.SASL_AUTHENTICATE, KafkaApis::noSaslHere);
    }

    /** Kafka's answer to a SASL request on a listener without SASL. */
    private static CompletionStage<AbstractResponse> noSaslHere(ClientRequest request, AbstractRequest body) {
        return CompletableFuture.completedFuture(body.getErrorResponse(new IllegalSaslStateException(
                "this listener does not use SASL: connect with security.protocol=PLAINTEXT")));
    }

    /** Serves {@code key} over all the versions kafka-clients knows for it. */
    public void register(ApiKeys key, ApiHandler handler) {
        register(key, key.oldestVersion(), key.latestVersion(), handler);
    }

    public void register(ApiKeys key, short minVersion, short maxVersion, ApiHandler handler) {
        handlers.put(key, new Registration(minVersion, maxVersion, handler));
    }

    /**
     * Puts {@code wrapper} in front of the handler registered for {@code key} (same versions); the wrapper gets the
     * earlier handler to delegate to.
     */
    public void intercept(ApiKeys key, java.util.function.UnaryOperator<ApiHandler> wrapper) {
        Registration current = handlers.get(key);
        if (current == null) {
            throw new IllegalStateException(key + " has no handler to intercept");
        }
        handlers.put(key, new Registration(current.minVersion(), current.maxVersion(), wrapper.apply(current.handler())));
    }

    /** {@code listener} gets the name of every connection that closes (on that connection's event loop). */
    public void onConnectionClosed(Consumer<String> listener) {
        closeListeners.add(listener);
    }

    void connectionClosed(String connection) {
        for (Consumer<String> listener : closeListeners) {
            listener.accept(connection);
        }
    }

    /** The APIs served. */
    java.util.Set<ApiKeys> keys() {
        return java.util.Set.copyOf(handlers.keySet());
    }

    private ApiVersionsResponse apiVersions(Errors error) {
        ApiVersionsResponseData data = new ApiVersionsResponseData().setErrorCode(error.code());
        handlers.forEach((key, registration) -> data.apiKeys().add(new ApiVersionsResponseData.ApiVersion()
                .setApiKey(key.id).setMinVersion(registration.minVersion()).setMaxVersion(registration.maxVersion())));
        return new ApiVersionsResponse(data);
    }

    /** Handles one frame; null when the connection was closed or the request gets no response. */
    CompletionStage<Reply> handle(Connection connection, ByteBuffer frame) {
        if (frame.remaining() < 8) {
            connection.closeWithError("frame of " + frame.remaining() + " bytes is too short for a request header");
            return null;
        }
        short keyId = frame.getShort(0);
        short version = frame.getShort(2);
        if (!ApiKeys.hasId(keyId)) {
            connection.closeWithError("unknown API key " + keyId);
            return null;
        }
        ApiKeys key = ApiKeys.forId(keyId);
        RequestHeader header;
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            connection.closeWithError("malformed " + key.name + " request header: " + e.getMessage());
            return null;
        }
        SaslAuthenticator sasl = connection.sasl();
        if (sasl != null) {
            String refusal = sasl.refusal(key);
            if (refusal != null) {
                connection.closeWithError(refusal);
                return null;
            }
        }
        Registration registration = handlers.get(key);
        if (registration == null) {
            connection.closeWithError("API " + key.name + " (key " + keyId + ") is not implemented by this broker");
            return null;
        }
        if (version < registration.minVersion() || version > registration.maxVersion()) {
            if (key == ApiKeys.API_VERSIONS) {
                // The client learns our range from a v0 answer and retries with a version we speak.
                return reply(apiVersions(Errors.UNSUPPORTED_VERSION), new ResponseHeader(header.correlationId(),
                        (short) 0), (short) 0, connection);
            }
            connection.closeWithError(key.name + " version " + version + " is not supported (this broker speaks "
                    + registration.minVersion() + " to " + registration.maxVersion() + ")");
            return null;
        }
        int frameBytes = frame.limit();
        RequestEntries.Count entries = RequestEntries.count(key, version, frame, maxRequestEntries);
        if (entries.overLimit()) {
            connection.closeWithError(key.name + " v" + version + " request of " + frameBytes + " bytes declares at least "
                    + entries.entries() + " entries (topics, partitions, ...), above request.max.entries "
                    + maxRequestEntries);
            return null;
        }
        AbstractRequest body;
        try {
            body = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(frame)).request;
        } catch (RuntimeException e) {
            connection.closeWithError("malformed " + key.name + " v" + version + " request: " + e);
            return null;
        } catch (OutOfMemoryError e) {
            connection.closeWithError(outOfMemory(key, version, frameBytes));
            return null;
        }
        ClientRequest request = new ClientRequest(header, connection.name(), connection.context(),
                connection.principal());
        CompletionStage<AbstractResponse> response;
        try {
            if (sasl != null && key == ApiKeys.SASL_HANDSHAKE) {
                response = sasl.handshake(request, (SaslHandshakeRequest) body);
            } else if (sasl != null && key == ApiKeys.SASL_AUTHENTICATE) {
                response = sasl.authenticate(request, (SaslAuthenticateRequest) body);
            } else {
                response = registration.handler().handle(request, body);
            }
        } catch (OutOfMemoryError e) {
            connection.closeWithError(outOfMemory(key, version, frameBytes));
            return null;
        } catch (Exception e) {
            response = CompletableFuture.completedFuture(errorResponse(request, body, e));
        }
        return response.handle((r, error) -> {
            AbstractResponse answer = error == null ? r : errorResponse(request, body, error);
            if (answer == null) {
                return null;
            }
            try {
                return new Reply(ResponseWriter.toMessages(answer.toSend(header.toResponseHeader(), version),
                        connection.sendsFileRegions()));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * The heap ran out answering one request (a frame naming millions of partitions, say): that connection is closed
     * with one line, the memory its request held is garbage again, and the broker goes on serving the others.
     */
    private static String outOfMemory(ApiKeys key, short version, int frameBytes) {
        return key.name + " v" + version + " request of " + frameBytes + " bytes ran the broker out of memory "
                + "(raise -Xmx or lower socket.request.max.bytes)";
    }

    private static AbstractResponse errorResponse(ClientRequest request, AbstractRequest body, Throwable error) {
        if (!(error instanceof ApiException)) {
            LOG.error("{} from {} failed", request.header().apiKey().name, request.connection(), error);
        }
        return body.getErrorResponse(error);
    }

    private static CompletionStage<Reply> reply(AbstractResponse response, ResponseHeader header, short version,
                                                Connection connection) {
        try {
            return CompletableFuture.completedFuture(new Reply(ResponseWriter.toMessages(response.toSend(header, version))));
        } catch (IOException e) {
            connection.closeWithError("cannot serialize a response: " + e);
            return null;
        }
    }
}
