package io.logpipe.queue.security;

import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.logpipe.queue.network.ClientRequest;
import io.logpipe.queue.network.KafkaApis;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterUserScramCredentialsRequest;
import org.apache.kafka.common.requests.AlterUserScramCredentialsResponse;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsRequest;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsResponse;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AlterUserScramCredentials and DescribeUserScramCredentials (KIP-554), what {@code Admin.alterUserScramCredentials}
 * and {@code kafka-configs --entity-type users --add-config 'SCRAM-SHA-512=[password=...]'} send. The client sends
 * the salt and the salted password, never the password; the broker derives StoredKey and ServerKey with
 * kafka-clients' {@link ScramFormatter} and keeps those ({@link ScramCredentialStore}). As on Kafka, each user's
 * operations succeed or fail together: an empty name, an iteration count outside the mechanism's range, an unknown
 * mechanism, a user named twice in one request (even for two mechanisms, as Kafka 4.2 refuses it), or deleting a
 * credential that does not exist fails every operation
 * of that user with Kafka's error code and message; the other users' operations still apply.
 */
public final class ScramCredentialApis {
    private static final Logger LOG = LoggerFactory.getLogger(ScramCredentialApis.class);

    private final ScramCredentialStore store;

    public ScramCredentialApis(ScramCredentialStore store) {
        this.store = store;
    }

    public void registerWith(KafkaApis apis) {
        apis.register(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, this::alter);
        apis.register(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, this::describe);
    }

    private record Failure(Errors error, String message) {
    }

    CompletionStage<AbstractResponse> alter(ClientRequest request, AbstractRequest body) {
        AlterUserScramCredentialsRequestData data = ((AlterUserScramCredentialsRequest) body).data();
        Map<String, Failure> failures = new LinkedHashMap<>();
        Map<String, List<ScramCredentialStore.Change>> changes = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (AlterUserScramCredentialsRequestData.ScramCredentialDeletion deletion : data.deletions()) {
            changes.computeIfAbsent(deletion.name(), n -> new ArrayList<>());
            ScramMechanism mechanism = mechanism(deletion.mechanism());
            Failure failure = check(deletion.name(), mechanism, seen);
            if (failure == null && !store.has(deletion.name(), mechanism)) {
                failure = new Failure(Errors.RESOURCE_NOT_FOUND,
                        "Attempt to delete a user credential that does not exist");
            }
            if (failure != null) {
                failures.putIfAbsent(deletion.name(), failure);
            } else {
                changes.get(deletion.name()).add(new ScramCredentialStore.Change(deletion.name(), mechanism, null));
            }
        }
        for (AlterUserScramCredentialsRequestData.ScramCredentialUpsertion upsertion : data.upsertions()) {
            changes.computeIfAbsent(upsertion.name(), n -> new ArrayList<>());
            ScramMechanism mechanism = mechanism(upsertion.mechanism());
            Failure failure = check(upsertion.name(), mechanism, seen);
            if (failure == null) {
                failure = checkUpsertion(upsertion, mechanism);
            }
            if (failure != null) {
                failures.putIfAbsent(upsertion.name(), failure);
                continue;
            }
            try {
                ScramCredential credential = new ScramFormatter(mechanism).generateCredential(upsertion.salt(),
                        upsertion.saltedPassword(), upsertion.iterations());
                changes.get(upsertion.name()).add(new ScramCredentialStore.Change(upsertion.name(), mechanism, credential));
            } catch (NoSuchAlgorithmException e) {
                failures.putIfAbsent(upsertion.name(), new Failure(Errors.UNSUPPORTED_SASL_MECHANISM,
                        "this JVM has no " + mechanism.hashAlgorithm()));
            }
        }
        List<ScramCredentialStore.Change> applied = new ArrayList<>();
        changes.forEach((user, userChanges) -> {
            if (!failures.containsKey(user)) {
                applied.addAll(userChanges);
            }
        });
        CompletableFuture<Void> written = applied.isEmpty() ? CompletableFuture.completedFuture(null)
                : store.apply(applied);
        return written.handle((ok, error) -> {
            AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
            for (String user : changes.keySet()) {
                Failure failure = failures.get(user);
                if (failure == null && error != null) {
                    failure = new Failure(Errors.KAFKA_STORAGE_ERROR, "the broker could not write its SCRAM"
                            + " credentials: " + (error.getCause() != null ? error.getCause() : error).getMessage());
                }
                AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult result =
                        new AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult().setUser(user);
                if (failure != null) {
                    result.setErrorCode(failure.error().code()).setErrorMessage(failure.message());
                } else {
                    LOG.info("{} ({}) changed the SCRAM credentials of user {}", request.connection(),
                            request.principal(), user);
                }
                response.results().add(result);
            }
            if (error != null) {
                LOG.error("could not write the SCRAM credentials: {}", error.toString());
            }
            return new AlterUserScramCredentialsResponse(response);
        });
    }

    private static ScramMechanism mechanism(byte type) {
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            if (mechanism.type() == type) {
                return mechanism;
            }
        }
        return null;
    }

    private static Failure check(String user, ScramMechanism mechanism, Set<String> seen) {
        if (user == null || user.isEmpty()) {
            return new Failure(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        }
        if (mechanism == null) {
            return new Failure(Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
        }
        if (!seen.add(user)) {
            return new Failure(Errors.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
        }
        return null;
    }

    private static Failure checkUpsertion(AlterUserScramCredentialsRequestData.ScramCredentialUpsertion upsertion,
                                          ScramMechanism mechanism) {
        if (upsertion.iterations() < mechanism.minIterations()) {
            return new Failure(Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
        }
        if (upsertion.iterations() > mechanism.maxIterations()) {
            return new Failure(Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
        }
        if (upsertion.salt() == null || upsertion.salt().length == 0 || upsertion.saltedPassword() == null
                || upsertion.saltedPassword().length == 0) {
            return new Failure(Errors.UNACCEPTABLE_CREDENTIAL, "Salt and salted password must not be empty");
        }
        return null;
    }

    CompletionStage<AbstractResponse> describe(ClientRequest request, AbstractRequest body) {
        DescribeUserScramCredentialsRequestData data = ((DescribeUserScramCredentialsRequest) body).data();
        Map<String, Map<ScramMechanism, Integer>> all = store.describe();
        DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
        if (data.users() == null || data.users().isEmpty()) {
            all.forEach((user, iterations) -> response.results().add(result(user, iterations)));
        } else {
            Map<String, Integer> counts = new HashMap<>();
            data.users().forEach(u -> counts.merge(u.name(), 1, Integer::sum));
            Set<String> answered = new HashSet<>();
            for (DescribeUserScramCredentialsRequestData.UserName wanted : data.users()) {
                String user = wanted.name();
                if (!answered.add(user)) {
                    continue;
                }
                if (counts.get(user) > 1) {
                    response.results().add(new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
                            .setUser(user).setErrorCode(Errors.DUPLICATE_RESOURCE.code())
                            .setErrorMessage("Cannot describe SCRAM credentials for the same user twice in a single request"));
                } else if (!all.containsKey(user)) {
                    response.results().add(new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
                            .setUser(user).setErrorCode(Errors.RESOURCE_NOT_FOUND.code())
                            .setErrorMessage("Attempt to describe a user credential that does not exist"));
                } else {
                    response.results().add(result(user, all.get(user)));
                }
            }
        }
        return CompletableFuture.completedFuture(new DescribeUserScramCredentialsResponse(response));
    }

    private static DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult result(
            String user, Map<ScramMechanism, Integer> iterations) {
        DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult result =
                new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult().setUser(user);
        iterations.forEach((mechanism, count) -> result.credentialInfos().add(
                new DescribeUserScramCredentialsResponseData.CredentialInfo().setMechanism(mechanism.type())
                        .setIterations(count)));
        return result;
    }
}
