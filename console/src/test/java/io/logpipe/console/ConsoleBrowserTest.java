package io.logpipe.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page in a real headless Chromium (Debian's chromium and chromedriver), against {@link ConsoleFixture}'s real
 * pipeline. One browser for the class, one walk through the pages: each loads without a console error, and its
 * screenshot is saved under target/screenshots/ to be looked at.
 */
class ConsoleBrowserTest {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static ConsoleFixture f;
    private static WebDriver driver;
    private static Path profile;

    @BeforeAll
    static void start() throws Exception {
        f = ConsoleFixture.shared();
        profile = Files.createTempDirectory("chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(System.getProperty("console.chromium", "/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(System.getProperty("console.chromedriver", "/usr/bin/chromedriver")).toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
    }

    @Test
    void searchFindsAShippedLineDrawsItsHistogramOpensSurroundingLinesAndTailsNewOnes() throws Exception {
        driver.get(f.url + "/#search");
        waitFor("the newest lines listed", () -> rows().size() > 0);
        waitFor("histogram bars", () -> !driver.findElements(By.cssSelector("#histogram rect.bar")).isEmpty());
        // dragging across the histogram zooms the search to that range
        WebElement histogram = driver.findElement(By.id("histogram"));
        int width = histogram.getSize().getWidth();
        String before = driver.findElement(By.id("hit-count")).getText();
        new Actions(driver).moveToElement(histogram, -width / 4, 0).clickAndHold().moveByOffset(width / 8, 0).release().perform();
        waitFor("the dragged range searched", () -> !driver.findElement(By.id("hit-count")).getText().equals(before));
        assertEquals("absolute", new Select(driver.findElement(By.id("quick"))).getFirstSelectedOption().getAttribute("value"));
        String zoomedFrom = driver.findElement(By.id("from")).getAttribute("value");
        assertTrue(driver.findElement(By.id("hit-count")).getText().contains(zoomedFrom.replace("T", " ")),
                driver.findElement(By.id("hit-count")).getText() + " vs " + zoomedFrom);
        new Select(driver.findElement(By.id("quick"))).selectByValue("now-24h");

        search("\"request 10\"");
        waitFor("one hit for request 10", () -> rows().size() == 1 && rows().get(0).getText().contains("request 10"));
        assertTrue(driver.findElement(By.id("hit-count")).getText().startsWith("1 hits"));
        assertEquals(1, driver.findElements(By.cssSelector("#histogram rect.bar")).size(), "one line, one bar");
        rows().get(0).click();
        WebElement details = driver.findElement(By.cssSelector("#hits tr.details"));
        assertTrue(details.getText().contains("log.file.path"), "the fields as a table");
        details.findElement(By.cssSelector("button.surrounding-button")).click();
        waitFor("surrounding lines", () -> details.findElements(By.cssSelector(".surrounding tr")).size() == 21);
        String anchor = details.findElement(By.cssSelector(".surrounding tr.anchor")).getText();
        assertTrue(anchor.contains("1000") && anchor.contains("request 10"), anchor);
        assertNoConsoleErrors("search");
        screenshot("search");

        String marker = "browsertail" + System.nanoTime();
        search("message:" + marker);
        waitFor("no hits yet", () -> driver.findElement(By.id("hit-count")).getText().startsWith("0 hits"));
        driver.findElement(By.id("tail-button")).click();
        waitFor("the tail ready", () -> driver.findElement(By.id("tail-status")).getText()
                .equals("tailing: new lines appear on top"));
        f.produce(List.of(ConsoleFixture.line(Instant.now(), "web-9", "/var/log/tail.log", 0, "first " + marker)));
        waitFor("the tailed line", () -> driver.findElement(By.id("hits")).getText().contains("first " + marker));
        driver.findElement(By.id("pause-button")).click();
        f.produce(List.of(ConsoleFixture.line(Instant.now(), "web-9", "/var/log/tail.log", 100, "second " + marker)));
        waitFor("a line waiting while paused", () -> driver.findElement(By.id("tail-status")).getText().equals("paused, 1 new"));
        assertTrue(!driver.findElement(By.id("hits")).getText().contains("second " + marker), "paused: not shown");
        driver.findElement(By.id("pause-button")).click();
        waitFor("the waiting line shown on resume", () -> driver.findElement(By.id("hits")).getText().contains("second " + marker));
        driver.findElement(By.id("tail-button")).click();
        assertNoConsoleErrors("live tail");
    }

    @Test
    void pipelineQueueIndicesAndDeadLetterPagesLoadAndTheResetPreviewShowsTheLag() throws Exception {
        // Lines flowing while the page samples (each refresh, every 5 s), so that rates and charts show them.
        Thread traffic = new Thread(() -> {
            for (int i = 0; i < 8 && !Thread.currentThread().isInterrupted(); i++) {
                List<String> batch = new java.util.ArrayList<>();
                for (int j = 0; j < 50; j++) {
                    batch.add(ConsoleFixture.line(Instant.now(), "web-" + (j % 3 + 1), "/var/log/flow.log", i * 50L + j,
                            "GET /flow 200 line " + (i * 50 + j)));
                }
                f.produce(batch);
                try {
                    f.shipLines(batch.stream().map(l -> "shipped " + l).toList());
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        traffic.start();
        driver.get(f.url + "/#pipeline");
        waitFor("the stages", () -> driver.findElements(By.cssSelector("#flow .stage")).size() == 5);
        waitFor("events flowing out of the indexer", () -> {
            String out = driver.findElement(By.id("stage-indexer")).getText();
            return !driver.findElements(By.cssSelector("#chart-out polyline")).isEmpty()
                    && !out.contains("events/s out 0.0");
        });
        // the shipper box with the shipper's own figures, from its stats endpoint
        waitFor("the shipper's own rate", () -> {
            String shipper = driver.findElement(By.id("stage-shipper")).getText();
            return shipper.contains("files open 1") && shipper.matches("(?s).*this host's shipper [0-9.,]+/s.*")
                    && !shipper.contains("this host's shipper 0.0/s");
        });
        assertTrue(redrawn(() -> driver.findElement(By.id("stage-indices")).getAttribute("class")).contains("ok"));
        // the shipper's own rate as a time series, beside the topic's
        waitFor("the chart of the shipper's rate", () ->
                !driver.findElements(By.cssSelector("#chart-shipper polyline")).isEmpty());
        // disk use of the queue's and the indexer's data dirs, with the free space of their disks
        String queueDisk = redrawn(() -> driver.findElement(By.id("disk-queue")).getText());
        assertTrue(queueDisk.contains(f.broker.directory().toAbsolutePath().normalize().toString())
                && queueDisk.matches("(?s).*\\d+(\\.\\d+)? (B|KB|MB|GB).*\\(\\d+%\\).*"), queueDisk);
        String indexerDisk = redrawn(() -> driver.findElement(By.id("disk-indexer")).getText());
        assertTrue(indexerDisk.matches("(?s).*\\(\\d+%\\).*"), indexerDisk);
        // the arrow into the topic with this host's shipper's failed sends, none here
        String toTopic = redrawn(() -> driver.findElement(By.id("arrow-shipper-topic")).getText());
        assertTrue(toTopic.contains("failed sends (retried) 0") && toTopic.contains("dropped 0"), toTopic);
        assertNoConsoleErrors("pipeline");
        screenshot("pipeline");
        traffic.join();

        String group = "browser-reset-" + System.nanoTime();
        long total = commitAtEnd(group);
        driver.get(f.url + "/#queue");
        waitFor("the group listed", () -> driver.findElement(By.id("groups")).getText().contains(group));
        assertTrue(driver.findElement(By.id("topics")).getText().contains(ConsoleFixture.TOPIC));
        driver.findElement(By.id("reset-group")).sendKeys(group);
        new Select(driver.findElement(By.id("reset-target"))).selectByVisibleText("earliest");
        driver.findElement(By.cssSelector("#reset-form button[type=submit]")).click();
        waitFor("the preview", () -> !driver.findElements(By.id("reset-table")).isEmpty());
        String heading = driver.findElement(By.cssSelector("#reset-preview h3")).getText();
        assertTrue(heading.contains("lag after " + String.format("%,d", total)), heading + " (expected " + total + ")");
        long lagAfter = driver.findElements(By.cssSelector("#reset-table td.lag-after")).stream()
                .mapToLong(td -> Long.parseLong(td.getText().replace(",", ""))).sum();
        assertEquals(total, lagAfter);
        assertNoConsoleErrors("queue");
        screenshot("queue");

        driver.get(f.url + "/#indices");
        waitFor("the indices", () -> driver.findElement(By.id("indices")).getText().contains("console-app-"));
        assertTrue(driver.findElement(By.id("rules")).getText().contains("keep 5d"));
        assertNoConsoleErrors("indices");
        screenshot("indices");

        driver.get(f.url + "/#dead-letters");
        waitFor("the dead letters", () -> driver.findElement(By.id("dlq-dir")).getText().contains("dead_letter_queue"));
        assertNoConsoleErrors("dead letters");
        screenshot("dead-letters");
    }

    private static List<WebElement> rows() {
        return driver.findElements(By.cssSelector("#hits tr.hit"));
    }

    @Test
    void thePipelinePageShowsTheOutputsRetriesAndDeadLetteredDocumentsOnTheArrowInWarningColour() throws Exception {
        FailingIndexer indexer = FailingIndexer.shared();
        io.logpipe.console.config.ConsoleConfig c = f.config("127.0.0.1", List.of());
        try (io.logpipe.console.web.ConsoleServer failing = io.logpipe.console.web.ConsoleServer.start(
                new io.logpipe.console.config.ConsoleConfig(c.host(), c.port(), c.elasticsearchHosts(),
                        c.elasticsearchUser(), c.elasticsearchPassword(), c.kafkaBootstrapServers(), indexer.api,
                        indexer.pipelines, c.retentionConfig(), c.deadLetterQueue(), c.defaultIndexPattern(),
                        c.users(), c.shipperApi(), c.dataDirs(), c.loginLimit()),
                System::getenv, java.time.Clock.systemUTC(), "test")) {
            driver.get("http://127.0.0.1:" + failing.port() + "/#pipeline");
            waitFor("the arrow into the indices", () -> !driver.findElements(By.id("arrow-indexer-indices")).isEmpty());
            String shown = redrawn(() -> driver.findElement(By.id("arrow-indexer-indices")).getText());
            long retriesNow = indexer.output(FailingIndexer.REFUSED_OUTPUT).path("retries").asLong();
            java.util.regex.Matcher retried = java.util.regex.Pattern.compile("retried docs ([0-9,]+)").matcher(shown);
            assertTrue(retried.find(), shown);
            long retriesShown = Long.parseLong(retried.group(1).replace(",", ""));
            assertTrue(retriesShown > 0 && retriesShown <= retriesNow, shown + " vs " + retriesNow);
            assertTrue(shown.contains("failed docs (DLQ) 1"), shown);
            assertTrue(shown.contains("last at " + FailingIndexer.CONFLICT_OUTPUT + ": "), shown);
            // both figures are nonzero: in warning colour, and so is the arrow
            WebElement arrow = driver.findElement(By.id("arrow-indexer-indices"));
            assertTrue(arrow.getAttribute("class").contains("warning"), arrow.getAttribute("class"));
            assertEquals(2, arrow.findElements(By.cssSelector(".metric.nonzero")).size());
            assertTrue(redrawn(() -> driver.findElement(By.id("stage-indexer")).getText()).contains("dead letters 1"));
            assertNoConsoleErrors("pipeline with failures");
            screenshot("pipeline-failures");
        }
    }

    private static void search(String query) {
        WebElement box = driver.findElement(By.id("query"));
        box.clear();
        box.sendKeys(query);
        driver.findElement(By.id("search-button")).click();
    }

    /** What a part of a page that redraws itself says, read again if it was redrawn between finding and reading. */
    private static String redrawn(java.util.function.Supplier<String> read) {
        for (int attempt = 1; ; attempt++) {
            try {
                return read.get();
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static void waitFor(String what, java.util.function.BooleanSupplier condition) {
        // The pages redraw their parts on each refresh: an element found an instant before may be gone, so try again.
        new WebDriverWait(driver, Duration.ofSeconds(60)).withMessage(what)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> condition.getAsBoolean());
    }

    private static void assertNoConsoleErrors(String page) {
        List<LogEntry> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertTrue(errors.isEmpty(), page + ": console errors: "
                + errors.stream().map(LogEntry::getMessage).collect(Collectors.joining("; ")));
    }

    private static void screenshot(String name) throws Exception {
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    /** A group that has committed the end of every partition and left: Empty, lag 0. Returns the messages. */
    private static long commitAtEnd(String group) {
        Properties props = new Properties();
        props.put("bootstrap.servers", f.broker.bootstrapServers());
        props.put("group.id", group);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            Map<TopicPartition, Long> end = consumer.endOffsets(List.of(new TopicPartition(ConsoleFixture.TOPIC, 0),
                    new TopicPartition(ConsoleFixture.TOPIC, 1)));
            Map<TopicPartition, OffsetAndMetadata> commit = new java.util.HashMap<>();
            end.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
            consumer.commitSync(commit);
            return end.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
