package io.logpipe.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void durationsAreGoStyleAsInFilebeatYml() {
        assertEquals(Duration.ofMillis(500), Units.duration("500ms"));
        assertEquals(Duration.ofSeconds(30), Units.duration(" 30s "));
        assertEquals(Duration.ofSeconds(90), Units.duration("1m30s"));
        assertEquals(Duration.ofHours(72), Units.duration("72h"));
        assertEquals(Duration.ofSeconds(10), Units.duration("10"), "a bare number is seconds");
        assertEquals(Duration.ofMillis(1500), Units.duration("1.5s"));
        assertEquals("'5 minutes' is not a duration; examples: 500ms, 10s, 5m, 72h",
                assertThrows(IllegalArgumentException.class, () -> Units.duration("5 minutes")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.duration("30d"));
        assertThrows(IllegalArgumentException.class, () -> Units.duration(""));
    }

    @Test
    void sizesAreBinaryMultiplesAsElasticsearchWritesThem() {
        assertEquals(10L * 1024 * 1024, Units.bytes("10mb"));
        assertEquals(50L << 30, Units.bytes("50GB"));
        assertEquals(2L << 40, Units.bytes("2 tb"));
        assertEquals(4096, Units.bytes("4096"));
        assertEquals("'lots' is no size; write it like 500mb, 50gb or 2tb",
                assertThrows(IllegalArgumentException.class, () -> Units.bytes("lots")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.bytes("0mb"));
        assertThrows(IllegalArgumentException.class, () -> Units.bytes("99999999999999999999tb"));
    }

    @Test
    void portsAreZeroTo65535() {
        assertEquals(0, Units.port("0"));
        assertEquals(9200, Units.port(" 9200 "));
        assertEquals("must be a port number from 0 to 65535, not '99999'",
                assertThrows(IllegalArgumentException.class, () -> Units.port("99999")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.port("http"));
    }
}
