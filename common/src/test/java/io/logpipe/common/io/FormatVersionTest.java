package io.logpipe.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FormatVersionTest {
    private final FormatVersion registry = new FormatVersion("shipper registry", 2);
    private final Path file = Path.of("/var/lib/logpipe/shipper/registry/shipper.json");

    @Test
    void readsEveryVersionUpToTheCurrentOne() throws IOException {
        assertEquals(1, registry.check(file, FormatVersion.UNVERSIONED));
        assertEquals(2, registry.check(file, 2));
        assertEquals(2, registry.check(file, " 2\n"));
    }

    @Test
    void aNewerVersionNamesTheFileTheVersionsAndWhatToDo() {
        FormatVersion.NewerFormatException e =
                assertThrows(FormatVersion.NewerFormatException.class, () -> registry.check(file, 3));
        assertEquals(file, e.file());
        assertEquals(3, e.found());
        assertEquals(2, e.highestSupported());
        assertTrue(e.getMessage().startsWith(file + ": shipper registry format version 3 is newer than this release "
                + "reads (up to version 2)"), e.getMessage());
        assertTrue(e.getMessage().contains("Run that release (or a newer one) on this data"), e.getMessage());
    }

    @Test
    void aVersionThatIsNoNumberNamesTheFile() {
        IOException e = assertThrows(IOException.class, () -> registry.check(file, "two"));
        assertEquals(file + ": the shipper registry format version 'two' is not a number", e.getMessage());
    }
}
