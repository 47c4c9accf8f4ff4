package io.logpipe.queue.group;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.vertx.core.Context;
import org.apache.kafka.common.requests.AbstractResponse;

/** One member of a classic group, with the JoinGroup or SyncGroup response it is waiting for, if any. */
final class GroupMember {
    final String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    /** Protocol name to metadata, in the member's order of preference. */
    Map<String, byte[]> protocols;
    byte[] assignment = new byte[0];
    long heartbeatDeadlineMs;

    CompletableFuture<AbstractResponse> pendingJoin;
    Context pendingJoinContext;
    short pendingJoinVersion;
    CompletableFuture<AbstractResponse> pendingSync;
    Context pendingSyncContext;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
    }

    boolean awaitingJoin() {
        return pendingJoin != null;
    }

    boolean awaitingSync() {
        return pendingSync != null;
    }

    /** True when {@code other} lists the same protocols, in the same order, with the same metadata. */
    boolean sameProtocols(LinkedHashMap<String, byte[]> other) {
        if (!protocols.keySet().stream().toList().equals(other.keySet().stream().toList())) {
            return false;
        }
        for (var e : other.entrySet()) {
            if (!Arrays.equals(protocols.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** A member waiting for a response is kept; otherwise it must have been heard from within its session. */
    boolean expired(long nowMs) {
        return !awaitingJoin() && !awaitingSync() && nowMs > heartbeatDeadlineMs;
    }

    void heard(long nowMs) {
        heartbeatDeadlineMs = nowMs + sessionTimeoutMs;
    }
}
