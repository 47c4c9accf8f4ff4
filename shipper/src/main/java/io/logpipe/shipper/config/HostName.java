package io.logpipe.shipper.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's short host name, as filebeat reports it in {@code host.name}. */
public final class HostName {
    private HostName() {
    }

    public static String get() {
        try {
            String etc = Files.readString(Path.of("/etc/hostname")).trim();
            if (!etc.isEmpty()) {
                return etc;
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
