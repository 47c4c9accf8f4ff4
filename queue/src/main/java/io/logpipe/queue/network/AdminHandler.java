package io.logpipe.queue.network;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.log.Topic;
import io.logpipe.queue.log.TopicConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin APIs an AdminClient needs to manage topics: CreateTopics, DeleteTopics, CreatePartitions and
 * DescribeConfigs, IncrementalAlterConfigs. Replication factors above 1 are refused (one replica here); topics follow
 * the broker's log.* settings, which DescribeConfigs reports under their topic-level names, except for the overrides
 * in {@link TopicConfig} that a topic was created or altered with.
 */
final class AdminHandler {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
    private final BrokerConfig config;
    private final LogManager logs;
    private final int nodeId;

    AdminHandler(BrokerConfig config, LogManager logs, int nodeId) {
        this.config = config;
        this.logs = logs;
        this.nodeId = nodeId;
    }

    CompletionStage<AbstractResponse> createTopics(ClientRequest request, AbstractRequest body) {
        CreateTopicsRequestData data = ((CreateTopicsRequest) body).data();
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        for (CreateTopicsRequestData.CreatableTopic wanted : data.topics()) {
            CreateTopicsResponseData.CreatableTopicResult result = new CreateTopicsResponseData.CreatableTopicResult()
                    .setName(wanted.name()).setNumPartitions(-1).setReplicationFactor((short) -1);
            try {
                int partitions = wanted.numPartitions();
                if (!wanted.assignments().isEmpty()) {
                    for (CreateTopicsRequestData.CreatableReplicaAssignment a : wanted.assignments()) {
                        if (!a.brokerIds().equals(List.of(nodeId))) {
                            throw new InvalidReplicaAssignmentException("partition " + a.partitionIndex()
                                    + " is assigned to brokers " + a.brokerIds() + "; only broker " + nodeId + " exists");
                        }
                    }
                    partitions = wanted.assignments().size();
                } else if (partitions == CreateTopicsRequest.NO_NUM_PARTITIONS) {
                    partitions = config.numPartitions();
                }
                short replication = wanted.replicationFactor();
                if (replication != CreateTopicsRequest.NO_REPLICATION_FACTOR && replication != 1 && wanted.assignments().isEmpty()) {
                    throw new InvalidReplicationFactorException("replication factor " + replication
                            + " is not possible: this broker keeps one replica of each partition");
                }
                if (partitions < 1) {
                    throw new InvalidPartitionsException("number of partitions must be at least 1, got " + partitions);
                }
                TopicConfig overrides = overrides(wanted);
                Topic topic;
                if (data.validateOnly()) {
                    org.apache.kafka.common.internals.Topic.validate(wanted.name());
                    if (logs.topic(wanted.name()) != null) {
                        throw new TopicExistsException("topic '" + wanted.name() + "' already exists");
                    }
                    result.setNumPartitions(partitions).setReplicationFactor((short) 1);
                } else {
                    topic = logs.createTopic(wanted.name(), partitions, overrides);
                    result.setTopicId(topic.id()).setNumPartitions(partitions).setReplicationFactor((short) 1);
                }
                result.setConfigs(topicConfigs(overrides));
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            } catch (IOException e) {
                LOG.error("creating topic {} failed: {}", wanted.name(), e.toString());
                result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
            }
            response.topics().add(result);
        }
        return CompletableFuture.completedFuture(new CreateTopicsResponse(response));
    }

    /**
     * The overrides a CreateTopics entry asks for: supported keys are validated (INVALID_CONFIG naming the key);
     * Kafka topic keys this broker does not implement get one warning and are not stored.
     */
    private static TopicConfig overrides(CreateTopicsRequestData.CreatableTopic wanted) {
        Map<String, String> supported = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        for (CreateTopicsRequestData.CreatableTopicConfig c : wanted.configs()) {
            if (TopicConfig.SUPPORTED.contains(c.name())) {
                supported.put(c.name(), c.value());
            } else {
                ignored.add(c.name());
            }
        }
        TopicConfig overrides = TopicConfig.of(supported);
        if (!ignored.isEmpty()) {
            LOG.warn("topic {}: config overrides {} are not supported here and not stored (supported: {})",
                    wanted.name(), ignored, new java.util.TreeSet<>(TopicConfig.SUPPORTED));
        }
        return overrides;
    }

    private List<CreateTopicsResponseData.CreatableTopicConfigs> topicConfigs(TopicConfig overrides) {
        List<CreateTopicsResponseData.CreatableTopicConfigs> configs = new ArrayList<>();
        for (var e : topicSettings(overrides).entrySet()) {
            configs.add(new CreateTopicsResponseData.CreatableTopicConfigs().setName(e.getKey())
                    .setValue(e.getValue().value()).setReadOnly(false).setConfigSource(e.getValue().source().id())
                    .setIsSensitive(false));
        }
        return configs;
    }

    CompletionStage<AbstractResponse> deleteTopics(ClientRequest request, AbstractRequest body) {
        DeleteTopicsRequestData data = ((DeleteTopicsRequest) body).data();
        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        List<DeleteTopicsRequestData.DeleteTopicState> wanted = new ArrayList<>(data.topics());
        for (String name : data.topicNames()) {
            wanted.add(new DeleteTopicsRequestData.DeleteTopicState().setName(name));
        }
        for (DeleteTopicsRequestData.DeleteTopicState state : wanted) {
            DeleteTopicsResponseData.DeletableTopicResult result = new DeleteTopicsResponseData.DeletableTopicResult()
                    .setName(state.name()).setTopicId(state.topicId());
            Topic topic = state.name() != null ? logs.topic(state.name())
                    : state.topicId() != null && !Uuid.ZERO_UUID.equals(state.topicId()) ? logs.topic(state.topicId()) : null;
            try {
                if (topic == null) {
                    result.setErrorCode((state.name() == null ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                } else {
                    logs.deleteTopic(topic.name());
                    result.setName(topic.name()).setTopicId(topic.id());
                }
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            } catch (IOException e) {
                LOG.error("deleting topic {} failed: {}", topic.name(), e.toString());
                result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
            }
            response.responses().add(result);
        }
        return CompletableFuture.completedFuture(new DeleteTopicsResponse(response));
    }

    CompletionStage<AbstractResponse> createPartitions(ClientRequest request, AbstractRequest body) {
        CreatePartitionsRequestData data = ((CreatePartitionsRequest) body).data();
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        for (CreatePartitionsRequestData.CreatePartitionsTopic wanted : data.topics()) {
            CreatePartitionsResponseData.CreatePartitionsTopicResult result =
                    new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(wanted.name());
            try {
                Topic topic = logs.topic(wanted.name());
                if (topic == null) {
                    throw new UnknownTopicOrPartitionException("topic '" + wanted.name() + "' does not exist");
                }
                if (wanted.count() <= topic.partitions().size()) {
                    throw new InvalidPartitionsException("topic '" + wanted.name() + "' has "
                            + topic.partitions().size() + " partitions; the new count must be larger, got " + wanted.count());
                }
                if (!data.validateOnly()) {
                    logs.createPartitions(wanted.name(), wanted.count());
                }
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            } catch (IOException e) {
                result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(new CreatePartitionsResponse(response));
    }

    /** A setting's value and where it comes from; {@code synonyms} lists the levels it is set at, most specific first. */
    private record Setting(String value, DescribeConfigsResponse.ConfigSource source, DescribeConfigsResponse.ConfigType type,
                           List<DescribeConfigsResponseData.DescribeConfigsSynonym> synonyms) {
        Setting(String value, DescribeConfigsResponse.ConfigSource source, DescribeConfigsResponse.ConfigType type) {
            this(value, source, type, List.of());
        }

        static DescribeConfigsResponseData.DescribeConfigsSynonym synonym(String name, String value,
                                                                           DescribeConfigsResponse.ConfigSource source) {
            return new DescribeConfigsResponseData.DescribeConfigsSynonym().setName(name).setValue(value)
                    .setSource(source.id());
        }
    }

    /** The topic-level names of the broker settings, with the topic's {@code overrides} on top. */
    private Map<String, Setting> topicSettings(TopicConfig overrides) {
        Map<String, Setting> settings = new LinkedHashMap<>();
        put(settings, "segment.bytes", "log.segment.bytes", DescribeConfigsResponse.ConfigType.INT);
        put(settings, "segment.ms", "log.roll.ms", DescribeConfigsResponse.ConfigType.LONG);
        put(settings, "segment.index.bytes", "log.index.size.max.bytes", DescribeConfigsResponse.ConfigType.INT);
        put(settings, "index.interval.bytes", "log.index.interval.bytes", DescribeConfigsResponse.ConfigType.INT);
        put(settings, "flush.messages", "log.flush.interval.messages", DescribeConfigsResponse.ConfigType.LONG);
        put(settings, "flush.ms", "log.flush.interval.ms", DescribeConfigsResponse.ConfigType.LONG);
        put(settings, "max.message.bytes", "message.max.bytes", DescribeConfigsResponse.ConfigType.INT);
        put(settings, "retention.ms", "log.retention.ms", DescribeConfigsResponse.ConfigType.LONG);
        put(settings, "retention.bytes", "log.retention.bytes", DescribeConfigsResponse.ConfigType.LONG);
        settings.put("cleanup.policy", new Setting("delete", DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG,
                DescribeConfigsResponse.ConfigType.LIST));
        settings.put("compression.type", new Setting("producer", DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG,
                DescribeConfigsResponse.ConfigType.STRING));
        settings.put("message.timestamp.type", new Setting("CreateTime",
                DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG, DescribeConfigsResponse.ConfigType.STRING));
        settings.put("min.insync.replicas", new Setting("1", DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG,
                DescribeConfigsResponse.ConfigType.INT));
        overrides.overrides().forEach((key, value) -> {
            Setting inherited = settings.get(key);
            List<DescribeConfigsResponseData.DescribeConfigsSynonym> synonyms = new ArrayList<>();
            synonyms.add(Setting.synonym(key, value, DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG));
            synonyms.addAll(inherited.synonyms());
            settings.put(key, new Setting(value, DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG, inherited.type(),
                    synonyms));
        });
        return settings;
    }

    private void put(Map<String, Setting> settings, String topicKey, String brokerKey, DescribeConfigsResponse.ConfigType type) {
        String value = config.effectiveValues().get(brokerKey);
        if (brokerKey.equals("log.roll.ms")) {
            value = Long.toString(config.logRollMs());
        } else if (brokerKey.equals("log.retention.ms")) {
            value = Long.toString(config.logRetentionMs());
        }
        boolean explicit = config.explicitKeys().contains(brokerKey)
                || brokerKey.equals("log.roll.ms") && config.explicitKeys().contains("log.roll.hours")
                || brokerKey.equals("log.retention.ms") && (config.explicitKeys().contains("log.retention.hours")
                || config.explicitKeys().contains("log.retention.minutes"));
        DescribeConfigsResponse.ConfigSource source = explicit ? DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG
                : DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG;
        settings.put(topicKey, new Setting(value, source, type, List.of(Setting.synonym(brokerKey, value, source))));
    }

    private Map<String, Setting> brokerSettings() {
        Map<String, Setting> settings = new LinkedHashMap<>();
        config.effectiveValues().forEach((key, value) -> settings.put(key, new Setting(value,
                config.explicitKeys().contains(key) ? DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG
                        : DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG,
                DescribeConfigsResponse.ConfigType.STRING)));
        return settings;
    }

    CompletionStage<AbstractResponse> describeConfigs(ClientRequest request, AbstractRequest body) {
        DescribeConfigsRequestData data = ((DescribeConfigsRequest) body).data();
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResponseData.DescribeConfigsResult result = new DescribeConfigsResponseData.DescribeConfigsResult()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            Map<String, Setting> settings = null;
            boolean readOnly = false;
            if (resource.resourceType() == ConfigResource.Type.TOPIC.id()) {
                if (logs.topic(resource.resourceName()) == null) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("topic '" + resource.resourceName() + "' does not exist");
                } else {
                    settings = topicSettings(logs.topicConfig(resource.resourceName()));
                }
            } else if (resource.resourceType() == ConfigResource.Type.BROKER.id()) {
                if (!resource.resourceName().isEmpty() && !resource.resourceName().equals(Integer.toString(nodeId))) {
                    result.setErrorCode(Errors.INVALID_REQUEST.code())
                            .setErrorMessage("this is broker " + nodeId + ", not broker " + resource.resourceName());
                } else {
                    settings = brokerSettings();
                    readOnly = true;
                }
            } else {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("resource type " + resource.resourceType() + " is not supported");
            }
            if (settings != null) {
                for (var e : settings.entrySet()) {
                    if (resource.configurationKeys() != null && !resource.configurationKeys().contains(e.getKey())) {
                        continue;
                    }
                    result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                            .setName(e.getKey()).setValue(e.getValue().value()).setReadOnly(readOnly)
                            .setConfigSource(e.getValue().source().id()).setIsSensitive(false)
                            .setConfigType(e.getValue().type().id())
                            .setSynonyms(data.includeSynonyms() ? e.getValue().synonyms() : List.of()));
                }
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(new DescribeConfigsResponse(response));
    }

    /** The answer for one resource of an alter request. */
    private record Outcome(Errors error, String message) {
        static final Outcome NONE = new Outcome(Errors.NONE, null);
    }

    /**
     * Applies {@code change} to the overrides of one resource: topics only, stored with the topic and applied to its
     * running logs at once. Broker settings come from server.properties only, so BROKER resources are refused.
     */
    private Outcome alterResource(byte resourceType, String resourceName, UnaryOperator<TopicConfig> change,
                                  boolean validateOnly) {
        try {
            if (resourceType == ConfigResource.Type.TOPIC.id()) {
                logs.alterTopicConfig(resourceName, change, validateOnly);
                return Outcome.NONE;
            } else if (resourceType == ConfigResource.Type.BROKER.id()
                    || resourceType == ConfigResource.Type.BROKER_LOGGER.id()) {
                throw new InvalidRequestException("broker settings cannot be changed at run time here: edit "
                        + "server.properties (or pass --override key=value) and restart the broker");
            } else {
                throw new InvalidRequestException("resource type " + resourceType + " is not supported");
            }
        } catch (ApiException e) {
            return new Outcome(Errors.forException(e), e.getMessage());
        } catch (IOException e) {
            LOG.error("altering configs of topic {} failed: {}", resourceName, e.toString());
            return new Outcome(Errors.KAFKA_STORAGE_ERROR, e.getMessage());
        }
    }

    /**
     * IncrementalAlterConfigs: SET and DELETE of the supported topic overrides. APPEND/SUBTRACT make no sense on
     * these scalar keys.
     */
    CompletionStage<AbstractResponse> incrementalAlterConfigs(ClientRequest request, AbstractRequest body) {
        IncrementalAlterConfigsRequestData data = ((IncrementalAlterConfigsRequest) body).data();
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            Outcome outcome = alterResource(resource.resourceType(), resource.resourceName(),
                    current -> incrementally(current, resource), data.validateOnly());
            response.responses().add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorCode(outcome.error().code()).setErrorMessage(outcome.message()));
        }
        return CompletableFuture.completedFuture(new IncrementalAlterConfigsResponse(response));
    }

    private static TopicConfig incrementally(TopicConfig current,
                                             IncrementalAlterConfigsRequestData.AlterConfigsResource resource) {
        TopicConfig updated = current;
        for (IncrementalAlterConfigsRequestData.AlterableConfig change : resource.configs()) {
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(change.configOperation());
            if (op == null) {
                throw new InvalidRequestException("unknown config operation " + change.configOperation()
                        + " for " + change.name());
            }
            switch (op) {
                case SET -> updated = updated.with(change.name(), change.value());
                case DELETE -> {
                    TopicConfig.validateKey(change.name());
                    updated = updated.with(change.name(), null);
                }
                default -> throw new InvalidConfigurationException("topic config " + change.name() + ": " + op
                        + " applies to list-valued configs only; use SET or DELETE");
            }
        }
        return updated;
    }

    /**
     * The legacy AlterConfigs (Admin.alterConfigs, deprecated): the given entries become the topic's whole set of
     * overrides, so a key left out returns to the broker default, as in Kafka. Entries without a value count as left
     * out; one bad entry refuses the resource and nothing of it is applied.
     */
    CompletionStage<AbstractResponse> alterConfigs(ClientRequest request, AbstractRequest body) {
        AlterConfigsRequestData data = ((AlterConfigsRequest) body).data();
        AlterConfigsResponseData response = new AlterConfigsResponseData();
        for (AlterConfigsRequestData.AlterConfigsResource resource : data.resources()) {
            Outcome outcome = alterResource(resource.resourceType(), resource.resourceName(), current -> {
                Map<String, String> wanted = new LinkedHashMap<>();
                for (AlterConfigsRequestData.AlterableConfig config : resource.configs()) {
                    if (config.value() != null) {
                        wanted.put(config.name(), config.value());
                    }
                }
                return TopicConfig.of(wanted);
            }, data.validateOnly());
            response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorCode(outcome.error().code()).setErrorMessage(outcome.message()));
        }
        return CompletableFuture.completedFuture(new AlterConfigsResponse(response));
    }
}
