package io.logpipe.common.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.template.Template.Dialect;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one {@code %{...}} engine in both dialects, over a plain map of fields. */
class TemplateTest {
    private static final Instant NEW_YEARS_WEEK = Instant.parse("2024-12-30T10:00:00Z");

    private static String render(String text, Dialect dialect, Map<String, String> fields) {
        Template<String> template = Template.parse(text, dialect, ref -> ref.startsWith("!") ? null : ref);
        return template.render(new Template.Values<>() {
            @Override
            public Instant timestamp() {
                return NEW_YEARS_WEEK;
            }

            @Override
            public String text(String reference) {
                return fields.get(reference);
            }
        });
    }

    @Test
    void datesAreJodaPatternsInUtcInBothDialects_YYYYIsTheCalendarYear() {
        for (Dialect dialect : Dialect.values()) {
            assertEquals("logs-2024.12.30", render("logs-%{+YYYY.MM.dd}", dialect, Map.of()), dialect.name());
            assertEquals("t-1735552800", render("t-%{+%s}", dialect, Map.of()), dialect.name());
        }
    }

    @Test
    void logstashLeavesWhatItCannotFillAsWritten() {
        Map<String, String> fields = Map.of("[host]", "web-1");
        assertEquals("web-1 %{[missing]} %{!bad} 50%{", render("%{[host]} %{[missing]} %{!bad} 50%{", Dialect.LOGSTASH,
                fields));
        assertEquals("%{[a]:d}", render("%{[a]:d}", Dialect.LOGSTASH, Map.of()), "no defaults in Logstash");
    }

    @Test
    void beatsTakesDefaultsAndRendersNothingForAMissingFieldWithout() {
        Map<String, String> fields = Map.of("[fields.topic]", "app");
        assertEquals("app", render("%{[fields.topic]:logs}", Dialect.BEATS, fields));
        assertEquals("logs", render("%{[fields.other]:logs}", Dialect.BEATS, fields));
        assertEquals("", render("%{[fields.other]:}", Dialect.BEATS, fields));
        assertNull(render("x-%{[fields.other]}", Dialect.BEATS, fields));
        IllegalArgumentException unclosed = assertThrows(IllegalArgumentException.class,
                () -> Template.parse("a-%{[x]", Dialect.BEATS, ref -> ref));
        assertEquals("'%{' at position 2 is never closed by '}'", unclosed.getMessage());
    }

    @Test
    void aTemplateWithoutPlaceholdersIsConstant() {
        assertTrue(Template.parse("plain", Dialect.LOGSTASH, ref -> ref).isConstant());
        assertFalse(Template.parse("a-%{[b]}", Dialect.BEATS, ref -> ref).isConstant());
        assertEquals("plain", render("plain", Dialect.BEATS, Map.of()));
    }
}
