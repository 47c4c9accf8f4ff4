package io.logpipe.testkit;

import io.logpipe.common.elasticsearch.Commands;
import io.logpipe.common.elasticsearch.ServiceUser;
import java.io.IOException;
import java.nio.file.Path;

/** Where the test kit finds the Elasticsearch distribution Maven resolved, and where it unpacks it and runs nodes. */
final class Distribution {
    /** Set by the parent pom's surefire configuration. */
    static final String ZIP_PROPERTY = "testkit.es.zip";
    static final String DIR_PROPERTY = "testkit.dir";

    private Distribution() {
    }

    static Path zip() {
        return Path.of(required(ZIP_PROPERTY));
    }

    /**
     * The module's target/testkit. When we are root, Elasticsearch runs as {@link ServiceUser#NAME}, which must reach
     * that directory; if target/ sits below a directory it cannot enter (such as /root), /var/tmp is used instead.
     */
    static synchronized Path base() throws IOException, InterruptedException {
        Path base = Path.of(System.getProperty(DIR_PROPERTY, "target/testkit")).toAbsolutePath();
        if (Commands.currentUid() == 0) {
            ServiceUser.ensureExists(ServiceUser.NAME, ElasticsearchNode::log);
            if (!ServiceUser.canReach(ServiceUser.NAME, base)) {
                Path fallback = Path.of("/var/tmp/logpipe-testkit", Integer.toHexString(base.toString().hashCode()));
                ElasticsearchNode.log(base + " is not reachable by user " + ServiceUser.NAME + "; using " + fallback);
                base = fallback;
            }
        }
        return base;
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set; run the tests through Maven "
                    + "(the parent pom sets it for surefire)");
        }
        return value;
    }
}
