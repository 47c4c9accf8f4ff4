package io.logpipe.queue.network;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.log.Topic;
import io.logpipe.queue.security.Authorizer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.ListTransactionsResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Checks every API against the ACLs before its handler runs, as Kafka's request handlers do, and answers denials with
 * Kafka's codes. Per-resource APIs (Produce, Fetch, Metadata, CreateTopics, ...) hand their handler only the resources
 * the principal may use and add a TOPIC/GROUP_AUTHORIZATION_FAILED entry for each of the others; single-resource
 * APIs (JoinGroup, ACL management, ...) are answered with the error as a whole. What each API needs:
 * <ul>
 * <li>Produce WRITE topic; Fetch READ topic (a follower fetch CLUSTER_ACTION); ListOffsets DESCRIBE topic;</li>
 * <li>Metadata DESCRIBE topic (all-topics requests silently leave out the others), creating a missing topic CREATE
 * on the cluster or the topic;</li>
 * <li>CreateTopics CREATE cluster or topic; DeleteTopics DELETE; CreatePartitions ALTER; DescribeConfigs
 * DESCRIBE_CONFIGS and AlterConfigs/IncrementalAlterConfigs ALTER_CONFIGS, on the topic or (broker resources) the
 * cluster;</li>
 * <li>InitProducerId: IDEMPOTENT_WRITE on the cluster or WRITE on any topic; with a transactional id, WRITE on it;</li>
 * <li>FindCoordinator DESCRIBE group; JoinGroup, SyncGroup, Heartbeat, LeaveGroup READ group; OffsetCommit READ
 * group and READ topic; OffsetFetch READ group and DESCRIBE topic (unauthorized topics left out of an all-topics
 * fetch); OffsetDelete DELETE group and READ topic; DescribeGroups DESCRIBE group; ListGroups lists the groups the
 * principal may DESCRIBE (all with DESCRIBE on the cluster); DeleteGroups DELETE group;</li>
 * <li>the transaction APIs: WRITE on the transactional id (AddPartitionsToTxn also WRITE on the topics,
 * AddOffsetsToTxn and TxnOffsetCommit READ on the group), DESCRIBE on it to describe or list it; DescribeProducers
 * READ topic; WriteTxnMarkers CLUSTER_ACTION on the cluster;</li>
 * <li>CreateAcls, DeleteAcls ALTER cluster; DescribeAcls DESCRIBE cluster; DescribeCluster and ApiVersions need
 * nothing.</li>
 * </ul>
 * {@link #install} fails when an API is registered that this class has no rule for, so a new API cannot slip in
 * unchecked.
 */
final class RequestAuthorization {
    static final String CLUSTER = "kafka-cluster";
    private static final Set<AclOperation> TOPIC_OPERATIONS = EnumSet.of(AclOperation.READ, AclOperation.WRITE,
            AclOperation.CREATE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
    private static final Set<AclOperation> CLUSTER_OPERATIONS = EnumSet.of(AclOperation.CREATE, AclOperation.ALTER,
            AclOperation.DESCRIBE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE);
    private static final Set<AclOperation> GROUP_OPERATIONS = EnumSet.of(AclOperation.READ, AclOperation.DESCRIBE,
            AclOperation.DELETE);
    /** What a client may always ask: the versions, and proving who it is (SASL), as on Kafka. */
    private static final Set<ApiKeys> UNCHECKED = EnumSet.of(ApiKeys.API_VERSIONS, ApiKeys.SASL_HANDSHAKE,
            ApiKeys.SASL_AUTHENTICATE);

    private final Authorizer authorizer;
    private final LogManager logs;
    private final BrokerConfig config;

    private RequestAuthorization(Authorizer authorizer, LogManager logs, BrokerConfig config) {
        this.authorizer = authorizer;
        this.logs = logs;
        this.config = config;
    }

    /** Puts the checks in front of every handler of {@code api}. */
    static void install(KafkaApis api, Authorizer authorizer, LogManager logs, BrokerConfig config) {
        RequestAuthorization a = new RequestAuthorization(authorizer, logs, config);
        Map<ApiKeys, UnaryOperator<ApiHandler>> rules = Map.ofEntries(
                Map.entry(ApiKeys.PRODUCE, a::produce),
                Map.entry(ApiKeys.FETCH, a::fetch),
                Map.entry(ApiKeys.LIST_OFFSETS, a::listOffsets),
                Map.entry(ApiKeys.METADATA, a::metadata),
                Map.entry(ApiKeys.DESCRIBE_CLUSTER, a::describeCluster),
                Map.entry(ApiKeys.CREATE_TOPICS, a::createTopics),
                Map.entry(ApiKeys.DELETE_TOPICS, a::deleteTopics),
                Map.entry(ApiKeys.CREATE_PARTITIONS, a::createPartitions),
                Map.entry(ApiKeys.DESCRIBE_CONFIGS, a::describeConfigs),
                Map.entry(ApiKeys.ALTER_CONFIGS, a::alterConfigs),
                Map.entry(ApiKeys.INCREMENTAL_ALTER_CONFIGS, a::incrementalAlterConfigs),
                Map.entry(ApiKeys.INIT_PRODUCER_ID, a::initProducerId),
                Map.entry(ApiKeys.FIND_COORDINATOR, a::findCoordinator),
                Map.entry(ApiKeys.JOIN_GROUP, next -> a.group(next, AclOperation.READ,
                        body -> ((JoinGroupRequest) body).data().groupId())),
                Map.entry(ApiKeys.SYNC_GROUP, next -> a.group(next, AclOperation.READ,
                        body -> ((SyncGroupRequest) body).data().groupId())),
                Map.entry(ApiKeys.HEARTBEAT, next -> a.group(next, AclOperation.READ,
                        body -> ((HeartbeatRequest) body).data().groupId())),
                Map.entry(ApiKeys.LEAVE_GROUP, next -> a.group(next, AclOperation.READ,
                        body -> ((LeaveGroupRequest) body).data().groupId())),
                Map.entry(ApiKeys.OFFSET_DELETE, a::offsetDelete),
                // Kafka: WRITE on the transactional id for every step of a transaction, plus WRITE on the topics
                // added, READ on the group whose offsets it commits; DESCRIBE to see a transaction
                Map.entry(ApiKeys.ADD_PARTITIONS_TO_TXN, a::addPartitionsToTxn),
                Map.entry(ApiKeys.ADD_OFFSETS_TO_TXN, next -> a.transactional(a.group(next, AclOperation.READ,
                        body -> ((AddOffsetsToTxnRequest) body).data().groupId()), AclOperation.WRITE,
                        body -> ((AddOffsetsToTxnRequest) body).data().transactionalId())),
                Map.entry(ApiKeys.END_TXN, next -> a.transactional(next, AclOperation.WRITE,
                        body -> ((EndTxnRequest) body).data().transactionalId())),
                Map.entry(ApiKeys.TXN_OFFSET_COMMIT, next -> a.transactional(a.group(next, AclOperation.READ,
                        body -> ((TxnOffsetCommitRequest) body).data().groupId()), AclOperation.WRITE,
                        body -> ((TxnOffsetCommitRequest) body).data().transactionalId())),
                Map.entry(ApiKeys.DESCRIBE_TRANSACTIONS, a::describeTransactions),
                Map.entry(ApiKeys.LIST_TRANSACTIONS, a::listTransactions),
                // Kafka: READ on the topic to see its producers; writing markers is a broker's (or an operator's)
                // action, CLUSTER_ACTION on the cluster
                Map.entry(ApiKeys.DESCRIBE_PRODUCERS, a::describeProducers),
                Map.entry(ApiKeys.WRITE_TXN_MARKERS, next -> a.cluster(next, AclOperation.CLUSTER_ACTION)),
                Map.entry(ApiKeys.OFFSET_COMMIT, a::offsetCommit),
                Map.entry(ApiKeys.OFFSET_FETCH, a::offsetFetch),
                Map.entry(ApiKeys.DESCRIBE_GROUPS, a::describeGroups),
                Map.entry(ApiKeys.LIST_GROUPS, a::listGroups),
                Map.entry(ApiKeys.DELETE_GROUPS, a::deleteGroups),
                Map.entry(ApiKeys.CREATE_ACLS, next -> a.cluster(next, AclOperation.ALTER)),
                Map.entry(ApiKeys.DELETE_ACLS, next -> a.cluster(next, AclOperation.ALTER)),
                Map.entry(ApiKeys.DESCRIBE_ACLS, next -> a.cluster(next, AclOperation.DESCRIBE)),
                // Kafka: ALTER on the cluster to change SCRAM credentials, DESCRIBE to list them.
                Map.entry(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, next -> a.cluster(next, AclOperation.ALTER)),
                Map.entry(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, next -> a.cluster(next, AclOperation.DESCRIBE)));
        for (ApiKeys key : api.keys()) {
            UnaryOperator<ApiHandler> rule = rules.get(key);
            if (rule != null) {
                api.intercept(key, rule);
            } else if (!UNCHECKED.contains(key)) {
                throw new IllegalStateException(key + " is served but has no authorization rule");
            }
        }
    }

    // ---- decisions

    private boolean allowed(ClientRequest request, AclOperation operation, ResourceType type, String name) {
        return authorizer.authorize(request.principal(), request.clientHost(), operation, type, name);
    }

    /** Without the log line: for listings that leave out what the principal may not see. */
    private boolean visible(ClientRequest request, AclOperation operation, ResourceType type, String name) {
        return authorizer.isAllowed(request.principal(), request.clientHost(), operation, type, name);
    }

    private boolean clusterAllowed(ClientRequest request, AclOperation operation) {
        return allowed(request, operation, ResourceType.CLUSTER, CLUSTER);
    }

    /** CREATE on the cluster, or else on the topic (only the topic's denial is logged). */
    private boolean mayCreate(ClientRequest request, String topic) {
        return visible(request, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER)
                || allowed(request, AclOperation.CREATE, ResourceType.TOPIC, topic);
    }

    /** The name a topic is checked under: its name, or the name of the topic with that id (null if none). */
    private String topicName(String name, Uuid id) {
        if (name != null && !name.isEmpty()) {
            return name;
        }
        Topic topic = id == null || Uuid.ZERO_UUID.equals(id) ? null : logs.topic(id);
        return topic == null ? null : topic.name();
    }

    private static CompletionStage<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    private static short topicDenied() {
        return Errors.TOPIC_AUTHORIZATION_FAILED.code();
    }

    // ---- whole-request rules

    private ApiHandler cluster(ApiHandler next, AclOperation operation) {
        return (request, body) -> clusterAllowed(request, operation) ? next.handle(request, body)
                : done(body.getErrorResponse(new ClusterAuthorizationException("not authorized to " + operation
                + " the cluster")));
    }

    private ApiHandler group(ApiHandler next, AclOperation operation, Function<AbstractRequest, String> groupId) {
        return (request, body) -> {
            String group = groupId.apply(body);
            if (allowed(request, operation, ResourceType.GROUP, group)) {
                return next.handle(request, body);
            }
            return done(body.getErrorResponse(new GroupAuthorizationException("not authorized to access group "
                    + group, group)));
        };
    }

    // ---- per-resource requests

    /**
     * Hands {@code next} only the {@code items} that are {@code allowed} (through {@code keep}) and adds the
     * {@code denial} of each other item to the answers of its response; a request with nothing denied passes as is.
     */
    private static <I, A> CompletionStage<AbstractResponse> filtered(ApiHandler next, ClientRequest request,
            AbstractRequest body, Collection<I> items, Predicate<I> allowed, Function<I, A> denial,
            Consumer<List<I>> keep, Function<AbstractResponse, Collection<A>> answers) throws Exception {
        List<I> kept = new ArrayList<>();
        List<A> denied = new ArrayList<>();
        for (I item : items) {
            if (allowed.test(item)) {
                kept.add(item);
            } else {
                denied.add(denial.apply(item));
            }
        }
        if (denied.isEmpty()) {
            return next.handle(request, body);
        }
        keep.accept(kept);
        return next.handle(request, body).thenApply(response -> {
            if (response != null) { // acks=0: no answer at all
                answers.apply(response).addAll(denied);
            }
            return response;
        });
    }

    /** {@code items} in a fresh keyed collection of the generated message classes (an element lives in one only). */
    private static <C extends Collection<I>, I> C into(C collection, List<I> items) {
        collection.addAll(items);
        return collection;
    }

    // ---- topics

    /** Refuses the whole request unless the principal may do {@code operation} on its transactional id. */
    private ApiHandler transactional(ApiHandler next, AclOperation operation, Function<AbstractRequest, String> id) {
        return (request, body) -> {
            String transactionalId = id.apply(body);
            if (allowed(request, operation, ResourceType.TRANSACTIONAL_ID, transactionalId)) {
                return next.handle(request, body);
            }
            return done(body.getErrorResponse(new TransactionalIdAuthorizationException(
                    "not authorized to use transactional id " + transactionalId)));
        };
    }

    private ApiHandler addPartitionsToTxn(ApiHandler next) {
        return transactional((request, body) -> {
            AddPartitionsToTxnRequestData data = ((AddPartitionsToTxnRequest) body).data();
            List<TopicPartition> partitions = AddPartitionsToTxnRequest.getPartitions(data.v3AndBelowTopics());
            boolean denied = partitions.stream().anyMatch(tp ->
                    !allowed(request, AclOperation.WRITE, ResourceType.TOPIC, tp.topic()));
            if (!denied) {
                return next.handle(request, body);
            }
            Map<TopicPartition, Errors> errors = new java.util.HashMap<>();
            for (TopicPartition tp : partitions) {
                errors.put(tp, allowed(request, AclOperation.WRITE, ResourceType.TOPIC, tp.topic())
                        ? Errors.OPERATION_NOT_ATTEMPTED : Errors.TOPIC_AUTHORIZATION_FAILED);
            }
            return done(new AddPartitionsToTxnResponse(new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(
                    AddPartitionsToTxnResponse.resultForTransaction(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID,
                            errors).topicResults())));
        }, AclOperation.WRITE, body -> ((AddPartitionsToTxnRequest) body).data().v3AndBelowTransactionalId());
    }

    private ApiHandler describeTransactions(ApiHandler next) {
        return (request, body) -> {
            DescribeTransactionsRequestData data = ((DescribeTransactionsRequest) body).data();
            List<String> denied = new ArrayList<>();
            List<String> kept = new ArrayList<>();
            for (String id : data.transactionalIds()) {
                (allowed(request, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id) ? kept : denied).add(id);
            }
            data.setTransactionalIds(kept);
            return next.handle(request, body).thenApply(response -> {
                for (String id : denied) {
                    ((DescribeTransactionsResponse) response).data().transactionStates().add(
                            new DescribeTransactionsResponseData.TransactionState().setTransactionalId(id)
                                    .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())
                                    .setTransactionState("").setProducerId(-1).setProducerEpoch((short) -1)
                                    .setTransactionStartTimeMs(-1));
                }
                return response;
            });
        };
    }

    /** DescribeProducers: TOPIC_AUTHORIZATION_FAILED for each partition of a topic the principal may not READ. */
    private ApiHandler describeProducers(ApiHandler next) {
        return (request, body) -> {
            DescribeProducersRequestData data = ((DescribeProducersRequest) body).data();
            return filtered(next, request, body, data.topics(),
                    topic -> allowed(request, AclOperation.READ, ResourceType.TOPIC, topic.name()), topic -> {
                        DescribeProducersResponseData.TopicResponse answer =
                                new DescribeProducersResponseData.TopicResponse().setName(topic.name());
                        for (int partition : topic.partitionIndexes()) {
                            answer.partitions().add(new DescribeProducersResponseData.PartitionResponse()
                                    .setPartitionIndex(partition).setErrorCode(topicDenied()));
                        }
                        return answer;
                    }, kept -> data.setTopics(kept),
                    response -> ((DescribeProducersResponse) response).data().topics());
        };
    }

    /** ListTransactions names only the transactional ids the principal may describe. */
    private ApiHandler listTransactions(ApiHandler next) {
        return (request, body) -> next.handle(request, body).thenApply(response -> {
            ((ListTransactionsResponse) response).data().transactionStates().removeIf(state ->
                    !visible(request, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, state.transactionalId()));
            return response;
        });
    }

    private ApiHandler produce(ApiHandler next) {
        return (request, body) -> {
            ProduceRequestData data = ((ProduceRequest) body).data();
            if (data.transactionalId() != null
                    && !allowed(request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, data.transactionalId())) {
                return done(body.getErrorResponse(new TransactionalIdAuthorizationException(
                        "not authorized to use transactional id " + data.transactionalId())));
            }
            return filtered(next, request, body, data.topicData(), topic -> {
                String name = topicName(topic.name(), topic.topicId());
                return name == null || allowed(request, AclOperation.WRITE, ResourceType.TOPIC, name);
            }, topic -> {
                ProduceResponseData.TopicProduceResponse answer = new ProduceResponseData.TopicProduceResponse()
                        .setName(topic.name()).setTopicId(topic.topicId());
                for (ProduceRequestData.PartitionProduceData p : topic.partitionData()) {
                    answer.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse()
                            .setIndex(p.index()).setErrorCode(topicDenied()).setBaseOffset(-1)
                            .setLogAppendTimeMs(-1).setLogStartOffset(-1));
                }
                return answer;
            }, kept -> data.setTopicData(into(new ProduceRequestData.TopicProduceDataCollection(), kept)),
                    response -> ((ProduceResponse) response).data().responses());
        };
    }

    private ApiHandler fetch(ApiHandler next) {
        return (request, body) -> {
            FetchRequest fetch = (FetchRequest) body;
            if (fetch.replicaId() >= 0 && !clusterAllowed(request, AclOperation.CLUSTER_ACTION)) {
                return done(fetch.getErrorResponse(new ClusterAuthorizationException("replica fetches need "
                        + "CLUSTER_ACTION on the cluster")));
            }
            FetchRequestData data = fetch.data();
            return filtered(next, request, body, data.topics(), topic -> {
                String name = topicName(topic.topic(), topic.topicId());
                return name == null || allowed(request, AclOperation.READ, ResourceType.TOPIC, name);
            }, topic -> {
                FetchResponseData.FetchableTopicResponse answer = new FetchResponseData.FetchableTopicResponse()
                        .setTopic(topic.topic()).setTopicId(topic.topicId());
                for (FetchRequestData.FetchPartition p : topic.partitions()) {
                    answer.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                            .setErrorCode(topicDenied()).setHighWatermark(-1).setLastStableOffset(-1)
                            .setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY));
                }
                return answer;
            }, data::setTopics, response -> ((FetchResponse) response).data().responses());
        };
    }

    private ApiHandler listOffsets(ApiHandler next) {
        return (request, body) -> {
            ListOffsetsRequestData data = ((ListOffsetsRequest) body).data();
            return filtered(next, request, body, data.topics(),
                    topic -> allowed(request, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name()), topic -> {
                        ListOffsetsResponseData.ListOffsetsTopicResponse answer =
                                new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name());
                        for (ListOffsetsRequestData.ListOffsetsPartition p : topic.partitions()) {
                            answer.partitions().add(new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                                    .setPartitionIndex(p.partitionIndex()).setErrorCode(topicDenied()).setOffset(-1)
                                    .setTimestamp(-1));
                        }
                        return answer;
                    }, data::setTopics, response -> ((ListOffsetsResponse) response).data().topics());
        };
    }

    /**
     * Requested topics the principal may not DESCRIBE, or may not create while they do not exist and the request
     * would create them, are taken out of the request and answered TOPIC_AUTHORIZATION_FAILED; an all-topics request
     * lists only the topics the principal may DESCRIBE. Authorized operations are filled in when asked for.
     */
    private ApiHandler metadata(ApiHandler next) {
        return (request, body) -> {
            MetadataRequest metadata = (MetadataRequest) body;
            MetadataRequestData data = metadata.data();
            boolean all = metadata.isAllTopics();
            boolean creates = config.autoCreateTopics() && (request.version() < 4 || data.allowAutoTopicCreation());
            List<MetadataResponseData.MetadataResponseTopic> denied = new ArrayList<>();
            if (!all) {
                List<MetadataRequestData.MetadataRequestTopic> kept = new ArrayList<>();
                for (MetadataRequestData.MetadataRequestTopic wanted : data.topics()) {
                    String name = topicName(wanted.name(), wanted.topicId());
                    boolean ok = name == null
                            || allowed(request, AclOperation.DESCRIBE, ResourceType.TOPIC, name)
                            && (!creates || logs.topic(name) != null || mayCreate(request, name));
                    if (ok) {
                        kept.add(wanted);
                    } else {
                        denied.add(new MetadataResponseData.MetadataResponseTopic().setName(wanted.name())
                                .setTopicId(wanted.topicId() == null ? Uuid.ZERO_UUID : wanted.topicId())
                                .setErrorCode(topicDenied()));
                    }
                }
                data.setTopics(kept);
            }
            // v0 reads an empty topic list as "all topics": when every requested topic was denied, none is listed
            boolean noneLeft = !all && data.topics().isEmpty();
            return next.handle(request, body).thenApply(response -> {
                MetadataResponseData answer = ((MetadataResponse) response).data();
                answer.topics().removeIf(topic -> noneLeft
                        || all && !visible(request, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name()));
                if (data.includeTopicAuthorizedOperations()) {
                    for (MetadataResponseData.MetadataResponseTopic topic : answer.topics()) {
                        if (topic.errorCode() == 0) {
                            topic.setTopicAuthorizedOperations(authorizer.authorizedOperations(request.principal(),
                                    request.clientHost(), ResourceType.TOPIC, topic.name(), TOPIC_OPERATIONS));
                        }
                    }
                }
                if (data.includeClusterAuthorizedOperations()) {
                    answer.setClusterAuthorizedOperations(authorizer.authorizedOperations(request.principal(),
                            request.clientHost(), ResourceType.CLUSTER, CLUSTER, CLUSTER_OPERATIONS));
                }
                answer.topics().addAll(denied);
                return response;
            });
        };
    }

    private ApiHandler describeCluster(ApiHandler next) {
        return (request, body) -> next.handle(request, body).thenApply(response -> {
            if (((DescribeClusterRequest) body).data().includeClusterAuthorizedOperations()) {
                ((DescribeClusterResponse) response).data().setClusterAuthorizedOperations(
                        authorizer.authorizedOperations(request.principal(), request.clientHost(),
                                ResourceType.CLUSTER, CLUSTER, CLUSTER_OPERATIONS));
            }
            return response;
        });
    }

    private ApiHandler createTopics(ApiHandler next) {
        return (request, body) -> {
            CreateTopicsRequestData data = ((CreateTopicsRequest) body).data();
            return filtered(next, request, body, data.topics(), topic -> mayCreate(request, topic.name()),
                    topic -> new CreateTopicsResponseData.CreatableTopicResult().setName(topic.name())
                            .setErrorCode(topicDenied()).setNumPartitions(-1).setReplicationFactor((short) -1),
                    kept -> data.setTopics(into(new CreateTopicsRequestData.CreatableTopicCollection(), kept)),
                    response -> ((CreateTopicsResponse) response).data().topics());
        };
    }

    /** Names of the old versions are checked as the newer versions' topic states, which the handler reads alike. */
    private ApiHandler deleteTopics(ApiHandler next) {
        return (request, body) -> {
            DeleteTopicsRequestData data = ((DeleteTopicsRequest) body).data();
            List<DeleteTopicsRequestData.DeleteTopicState> states = new ArrayList<>(data.topics());
            data.topicNames().forEach(name -> states.add(new DeleteTopicsRequestData.DeleteTopicState().setName(name)));
            data.setTopicNames(new ArrayList<>()).setTopics(states);
            return filtered(next, request, body, states, state -> {
                String name = topicName(state.name(), state.topicId());
                return name == null || allowed(request, AclOperation.DELETE, ResourceType.TOPIC, name);
            }, state -> new DeleteTopicsResponseData.DeletableTopicResult().setName(state.name())
                    .setTopicId(state.topicId()).setErrorCode(topicDenied()),
                    data::setTopics, response -> ((DeleteTopicsResponse) response).data().responses());
        };
    }

    private ApiHandler createPartitions(ApiHandler next) {
        return (request, body) -> {
            CreatePartitionsRequestData data = ((CreatePartitionsRequest) body).data();
            return filtered(next, request, body, data.topics(),
                    topic -> allowed(request, AclOperation.ALTER, ResourceType.TOPIC, topic.name()),
                    topic -> new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(topic.name())
                            .setErrorCode(topicDenied()),
                    kept -> data.setTopics(into(new CreatePartitionsRequestData.CreatePartitionsTopicCollection(), kept)),
                    response -> ((CreatePartitionsResponse) response).data().results());
        };
    }

    /** The error for {@code operation} on a config resource, or NONE; unknown resource types are the handler's. */
    private Errors configDenial(ClientRequest request, AclOperation operation, byte type, String name) {
        if (type == ConfigResource.Type.TOPIC.id()) {
            return allowed(request, operation, ResourceType.TOPIC, name) ? Errors.NONE
                    : Errors.TOPIC_AUTHORIZATION_FAILED;
        }
        if (type == ConfigResource.Type.BROKER.id() || type == ConfigResource.Type.BROKER_LOGGER.id()) {
            return clusterAllowed(request, operation) ? Errors.NONE : Errors.CLUSTER_AUTHORIZATION_FAILED;
        }
        return Errors.NONE;
    }

    private ApiHandler describeConfigs(ApiHandler next) {
        return (request, body) -> {
            DescribeConfigsRequestData data = ((DescribeConfigsRequest) body).data();
            return filtered(next, request, body, data.resources(), resource -> configDenial(request,
                    AclOperation.DESCRIBE_CONFIGS, resource.resourceType(), resource.resourceName()) == Errors.NONE,
                    resource -> {
                        Errors error = configDenial(request, AclOperation.DESCRIBE_CONFIGS, resource.resourceType(),
                                resource.resourceName());
                        return new DescribeConfigsResponseData.DescribeConfigsResult()
                                .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                                .setErrorCode(error.code()).setErrorMessage(error.message());
                    }, data::setResources, response -> ((DescribeConfigsResponse) response).data().results());
        };
    }

    private ApiHandler alterConfigs(ApiHandler next) {
        return (request, body) -> {
            AlterConfigsRequestData data = ((AlterConfigsRequest) body).data();
            return filtered(next, request, body, data.resources(), resource -> configDenial(request,
                    AclOperation.ALTER_CONFIGS, resource.resourceType(), resource.resourceName()) == Errors.NONE,
                    resource -> {
                        Errors error = configDenial(request, AclOperation.ALTER_CONFIGS, resource.resourceType(),
                                resource.resourceName());
                        return new AlterConfigsResponseData.AlterConfigsResourceResponse()
                                .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                                .setErrorCode(error.code()).setErrorMessage(error.message());
                    }, kept -> data.setResources(into(new AlterConfigsRequestData.AlterConfigsResourceCollection(),
                            kept)), response -> ((AlterConfigsResponse) response).data().responses());
        };
    }

    private ApiHandler incrementalAlterConfigs(ApiHandler next) {
        return (request, body) -> {
            IncrementalAlterConfigsRequestData data = ((IncrementalAlterConfigsRequest) body).data();
            return filtered(next, request, body, data.resources(), resource -> configDenial(request,
                    AclOperation.ALTER_CONFIGS, resource.resourceType(), resource.resourceName()) == Errors.NONE,
                    resource -> {
                        Errors error = configDenial(request, AclOperation.ALTER_CONFIGS, resource.resourceType(),
                                resource.resourceName());
                        return new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                                .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                                .setErrorCode(error.code()).setErrorMessage(error.message());
                    }, kept -> data.setResources(into(
                            new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection(), kept)),
                    response -> ((IncrementalAlterConfigsResponse) response).data().responses());
        };
    }

    private ApiHandler initProducerId(ApiHandler next) {
        return (request, body) -> {
            InitProducerIdRequestData data = ((InitProducerIdRequest) body).data();
            if (data.transactionalId() != null) {
                if (!allowed(request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, data.transactionalId())) {
                    return done(body.getErrorResponse(new TransactionalIdAuthorizationException(
                            "not authorized to use transactional id " + data.transactionalId())));
                }
                return next.handle(request, body);
            }
            boolean idempotent = visible(request, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER)
                    || authorizer.authorizeAny(request.principal(), request.clientHost(), AclOperation.WRITE,
                    ResourceType.TOPIC);
            return idempotent ? next.handle(request, body) : done(body.getErrorResponse(
                    new ClusterAuthorizationException("an idempotent producer needs IDEMPOTENT_WRITE on the cluster "
                            + "or WRITE on a topic")));
        };
    }

    // ---- groups

    private ApiHandler findCoordinator(ApiHandler next) {
        return (request, body) -> {
            FindCoordinatorRequestData data = ((FindCoordinatorRequest) body).data();
            boolean transaction = data.keyType() == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id();
            ResourceType type = transaction ? ResourceType.TRANSACTIONAL_ID : ResourceType.GROUP;
            Errors error = transaction ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : Errors.GROUP_AUTHORIZATION_FAILED;
            if (request.version() < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
                if (!allowed(request, AclOperation.DESCRIBE, type, data.key())) {
                    return done(FindCoordinatorResponse.prepareOldResponse(error, org.apache.kafka.common.Node.noNode()));
                }
                return next.handle(request, body);
            }
            Set<String> denied = new HashSet<>();
            for (String key : data.coordinatorKeys()) {
                if (!allowed(request, AclOperation.DESCRIBE, type, key)) {
                    denied.add(key);
                }
            }
            if (denied.isEmpty()) {
                return next.handle(request, body);
            }
            return next.handle(request, body).thenApply(response -> {
                for (FindCoordinatorResponseData.Coordinator c : ((FindCoordinatorResponse) response).data().coordinators()) {
                    if (denied.contains(c.key())) {
                        c.setErrorCode(error.code()).setErrorMessage(error.message()).setNodeId(-1).setHost("")
                                .setPort(-1);
                    }
                }
                return response;
            });
        };
    }

    private ApiHandler offsetCommit(ApiHandler next) {
        ApiHandler topics = (request, body) -> {
            OffsetCommitRequestData data = ((OffsetCommitRequest) body).data();
            return filtered(next, request, body, data.topics(), topic -> {
                String name = topicName(topic.name(), topic.topicId());
                return name == null || allowed(request, AclOperation.READ, ResourceType.TOPIC, name);
            }, topic -> {
                OffsetCommitResponseData.OffsetCommitResponseTopic answer =
                        new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(topic.name())
                                .setTopicId(topic.topicId());
                for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                    answer.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(topicDenied()));
                }
                return answer;
            }, data::setTopics, response -> ((OffsetCommitResponse) response).data().topics());
        };
        return group(topics, AclOperation.READ, body -> ((OffsetCommitRequest) body).data().groupId());
    }

    /**
     * READ on each group (a denied group of a batched request gets GROUP_AUTHORIZATION_FAILED, the others are
     * answered), then DESCRIBE on each topic of the answer: a requested topic the principal may not describe gets
     * TOPIC_AUTHORIZATION_FAILED, and an all-topics fetch leaves it out.
     */
    private ApiHandler offsetFetch(ApiHandler next) {
        return (request, body) -> {
            OffsetFetchRequestData data = ((OffsetFetchRequest) body).data();
            if (request.version() < 8) {
                if (!allowed(request, AclOperation.READ, ResourceType.GROUP, data.groupId())) {
                    return done(body.getErrorResponse(new GroupAuthorizationException("not authorized to access "
                            + "group " + data.groupId(), data.groupId())));
                }
                boolean allTopics = data.topics() == null;
                return next.handle(request, body).thenApply(response -> {
                    OffsetFetchResponseData answer = ((OffsetFetchResponse) response).data();
                    filterOffsets(request, allTopics, answer.topics(), OffsetFetchResponseData.OffsetFetchResponseTopic::name,
                            topic -> topic.partitions().forEach(p -> p.setErrorCode(topicDenied()).setCommittedOffset(-1)));
                    return response;
                });
            }
            List<OffsetFetchRequestData.OffsetFetchRequestGroup> kept = new ArrayList<>();
            List<OffsetFetchResponseData.OffsetFetchResponseGroup> denied = new ArrayList<>();
            Set<String> allTopicGroups = new HashSet<>();
            for (OffsetFetchRequestData.OffsetFetchRequestGroup group : data.groups()) {
                if (allowed(request, AclOperation.READ, ResourceType.GROUP, group.groupId())) {
                    kept.add(group);
                    if (group.topics() == null) {
                        allTopicGroups.add(group.groupId());
                    }
                } else {
                    denied.add(new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(group.groupId())
                            .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
                }
            }
            data.setGroups(kept);
            return next.handle(request, body).thenApply(response -> {
                OffsetFetchResponseData answer = ((OffsetFetchResponse) response).data();
                for (OffsetFetchResponseData.OffsetFetchResponseGroup group : answer.groups()) {
                    filterOffsets(request, allTopicGroups.contains(group.groupId()), group.topics(),
                            topic -> topicName(topic.name(), topic.topicId()),
                            topic -> topic.partitions().forEach(p -> p.setErrorCode(topicDenied())
                                    .setCommittedOffset(-1)));
                }
                answer.groups().addAll(denied);
                return response;
            });
        };
    }

    private <T> void filterOffsets(ClientRequest request, boolean allTopics, List<T> topics, Function<T, String> name,
                                   java.util.function.Consumer<T> deny) {
        if (allTopics) {
            topics.removeIf(topic -> {
                String n = name.apply(topic);
                return n != null && !visible(request, AclOperation.DESCRIBE, ResourceType.TOPIC, n);
            });
            return;
        }
        for (T topic : topics) {
            String n = name.apply(topic);
            if (n != null && !allowed(request, AclOperation.DESCRIBE, ResourceType.TOPIC, n)) {
                deny.accept(topic);
            }
        }
    }

    private ApiHandler describeGroups(ApiHandler next) {
        return (request, body) -> next.handle(request, body).thenApply(response -> {
            List<DescribeGroupsResponseData.DescribedGroup> groups = ((DescribeGroupsResponse) response).data().groups();
            boolean withOperations = ((DescribeGroupsRequest) body).data().includeAuthorizedOperations();
            for (int i = 0; i < groups.size(); i++) {
                DescribeGroupsResponseData.DescribedGroup group = groups.get(i);
                if (!allowed(request, AclOperation.DESCRIBE, ResourceType.GROUP, group.groupId())) {
                    groups.set(i, DescribeGroupsResponse.groupError(group.groupId(), Errors.GROUP_AUTHORIZATION_FAILED));
                } else if (withOperations) {
                    group.setAuthorizedOperations(authorizer.authorizedOperations(request.principal(),
                            request.clientHost(), ResourceType.GROUP, group.groupId(), GROUP_OPERATIONS));
                }
            }
            return response;
        });
    }

    private ApiHandler listGroups(ApiHandler next) {
        return (request, body) -> next.handle(request, body).thenApply(response -> {
            if (!visible(request, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER)) {
                ((ListGroupsResponse) response).data().groups().removeIf(group ->
                        !visible(request, AclOperation.DESCRIBE, ResourceType.GROUP, group.groupId()));
            }
            return response;
        });
    }

    /** DELETE on the group, then READ on each topic whose offsets go. */
    private ApiHandler offsetDelete(ApiHandler next) {
        ApiHandler topics = (request, body) -> {
            OffsetDeleteRequestData data = ((OffsetDeleteRequest) body).data();
            return filtered(next, request, body, data.topics(),
                    topic -> allowed(request, AclOperation.READ, ResourceType.TOPIC, topic.name()), topic -> {
                        OffsetDeleteResponseData.OffsetDeleteResponseTopic answer =
                                new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(topic.name());
                        for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : topic.partitions()) {
                            answer.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                                    .setPartitionIndex(p.partitionIndex()).setErrorCode(topicDenied()));
                        }
                        return answer;
                    }, kept -> data.setTopics(into(new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection(),
                            kept)), response -> ((OffsetDeleteResponse) response).data().topics());
        };
        return group(topics, AclOperation.DELETE, body -> ((OffsetDeleteRequest) body).data().groupId());
    }

    private ApiHandler deleteGroups(ApiHandler next) {
        return (request, body) -> {
            var data = ((DeleteGroupsRequest) body).data();
            return filtered(next, request, body, data.groupsNames(),
                    group -> allowed(request, AclOperation.DELETE, ResourceType.GROUP, group),
                    group -> new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(group)
                            .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()),
                    data::setGroupsNames, response -> ((DeleteGroupsResponse) response).data().results());
        };
    }
}
