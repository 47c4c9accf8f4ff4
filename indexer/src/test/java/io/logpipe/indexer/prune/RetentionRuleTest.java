package io.logpipe.indexer.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.logpipe.indexer.es.ElasticsearchConnection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionRuleTest {
    static final ElasticsearchConnection ES = ElasticsearchConnection.of(List.of("http://127.0.0.1:9200"), null, null, null, List.of());

    static RetentionRule rule(String pattern, String format) {
        return new RetentionRule("r", pattern, format, Duration.ofDays(5), ES);
    }

    @Test
    void theLastStarIsTheDate() {
        var match = assertInstanceOf(RetentionRule.Dated.class, rule("top-*-log-*", "yyyy.MM.dd").match("top-a-log-b-log-2026.11.20"));
        assertEquals("2026.11.20", match.date().suffix());
        assertEquals(Instant.parse("2026-11-20T00:00:00Z"), match.date().start());
        assertEquals(ChronoUnit.DAYS, match.date().period());
    }

    @Test
    void hourlySuffixes() {
        var match = assertInstanceOf(RetentionRule.Dated.class, rule("app-*", "yyyy.MM.dd.HH").match("app-2026.11.20.07"));
        assertEquals(Instant.parse("2026-11-20T07:00:00Z"), match.date().start());
        assertEquals(ChronoUnit.HOURS, match.date().period());
        assertInstanceOf(RetentionRule.Undated.class, rule("app-*", "yyyy.MM.dd.HH").match("app-2026.11.20"));
    }

    @Test
    void monthlySuffixes() {
        var match = assertInstanceOf(RetentionRule.Dated.class, rule("app-*", "yyyy.MM").match("app-2026.02"));
        assertEquals(Instant.parse("2026-02-01T00:00:00Z"), match.date().start());
        assertEquals(ChronoUnit.MONTHS, match.date().period());
    }

    @Test
    void namesOutsideThePatternAndNonDatesAreNotOurs() {
        RetentionRule nginx = rule("nginx.access-*", "yyyy.MM.dd");
        assertInstanceOf(RetentionRule.NotMatching.class, nginx.match("nginx.error-2026.11.20"));
        assertInstanceOf(RetentionRule.NotMatching.class, nginx.match("nginxXaccess-2026.11.20"), "a dot is a dot");
        assertInstanceOf(RetentionRule.Undated.class, nginx.match("nginx.access-2026.11.31"));
        assertInstanceOf(RetentionRule.Undated.class, nginx.match("nginx.access-2026.11.20-restored"));
    }

    @Test
    void theCurrentPeriodIsNeverDue() {
        Instant now = Instant.parse("2026-11-25T10:15:00Z");
        assertEquals(Instant.parse("2026-11-25T00:00:00Z"), Pruner.currentPeriodStart(now, ChronoUnit.DAYS));
        assertEquals(Instant.parse("2026-11-25T10:00:00Z"), Pruner.currentPeriodStart(now, ChronoUnit.HOURS));
        assertEquals(Instant.parse("2026-11-23T00:00:00Z"), Pruner.currentPeriodStart(now, ChronoUnit.WEEKS));
        assertEquals(Instant.parse("2026-11-01T00:00:00Z"), Pruner.currentPeriodStart(now, ChronoUnit.MONTHS));
    }

    @Test
    void agesAndPatternsAreChecked() {
        assertEquals(Duration.ofHours(36), Age.parse("36h"));
        assertEquals("5d", Age.format(Age.parse("120h")));
        assertThrows(IllegalArgumentException.class, () -> Age.parse("0d"));
        assertThrows(IllegalArgumentException.class, () -> Age.parse("5 days"));
        assertThrows(IllegalArgumentException.class, () -> rule("logs-*-archive", "yyyy.MM.dd"));
        assertThrows(IllegalArgumentException.class, () -> rule("*", "yyyy.MM.dd"));
    }
}
