package io.logpipe.common.elasticsearch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** The dedicated unprivileged system user that Elasticsearch runs as when we are root (it refuses to run as root). */
public final class ServiceUser {
    /** The user's name, shared by the appliance and the test kit. */
    public static final String NAME = "logpipe-es";

    private ServiceUser() {
    }

    /** Creates {@code name} as a system user without home or login shell, unless it exists. */
    public static synchronized void ensureExists(String name, Consumer<String> log) throws IOException, InterruptedException {
        if (Commands.exitCode(List.of("id", "-u", name), Duration.ofSeconds(10)) == 0) {
            return;
        }
        log.accept("creating system user " + name + " to run Elasticsearch (it refuses to run as root)");
        Commands.run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name),
                Duration.ofSeconds(30));
    }

    /** Whether {@code user} can enter {@code dir}, or its nearest existing ancestor (so can reach what goes there). */
    public static boolean canReach(String user, Path dir) throws IOException, InterruptedException {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return false;
        }
        return Commands.exitCode(List.of("runuser", "-u", user, "--", "test", "-x", existing.toString()),
                Duration.ofSeconds(30)) == 0;
    }
}
