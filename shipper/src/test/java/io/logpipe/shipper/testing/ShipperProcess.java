package io.logpipe.shipper.testing;

import java.io.IOException;
import java.nio.file.Path;

/** A real shipper process ({@code Shipper -c CONFIG -e}) on the test classpath, its output in {@code log}. */
public final class ShipperProcess {
    private ShipperProcess() {
    }

    public static Process start(Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "io.logpipe.shipper.Shipper", "-c", config.toString(), "-e");
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        return pb.start();
    }
}
