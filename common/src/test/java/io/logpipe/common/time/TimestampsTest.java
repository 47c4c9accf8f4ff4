package io.logpipe.common.time;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    @Test
    void parsesExactlyWhatInstantParseParses() {
        for (String text : new String[] {"2024-07-01T00:00:00Z", "2024-07-01T23:59:59.5Z", "2024-02-29T12:34:56.123Z",
                "1969-12-31T23:59:59.999999999Z", "2024-07-01T00:00:00.000001Z", "2024-07-01T02:00:00+02:00",
                "2024-07-01t00:00:00z", "+10000-01-01T00:00:00Z", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
                "2024-13-01T00:00:00Z", "2024-07-01T24:00:00Z", "2024-07-01T00:60:00Z", "2024-07-01T00:00:00.Z",
                "2024-07-01T00:00:00.1234567890Z", "2024-07-01 00:00:00Z", "2024-07-0xT00:00:00Z", "yesterday", ""}) {
            Object expected;
            try {
                expected = Instant.parse(text);
            } catch (DateTimeException e) {
                expected = DateTimeException.class;
            }
            Object actual;
            try {
                actual = Timestamps.parse(text);
            } catch (DateTimeException e) {
                actual = DateTimeException.class;
            }
            assertEquals(expected, actual, text);
        }
    }

    @Test
    void formatsWithThreeFractionDigitsLikeLogstash() {
        assertEquals("2024-07-01T00:00:00.000Z", Timestamps.format(Instant.parse("2024-07-01T00:00:00Z")));
        assertEquals("2024-07-01T00:00:00.007Z", Timestamps.format(Instant.parse("2024-07-01T00:00:00.0071Z")));
        assertEquals("1969-12-31T23:59:59.500Z", Timestamps.format(Instant.ofEpochMilli(-500)));
        assertEquals("+10000-01-01T00:00:00.000Z", Timestamps.format(Instant.parse("+10000-01-01T00:00:00Z")));
        Random random = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            // from year 0 to 9999, leap days, before and after 1970
            Instant instant = Instant.ofEpochMilli(-62_167_219_200_000L + (random.nextLong() >>> 1) % 315_537_897_600_000L);
            assertEquals(Timestamps.FORMAT.format(instant), Timestamps.format(instant));
        }
    }

    @Test
    void aTimestampIsCanonicalWhenFormattingItsInstantGivesItsTextBack() {
        for (String text : new String[] {"2024-07-01T00:00:00.000Z", "2024-07-01T00:00:00Z", "2024-07-01T00:00:00.5Z",
                "2024-07-01T00:00:00.1234Z", "2024-07-01T02:00:00.000+02:00", "2024-02-29T23:59:59.999Z",
                "0000-01-01T00:00:00.000Z"}) {
            Instant instant = Instant.parse(text);
            assertEquals(Timestamps.format(instant).equals(text), instant.equals(Timestamps.parseCanonical(text)), text);
        }
        assertEquals(Instant.parse("2024-07-01T00:00:00.000Z"), Timestamps.parseCanonical("2024-07-01T00:00:00.000Z"));
    }

    @Test
    void writesTheSameBytesFromEpochMillisAsItFormats() {
        byte[] out = new byte[2 + Timestamps.MAX_LENGTH];
        for (long millis : new long[] {0, -500, 1_719_792_000_007L, 1_735_516_800_000L,
                Instant.parse("+10000-01-01T00:00:00Z").toEpochMilli(), Instant.parse("-0001-12-31T23:59:59.999Z").toEpochMilli()}) {
            int n = Timestamps.write(millis, out, 2);
            assertEquals(Timestamps.format(Instant.ofEpochMilli(millis)), new String(out, 2, n, StandardCharsets.US_ASCII));
            assertEquals(Timestamps.FORMAT.format(Instant.ofEpochMilli(millis)), Timestamps.format(millis));
            if (n == 24) { // what the shipper writes, the indexer reads back without java.time
                assertEquals(Instant.ofEpochMilli(millis), Timestamps.parseCanonical(Timestamps.format(millis)));
            }
        }
    }
}
