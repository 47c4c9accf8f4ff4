package io.logpipe.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** The dedicated unprivileged system user that servers refusing root (Elasticsearch) run as. */
final class ServiceUser {
    private ServiceUser() {
    }

    static synchronized void ensureExists(String name) throws IOException, InterruptedException {
        if (Processes.exitCode(List.of("id", "-u", name), Duration.ofSeconds(10)) == 0) {
            return;
        }
        ElasticsearchNode.log("creating system user " + name + " to run Elasticsearch (it refuses to run as root)");
        Processes.run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name),
                Duration.ofSeconds(30));
    }
}
