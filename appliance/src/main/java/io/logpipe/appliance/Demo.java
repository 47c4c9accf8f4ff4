package io.logpipe.appliance;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Random;

/**
 * {@code up --demo}: a log of the appliance's own in {@code DATA/demo/logs/access.log} — nginx access lines and,
 * now and then, an application error line followed by a Java stack trace — and a shipper config that harvests it
 * into topic {@code nginx.access}, joining each stack trace to its error line (lines that start neither with an
 * address nor with a date belong to the event before). The file is cut back to empty when it passes 10 MB; the
 * shipper reads truncations as a new file.
 */
final class Demo implements AutoCloseable {
    static final long MAX_BYTES = 10L * 1024 * 1024;
    private static final DateTimeFormatter NGINX = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
    private static final String[] PATHS = {"/", "/index.html", "/api/orders", "/api/orders/42", "/login", "/static/app.js"};
    private static final int[] STATUSES = {200, 200, 200, 200, 304, 404, 500};

    private final Path log;
    private final Clock clock;
    private final Random random = new Random();
    private final Thread writer;
    private volatile boolean running = true;
    private long written;

    private Demo(Path log, Clock clock) {
        this.log = log;
        this.clock = clock;
        this.writer = new Thread(this::run, "demo-log");
        this.writer.setDaemon(true);
    }

    /** Writes the demo shipper config under {@code dataDir}/demo and returns its path. */
    static Path writeShipperConfig(Path dataDir) throws IOException {
        Path dir = dataDir.resolve("demo");
        Files.createDirectories(dir.resolve("logs"));
        Path config = dir.resolve("shipper.yml");
        Files.writeString(config, """
                # Written by bin/appliance up --demo: ships the demo log to topic nginx.access.
                filebeat.inputs:
                  - type: log
                    paths:
                      - %s/logs/*.log
                    fields:
                      log_topic: nginx.access
                    multiline.type: pattern
                    multiline.pattern: '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3} |^\\d{4}-\\d{2}-\\d{2}'
                    multiline.negate: true
                    multiline.match: after
                    multiline.timeout: 2s

                output.kafka:
                  hosts: ["${KAFKA_BOOTSTRAP_SERVERS:127.0.0.1:9092}"]
                  topic: '%%{[fields.log_topic]}'
                  required_acks: 1
                """.formatted(dir.toAbsolutePath()));
        return config;
    }

    /** Starts writing about five events a second to {@code dataDir}/demo/logs/access.log. */
    static Demo start(Path dataDir, Clock clock) throws IOException {
        Path log = dataDir.resolve("demo").resolve("logs").resolve("access.log");
        Files.createDirectories(log.getParent());
        Demo demo = new Demo(log, clock);
        demo.writer.start();
        return demo;
    }

    Path log() {
        return log;
    }

    private void run() {
        try {
            written = Files.exists(log) ? Files.size(log) : 0;
            long sequence = 0;
            while (running) {
                append(event(sequence++));
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            System.err.println("appliance: the demo log " + log + " cannot be written: " + e.getMessage());
        }
    }

    /** One event: an access line, or every 15th an error line with its stack trace (several lines, one event). */
    String event(long sequence) {
        ZonedDateTime now = ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC);
        if (sequence % 15 == 14) {
            return now.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME) + " ERROR [orders] request " + sequence + " failed\n"
                    + "java.lang.IllegalStateException: order " + sequence + " has no customer\n"
                    + "\tat com.example.orders.OrderService.place(OrderService.java:87)\n"
                    + "\tat com.example.orders.OrderController.post(OrderController.java:41)\n"
                    + "\tat java.base/java.lang.Thread.run(Thread.java:840)\n"
                    + "Caused by: java.lang.NullPointerException: customer\n"
                    + "\t... 3 more\n";
        }
        String path = PATHS[random.nextInt(PATHS.length)];
        int status = STATUSES[random.nextInt(STATUSES.length)];
        return "10.0.%d.%d - - [%s] \"GET %s HTTP/1.1\" %d %d \"-\" \"Mozilla/5.0 (demo)\"\n".formatted(
                random.nextInt(4), 1 + random.nextInt(250), now.format(NGINX), path, status, 200 + random.nextInt(5000));
    }

    private void append(String event) throws IOException {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        boolean truncate = written + bytes.length > MAX_BYTES;
        try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.CREATE,
                truncate ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND)) {
            // One write per event: the shipper never sees half a stack trace.
            out.write(bytes);
        }
        written = (truncate ? 0 : written) + bytes.length;
    }

    @Override
    public void close() {
        running = false;
        writer.interrupt();
    }
}
