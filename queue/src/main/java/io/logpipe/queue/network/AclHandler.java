package io.logpipe.queue.network;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.logpipe.queue.security.Authorizer;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.CreateAclsResponse;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.SecurityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateAcls, DescribeAcls and DeleteAcls (Admin.createAcls/describeAcls/deleteAcls, {@code kafka-acls}) over the
 * {@link io.logpipe.queue.security.AclStore}. Who may call them (ALTER or DESCRIBE on the cluster) is checked by
 * {@link RequestAuthorization}. Without an authorizer they answer SECURITY_DISABLED, as Kafka does. New bindings are
 * validated as Kafka validates them: a concrete resource type, pattern type, operation and permission, a
 * {@code Type:name} principal, and the cluster resource named {@code kafka-cluster}.
 */
final class AclHandler {
    private static final Logger LOG = LoggerFactory.getLogger(AclHandler.class);
    private static final String DISABLED = "no authorizer is configured on this broker (set authorizer.class.name)";

    /** The authorizer, or null when ACLs are off. */
    private final Authorizer authorizer;

    AclHandler(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    CompletionStage<AbstractResponse> createAcls(ClientRequest request, AbstractRequest body) throws IOException {
        CreateAclsRequest create = (CreateAclsRequest) body;
        if (authorizer == null) {
            return done(create.getErrorResponse(new SecurityDisabledException(DISABLED)));
        }
        CreateAclsResponseData response = new CreateAclsResponseData();
        List<AclBinding> valid = new ArrayList<>();
        for (CreateAclsRequestData.AclCreation creation : create.aclCreations()) {
            CreateAclsResponseData.AclCreationResult result = new CreateAclsResponseData.AclCreationResult();
            try {
                AclBinding binding = validate(CreateAclsRequest.aclBinding(creation));
                valid.add(binding);
            } catch (InvalidRequestException e) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(e.getMessage());
            }
            response.results().add(result);
        }
        if (!valid.isEmpty()) {
            authorizer.store().add(valid);
            for (AclBinding binding : valid) {
                LOG.info("{} from {} added ACL {}", request.principal(), request.clientHost(), binding);
            }
        }
        return done(new CreateAclsResponse(response));
    }

    private static AclBinding validate(AclBinding binding) {
        ResourcePattern pattern = binding.pattern();
        if (pattern.resourceType() == ResourceType.ANY || pattern.resourceType() == ResourceType.UNKNOWN) {
            throw new InvalidRequestException("ACL resource type must be TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, "
                    + "DELEGATION_TOKEN or USER, not " + pattern.resourceType());
        }
        if (pattern.patternType() != PatternType.LITERAL && pattern.patternType() != PatternType.PREFIXED) {
            throw new InvalidRequestException("ACL pattern type must be LITERAL or PREFIXED, not " + pattern.patternType());
        }
        if (pattern.name() == null || pattern.name().isEmpty()) {
            throw new InvalidRequestException("ACL resource name must not be empty");
        }
        if (pattern.resourceType() == ResourceType.CLUSTER && !pattern.name().equals("kafka-cluster")) {
            throw new InvalidRequestException("the cluster resource is named kafka-cluster, not " + pattern.name());
        }
        if (binding.entry().operation() == AclOperation.ANY || binding.entry().operation() == AclOperation.UNKNOWN) {
            throw new InvalidRequestException("ACL operation must be concrete, not " + binding.entry().operation());
        }
        AclPermissionType permission = binding.entry().permissionType();
        if (permission != AclPermissionType.ALLOW && permission != AclPermissionType.DENY) {
            throw new InvalidRequestException("ACL permission must be ALLOW or DENY, not " + permission);
        }
        try {
            SecurityUtils.parseKafkaPrincipal(binding.entry().principal());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("ACL principal '" + binding.entry().principal()
                    + "' is not Type:name (e.g. User:alice)");
        }
        if (binding.entry().host() == null || binding.entry().host().isEmpty()) {
            throw new InvalidRequestException("ACL host must be * or an IP address");
        }
        return binding;
    }

    CompletionStage<AbstractResponse> describeAcls(ClientRequest request, AbstractRequest body) {
        DescribeAclsRequest describe = (DescribeAclsRequest) body;
        if (authorizer == null) {
            return done(describe.getErrorResponse(new SecurityDisabledException(DISABLED)));
        }
        AclBindingFilter filter = describe.filter();
        DescribeAclsResponseData response = new DescribeAclsResponseData()
                .setResources(DescribeAclsResponse.aclsResources(authorizer.store().matching(filter)));
        return done(new DescribeAclsResponse(response, request.version()));
    }

    CompletionStage<AbstractResponse> deleteAcls(ClientRequest request, AbstractRequest body) throws IOException {
        DeleteAclsRequest delete = (DeleteAclsRequest) body;
        if (authorizer == null) {
            return done(delete.getErrorResponse(new SecurityDisabledException(DISABLED)));
        }
        List<List<AclBinding>> removed = authorizer.store().remove(delete.filters());
        DeleteAclsResponseData response = new DeleteAclsResponseData();
        for (List<AclBinding> matched : removed) {
            DeleteAclsResponseData.DeleteAclsFilterResult result = new DeleteAclsResponseData.DeleteAclsFilterResult();
            for (AclBinding binding : matched) {
                result.matchingAcls().add(DeleteAclsResponse.matchingAcl(binding, ApiError.NONE));
                LOG.info("{} from {} removed ACL {}", request.principal(), request.clientHost(), binding);
            }
            response.filterResults().add(result);
        }
        return done(new DeleteAclsResponse(response, request.version()));
    }

    private static CompletionStage<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
