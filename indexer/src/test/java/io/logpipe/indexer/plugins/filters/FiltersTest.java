package io.logpipe.indexer.plugins.filters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.plugins.FilterHarness;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FiltersTest {

    private static Event run(String filter, Event event) {
        return FilterHarness.of(filter).run(event);
    }

    @Test
    void jsonParsesIntoTheRootOrATargetAndTagsInvalidJson() {
        Event root = run("json { source => \"message\" }",
                Event.withMessage("{\"status\":404,\"@timestamp\":\"2024-02-03T04:05:06.000Z\",\"tags\":[\"x\"]}"));
        assertEquals(404L, root.get("status"));
        assertEquals(Instant.parse("2024-02-03T04:05:06Z"), root.timestamp());
        assertTrue(root.hasTag("x"));
        Event target = run("json { source => \"message\" target => \"[parsed]\" }", Event.withMessage("[1,2]"));
        assertEquals(List.of(1L, 2L), target.get("[parsed]"));
        Event bad = run("json { source => \"message\" add_tag => [\"parsed\"] }", Event.withMessage("{not json"));
        assertEquals(List.of("_jsonparsefailure"), bad.tags());
        assertEquals("{not json", bad.get("message"));
        Event skipped = run("json { source => \"message\" skip_on_invalid_json => true }", Event.withMessage("nope"));
        assertTrue(skipped.tags().isEmpty());
    }

    @Test
    void mutateOperations() {
        Event event = Event.withMessage("  Hello World  ");
        event.set("old", "v");
        event.set("num", "42");
        event.set("ratio", "1,5");
        event.set("flag", "yes");
        event.set("path", "a/b/c");
        event.set("csv", "x,y,z");
        event.set("parts", new ArrayList<>(List.of("p", "q")));
        event.set("[src][a]", 1L);
        event.set("[dst][b]", 2L);
        run("""
                mutate {
                  rename => { "old" => "[new][name]" }
                  replace => { "replaced" => "%{[new][name]}-r" }
                  update => { "missing" => "never" "num" => "%{num}" }
                  convert => { "num" => "integer" "ratio" => "float_eu" "flag" => "boolean" }
                  gsub => [ "path", "/", "_" ]
                  uppercase => [ "csv" ]
                  lowercase => [ "path" ]
                  strip => [ "message" ]
                  split => { "csv" => "," }
                  join => { "parts" => "+" }
                  merge => { "[dst]" => "[src]" }
                  copy => { "[new][name]" => "copied" }
                  add_field => { "added" => "%{[new][name]}" }
                  remove_field => [ "[src]" ]
                }""", event);
        assertNull(event.get("old"));
        assertEquals("v", event.get("[new][name]"));
        assertEquals("v-r", event.get("replaced"));
        assertFalse(event.includes("missing"));
        assertEquals(42L, event.get("num"));
        assertEquals(1.5, event.get("ratio"));
        assertEquals(true, event.get("flag"));
        assertEquals("a_b_c", event.get("path"));
        assertEquals(List.of("X", "Y", "Z"), event.get("csv"));
        assertEquals("p+q", event.get("parts"));
        assertEquals("Hello World", event.get("message"));
        assertEquals(Map.of("a", 1L, "b", 2L), event.get("[dst]"));
        assertEquals("v", event.get("copied"));
        assertEquals("v", event.get("added"));
        assertNull(event.get("[src]"));
    }

    @Test
    void mutateRejectsWrongSettingsAtStart() {
        ConfigException type = assertThrows(ConfigException.class,
                () -> FilterHarness.of("mutate { convert => { \"a\" => \"decimal\" } }"));
        assertTrue(type.getMessage().startsWith("test.conf:2:10: filter 'mutate' setting 'convert'"), type.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> FilterHarness.of("mutate { lowercsae => [\"a\"] }"));
        assertTrue(unknown.getMessage().startsWith("test.conf:2:10: unknown setting 'lowercsae' for filter 'mutate'"),
                unknown.getMessage());
        assertThrows(ConfigException.class, () -> FilterHarness.of("mutate { gsub => [\"a\", \"b\"] }"));
    }

    @Test
    void dateParsesJodaPatternsIsoAndUnixIntoTimestamp() {
        Event apache = Event.withMessage("x");
        apache.set("ts", "10/Oct/2024:13:55:36 -0700");
        run("date { match => [ \"ts\", \"dd/MMM/yyyy:HH:mm:ss Z\" ] remove_field => [\"ts\"] }", apache);
        assertEquals(Instant.parse("2024-10-10T20:55:36Z"), apache.timestamp());
        assertNull(apache.get("ts"));

        Event local = Event.withMessage("x");
        local.set("ts", "2024-06-01 12:00:00");
        run("date { match => [ \"ts\", \"ISO8601\" ] timezone => \"Europe/Paris\" }", local);
        assertEquals(Instant.parse("2024-06-01T10:00:00Z"), local.timestamp());

        Event unix = Event.withMessage("x");
        unix.set("ts", 1700000000L);
        run("date { match => [ \"ts\", \"UNIX\" ] target => \"[when]\" }", unix);
        assertEquals(Instant.ofEpochSecond(1700000000L), unix.get("when"));

        Event millis = Event.withMessage("x");
        millis.set("ts", "1700000000123");
        run("date { match => [ \"ts\", \"ISO8601\", \"UNIX_MS\" ] }", millis);
        assertEquals(Instant.ofEpochMilli(1700000000123L), millis.timestamp());

        Event syslog = Event.withMessage("x");
        syslog.set("ts", "Mar  7 08:09:10");
        run("date { match => [ \"ts\", \"MMM  d HH:mm:ss\", \"MMM dd HH:mm:ss\" ] }", syslog);
        assertEquals(LocalDate.now(ZoneOffset.UTC).getYear() + "-03-07T08:09:10Z", syslog.timestamp().toString());

        Event bad = Event.withMessage("x");
        Instant before = bad.timestamp();
        bad.set("ts", "not a date");
        run("date { match => [ \"ts\", \"ISO8601\" ] }", bad);
        assertEquals(List.of("_dateparsefailure"), bad.tags());
        assertEquals(before, bad.timestamp());
        assertThrows(ConfigException.class, () -> FilterHarness.of("date { match => [\"ts\"] }"));
        assertThrows(ConfigException.class, () -> FilterHarness.of("date { match => [\"ts\", \"ISO8601\"] timezone => \"Mars/Base\" }"));
    }

    @Test
    void grokParsesNginxCombinedAccessLogs() {
        Event event = Event.withMessage("203.0.113.9 - alice [10/Oct/2024:13:55:36 +0000] \"GET /index.html?q=1 HTTP/1.1\""
                + " 200 2326 \"http://example.com/start\" \"Mozilla/5.0 (X11)\"");
        run("grok { match => { \"message\" => \"%{COMBINEDAPACHELOG}\" } }", event);
        assertEquals("203.0.113.9", event.get("clientip"));
        assertEquals("alice", event.get("auth"));
        assertEquals("10/Oct/2024:13:55:36 +0000", event.get("timestamp"));
        assertEquals("GET", event.get("verb"));
        assertEquals("/index.html?q=1", event.get("request"));
        assertEquals("1.1", event.get("httpversion"));
        assertEquals("200", event.get("response"));
        assertEquals("2326", event.get("bytes"));
        assertEquals("\"http://example.com/start\"", event.get("referrer"));
        assertEquals("\"Mozilla/5.0 (X11)\"", event.get("agent"));
        assertTrue(event.tags().isEmpty());
    }

    @Test
    void grokTypesCustomDefinitionsNestedTargetsAndFailureTag() {
        Event event = Event.withMessage("took 12.5 ms for job-7 from 2001:db8::1");
        run("""
                grok {
                  pattern_definitions => { "JOB" => "job-%{INT}" }
                  match => { "message" => [ "nomatch %{WORD:x}", "took %{NUMBER:[timing][ms]:float} ms for (?<job_id>%{JOB}) from %{IP:ip}" ] }
                  add_tag => [ "timed" ]
                }""", event);
        assertEquals(12.5, event.get("[timing][ms]"));
        assertEquals("job-7", event.get("job_id"));
        assertEquals("2001:db8::1", event.get("ip"));
        assertEquals(List.of("timed"), event.tags());
        Event miss = run("grok { match => { \"message\" => \"%{INT:n:int}\" } add_tag => [\"never\"] }", Event.withMessage("none"));
        assertEquals(List.of("_grokparsefailure"), miss.tags());
        Event n = run("grok { match => { \"message\" => \"%{INT:n:int}\" } }", Event.withMessage("n=7"));
        assertEquals(7L, n.get("n"));
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> FilterHarness.of("grok { match => { \"message\" => \"%{NOSUCH:x}\" } }"));
        assertTrue(unknown.getMessage().contains("unknown grok pattern %{NOSUCH}"), unknown.getMessage());
    }

    @Test
    void grokGivesUpOnACatastrophicallyBacktrackingMatchAfterTimeoutMillisAndKeepsTheEventTagged() {
        // (.*a){12}$ against 40 a's and no end: O(40^12) steps, hours of backtracking without a timeout.
        Event stuck = Event.withMessage("a".repeat(40) + "!");
        Event result = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run(
                "grok { match => { \"message\" => \"(?<x>(.*a){12})$\" } timeout_millis => 100 add_tag => [\"never\"] }",
                stuck));
        assertFalse(result.isCancelled());
        assertEquals(List.of("_groktimeout"), result.tags());
        assertNull(result.get("x"));
        assertEquals("a".repeat(40) + "!", result.get("message"));

        // One budget for all patterns of the event, and a tag of one's own.
        Event scoped = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run("""
                grok {
                  match => { "message" => [ "(.*a){12}$", "(.*a){12}!$" ] }
                  timeout_millis => 100 timeout_scope => "event" tag_on_timeout => "slow_grok"
                }""", Event.withMessage("a".repeat(40) + "!")));
        assertEquals(List.of("slow_grok"), scoped.tags());

        ConfigException negative = assertThrows(ConfigException.class,
                () -> FilterHarness.of("grok { match => { \"message\" => \"x\" } timeout_millis => -1 }"));
        assertTrue(negative.getMessage().contains("timeout_millis"), negative.getMessage());
    }

    @Test
    void grokTimeoutMillisZeroLetsASlowMatchRunToItsEnd() {
        // (.*a){8}$ against 20 a's and no end: tens of millions of steps, far more than 1 ms of work.
        String pattern = "grok { match => { \"message\" => \"(.*a){8}$\" } timeout_millis => %d }";
        Event limited = run(pattern.formatted(1), Event.withMessage("a".repeat(20) + "!"));
        assertEquals(List.of("_groktimeout"), limited.tags());
        Event unlimited = run(pattern.formatted(0), Event.withMessage("a".repeat(20) + "!"));
        assertEquals(List.of("_grokparsefailure"), unlimited.tags());
        Event matching = run(pattern.formatted(0), Event.withMessage("a".repeat(20)));
        assertTrue(matching.tags().isEmpty(), matching.tags().toString());
    }

    @Test
    void grokSyslogAndOverwrite() {
        Event event = Event.withMessage("Mar  7 08:09:10 web1 sshd[42]: Accepted key");
        run("grok { match => { \"message\" => \"%{SYSLOGLINE}\" } overwrite => [\"message\"] }", event);
        assertEquals("web1", event.get("logsource"));
        assertEquals("sshd", event.get("program"));
        assertEquals("42", event.get("pid"));
        assertEquals("Accepted key", event.get("message"));
    }

    @Test
    void dropCancelsAndCommonOptionsApplyOnlyOnMatch() {
        assertTrue(run("drop { }", Event.withMessage("x")).isCancelled());
        assertFalse(run("drop { percentage => 0 }", Event.withMessage("x")).isCancelled());
        Event event = Event.withMessage("x");
        event.set("tags", new ArrayList<>(List.of("old")));
        event.set("dup", "a");
        run("mutate { add_field => { \"dup\" => \"b\" \"[n][%{message}]\" => \"v\" } add_tag => [\"t-%{message}\"]"
                + " remove_tag => [\"old\"] id => \"m1\" }", event);
        assertEquals(List.of("a", "b"), event.get("dup"));
        assertEquals("v", event.get("[n][x]"));
        assertEquals(List.of("t-x"), event.tags());
    }
}
