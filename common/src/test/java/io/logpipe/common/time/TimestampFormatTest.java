package io.logpipe.common.time;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimestampFormatTest {
    @Test
    void aPatternIsFormattedOncePerItsSmallestUnit() {
        assertEquals(86_400_000, TimestampFormat.periodMillis("YYYY.MM.dd"));
        assertEquals(86_400_000, TimestampFormat.periodMillis("xxxx.ww"));
        assertEquals(3_600_000, TimestampFormat.periodMillis("yyyy.MM.dd.HH"));
        assertEquals(3_600_000, TimestampFormat.periodMillis("hh a"));
        assertEquals(60_000, TimestampFormat.periodMillis("HH:mm"));
        assertEquals(1000, TimestampFormat.periodMillis("HH:mm:ss"));
        assertEquals(0, TimestampFormat.periodMillis("HH:mm:ss.SSS"));
    }

    @Test
    void givesWhatTheFormatterGivesForInstantsOfInterleavedDaysHoursAndSeconds() {
        Random random = new Random(11);
        for (String pattern : new String[] {"YYYY.MM.dd", "xxxx.ww", "yyyy.MM.dd.HH", "HH:mm", "HH:mm:ss", "ss.SSS"}) {
            TimestampFormat format = TimestampFormat.of(pattern);
            DateTimeFormatter formatter = JodaPattern.formatter(pattern);
            for (int i = 0; i < 20_000; i++) {
                // around a year's end, before and after 1970, so cached periods are reused, evicted and collide
                long base = random.nextBoolean() ? 1_735_689_600_000L : -86_400_000L;
                Instant instant = Instant.ofEpochMilli(base + random.nextLong() % (12 * 86_400_000L));
                assertEquals(formatter.format(instant), format.format(instant), pattern + " at " + instant);
            }
        }
    }
}
