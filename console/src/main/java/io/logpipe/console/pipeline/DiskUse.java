package io.logpipe.console.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.console.es.ElasticsearchRest;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What a component's data dir takes on disk and what its file system has left: the bytes of its files (a walk,
 * so call it off the event loop) and the usable and total space of the file store it is on. A dir that is not
 * there (the part runs on another host) says so instead of counting zero.
 */
final class DiskUse {
    private DiskUse() {
    }

    static ObjectNode of(String name, Path dir) {
        ObjectNode out = ElasticsearchRest.JSON.createObjectNode().put("name", name)
                .put("path", dir.toAbsolutePath().normalize().toString());
        if (!Files.isDirectory(dir)) {
            return out.put("error", "no such directory on this host");
        }
        try {
            FileStore store = Files.getFileStore(dir);
            return out.put("used_bytes", bytes(dir)).put("free_bytes", store.getUsableSpace())
                    .put("total_bytes", store.getTotalSpace());
        } catch (IOException e) {
            return out.put("error", e.toString());
        }
    }

    private static long bytes(Path dir) throws IOException {
        long[] sum = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                sum[0] += attributes.isRegularFile() ? attributes.size() : 0;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // deleted while walking (a segment retention removed): not there
            }
        });
        return sum[0];
    }
}
