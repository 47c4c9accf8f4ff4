package io.logpipe.common.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import org.junit.jupiter.api.Test;

class JodaPatternTest {

    @Test
    void dailyIndexSuffixUsesTheCalendarYearEvenInTheLastWeekOfDecember() {
        // 2024-12-30 is a Monday in ISO week 1 of 2025: a week-based year would say 2025.
        Instant lastDays = Instant.parse("2024-12-30T23:59:59Z");
        assertEquals("2024.12.30", JodaPattern.formatter("YYYY.MM.dd").format(lastDays));
        assertEquals("2024.12.30", JodaPattern.formatter("yyyy.MM.dd").format(lastDays));
        assertEquals("2025", JodaPattern.formatter("xxxx").format(lastDays), "x is Joda's ISO week-year");
        assertEquals("2025-W01", JodaPattern.formatter("xxxx-'W'ww").format(lastDays));
    }

    @Test
    void formatsInUtc() {
        Instant evening = OffsetDateTime.parse("2026-11-25T23:30:00-05:00").toInstant();
        assertEquals("2026.11.26.04", JodaPattern.formatter("YYYY.MM.dd.HH").format(evening));
    }

    @Test
    void parsesIndexSuffixes() {
        assertEquals(LocalDate.of(2026, 3, 7), LocalDate.from(JodaPattern.formatter("yyyy.MM.dd").parse("2026.03.07")));
        assertEquals(LocalDateTime.of(2026, 3, 7, 13, 0),
                LocalDateTime.from(JodaPattern.formatter("yyyy.MM.dd.HH").parse("2026.03.07.13").query(t ->
                        LocalDate.from(t).atTime(t.get(ChronoField.HOUR_OF_DAY), 0))));
        assertThrows(DateTimeParseException.class,
                () -> JodaPattern.formatter("yyyy.MM.dd").parse("2026.02.30"), "no 30th of February");
        assertThrows(DateTimeParseException.class,
                () -> JodaPattern.formatter("yyyy.MM.dd").parse("backup"));
    }

    @Test
    void parsesAnApacheAccessLogTimestamp() {
        var parsed = JodaPattern.formatter("dd/MMM/yyyy:HH:mm:ss Z").parse("10/Oct/2000:13:55:36 -0700");
        assertEquals(Instant.parse("2000-10-10T20:55:36Z"), Instant.from(parsed));
    }

    @Test
    void textFieldsFractionsAndOffsets() {
        Instant t = Instant.parse("2026-01-04T09:05:03.042Z");
        assertEquals("Sun Sunday Jan January 4 004", JodaPattern.formatter("EEE EEEE MMM MMMM d DDD").format(t));
        assertEquals("09:05:03.042 +0000 +00:00", JodaPattern.formatter("HH:mm:ss.SSS Z ZZ").format(t));
        assertEquals("9 AM 26", JodaPattern.formatter("h a yy").format(t));
        assertEquals("it's 2026", JodaPattern.formatter("'it''s' yyyy").format(t));
    }

    @Test
    void unsupportedLettersAreRejectedWithTheLetter() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> JodaPattern.formatter("yyyy-qq"));
        assertTrue(error.getMessage().contains("'q'"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JodaPattern.formatter("yyyy 'open"));
    }
}
