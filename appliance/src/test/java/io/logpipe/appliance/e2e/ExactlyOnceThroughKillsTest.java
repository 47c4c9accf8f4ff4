package io.logpipe.appliance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every line of a log reaches Elasticsearch exactly once while the shipper, the queue, the indexer and Elasticsearch
 * are each killed with SIGKILL and restarted in turn, with rename rotation, one copytruncate and bad input on the way.
 */
class ExactlyOnceThroughKillsTest {
    @TempDir
    Path work;

    @Test
    void everyLineExactlyOnceThroughAKill9OfEachPart() throws Exception {
        FaultRun.Result r = new FaultRun(work, new FaultRun.Plan(20_000, 300, 1, 4_000, Duration.ZERO)).run();
        FaultRun.log("lines " + r.lines() + ", kills " + r.kills() + ", documents " + r.documents() + ", lost "
                + r.lost() + ", duplicated " + r.duplicated() + ", rotations " + r.rotations());

        assertEquals(Map.of("shipper", 1, "queue", 1, "indexer", 1, "elasticsearch", 1), r.kills());
        assertTrue(r.rotations() >= 4 && r.copyTruncations() == 1, "rotated by rename and once by copytruncate");
        assertEquals(List.of(), r.missing(), "no line lost");
        assertEquals(r.lines(), r.distinct());
        assertEquals(r.lines(), r.documents(), "no line twice");

        // Bad input reaches Elasticsearch, each line whole or cut where it should be, and the flow goes on (no gap).
        Map<?, ?> invalid = r.scan().special.get(SequencedLog.INVALID_UTF8);
        assertEquals(SequencedLog.expectedMessage(SequencedLog.INVALID_UTF8, FaultRun.MAX_BYTES), invalid.get("message"),
                "invalid UTF-8 arrives, each malformed sequence replaced by U+FFFD");
        assertEquals(null, invalid.get("log"), "and is not flagged");
        Map<?, ?> oversized = r.scan().special.get(SequencedLog.OVERSIZED);
        assertEquals(SequencedLog.expectedMessage(SequencedLog.OVERSIZED, FaultRun.MAX_BYTES), oversized.get("message"),
                "the 10 MB line arrives cut at max_bytes");
        assertEquals(Map.of("flags", List.of("truncated")), oversized.get("log"), "and flagged truncated");
        Map<?, ?> afterNuls = r.scan().special.get(SequencedLog.AFTER_NULS);
        assertEquals(SequencedLog.expectedMessage(SequencedLog.AFTER_NULS, FaultRun.MAX_BYTES), afterNuls.get("message"),
                "the NUL-filled region is kept, with the line after it");

        // The mapping conflict: dead-lettered and counted, the other JSON lines indexed.
        assertEquals(FaultRun.JSON_LINES - 1, r.jsonDocuments(), "JSON lines indexed but the conflicting one");
        assertEquals(1, r.deadLettersCounted(), "the indexer's monitoring API counts the one dead letter");
        assertEquals(1, r.outputFailures(), "the elasticsearch output counts it as a failure");
        assertTrue(!r.deadLetters().isEmpty(), "the conflicting one went to the dead-letter queue");
        for (String entry : r.deadLetters()) {
            assertTrue(entry.contains("\"json_n\":" + FaultRun.CONFLICTING_JSON) && entry.contains("not a number"),
                    "only the conflicting line (possibly replayed after the indexer's kill): " + entry);
        }
    }
}
