package io.logpipe.queue.group;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.SyncGroupResponse;

/** One member of a classic group, with the JoinGroup or SyncGroup response it is waiting for, if any. */
final class GroupMember {
    /**
     * A response that waits for other members, completed once on {@code executor} (the waiting connection's own
     * event loop), in the request's {@code version}.
     */
    record Pending(CompletableFuture<AbstractResponse> future, Executor executor, short version) {
        void complete(AbstractResponse response) {
            executor.execute(() -> future.complete(response));
        }
    }

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

    private Pending pendingJoin;
    private Pending pendingSync;

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

    /** Waits for the end of the join phase; an earlier JoinGroup still waiting is answered UNKNOWN_MEMBER_ID. */
    void awaitJoin(Pending join) {
        if (pendingJoin != null) {
            // The client gave up on its earlier JoinGroup and sent a new one: the old answer goes nowhere.
            pendingJoin.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID, pendingJoin.version()));
        }
        pendingJoin = join;
    }

    void awaitSync(Pending sync) {
        pendingSync = sync;
    }

    /** Answers the waiting JoinGroup, if any. */
    void completeJoin(JoinGroupResponseData data) {
        if (pendingJoin != null) {
            pendingJoin.complete(new JoinGroupResponse(data, pendingJoin.version()));
            pendingJoin = null;
        }
    }

    /** Answers the waiting SyncGroup, if any. */
    void completeSync(SyncGroupResponse response) {
        if (pendingSync != null) {
            pendingSync.complete(response);
            pendingSync = null;
        }
    }

    /** Answers whatever the member waits for with {@code error}: it is out of the group or must rejoin. */
    void failPending(Errors error) {
        if (pendingJoin != null) {
            pendingJoin.complete(joinError(memberId, error, pendingJoin.version()));
            pendingJoin = null;
        }
        completeSync(syncError(error));
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

    static JoinGroupResponse joinError(String memberId, Errors error, short version) {
        return new JoinGroupResponse(new JoinGroupResponseData().setErrorCode(error.code())
                .setGenerationId(JoinGroupRequest.UNKNOWN_GENERATION_ID).setMemberId(memberId)
                .setProtocolName(JoinGroupRequest.UNKNOWN_PROTOCOL_NAME).setLeader(""), version);
    }

    static SyncGroupResponse syncError(Errors error) {
        return new SyncGroupResponse(new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]));
    }
}
