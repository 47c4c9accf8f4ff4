package io.logpipe.indexer.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class PruneSchedulerTest {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final LocalTime FOUR = LocalTime.of(4, 0);

    @Test
    void runsLaterTodayWhenTheTimeIsStillAhead() {
        ZonedDateTime now = ZonedDateTime.of(2026, 11, 25, 1, 30, 0, 0, BERLIN);
        assertEquals(ZonedDateTime.of(2026, 11, 25, 4, 0, 0, 0, BERLIN), PruneScheduler.nextRun(now, FOUR));
    }

    @Test
    void runsTomorrowWhenTodaysTimeHasPassedOrIsNow() {
        ZonedDateTime now = ZonedDateTime.of(2026, 11, 25, 4, 0, 0, 0, BERLIN);
        assertEquals(ZonedDateTime.of(2026, 11, 26, 4, 0, 0, 0, BERLIN), PruneScheduler.nextRun(now, FOUR));
    }

    @Test
    void usesLocalTimeAcrossADaylightSavingChange() {
        // Clocks go back on 2026-10-25 in Berlin: 04:00 local is 03:00 UTC that day, 02:00 UTC the day before.
        ZonedDateTime now = ZonedDateTime.of(2026, 10, 24, 12, 0, 0, 0, BERLIN);
        ZonedDateTime next = PruneScheduler.nextRun(now, FOUR);
        assertEquals(LocalTime.of(4, 0), next.toLocalTime());
        assertEquals(25, next.getDayOfMonth());
        assertEquals(3, next.withZoneSameInstant(ZoneId.of("UTC")).getHour());
    }
}
