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

        Map<?, ?> invalid = r.scan().special.get(SequencedLog.INVALID_UTF8);
        assertTrue(String.valueOf(invalid.get("message")).contains("\uFFFD"), "invalid UTF-8 arrives, replaced");
        Map<?, ?> oversized = r.scan().special.get(SequencedLog.OVERSIZED);
        assertTrue(String.valueOf(oversized.get("message")).length() <= 65_536, "cut at max_bytes");
        assertTrue(String.valueOf(oversized.get("log")).contains("truncated"), "and flagged: " + oversized.get("log"));
        Map<?, ?> afterNuls = r.scan().special.get(SequencedLog.AFTER_NULS);
        assertTrue(String.valueOf(afterNuls.get("message")).startsWith("\u0000"), "the NUL region is kept");

        assertEquals(FaultRun.JSON_LINES - 1, r.jsonDocuments(), "JSON lines indexed but the conflicting one");
        assertTrue(!r.deadLetters().isEmpty(), "the conflicting one went to the dead-letter queue");
        for (String entry : r.deadLetters()) {
            assertTrue(entry.contains("\"json_n\":" + FaultRun.CONFLICTING_JSON) && entry.contains("not a number"),
                    "only the conflicting line (possibly replayed after the indexer's kill): " + entry);
        }
    }
}
