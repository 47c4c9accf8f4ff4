package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * {@code max.incremental.fetch.session.cache.slots} bounds the sessions; a full cache gives a new session the slot
 * of one idle for two minutes, else of a smaller one, else no session at all (the client fetches without one).
 */
class FetchSessionCacheTest {
    private final AtomicLong now = new AtomicLong(1_000_000);

    private static FetchSession withPartitions(FetchSession session, int count) {
        for (int p = 0; p < count; p++) {
            session.update("topic", p, 0, 1024);
        }
        return session;
    }

    @Test
    void aFullCacheRefusesANewSessionThatIsNoBiggerThanAnyRecentOne() {
        FetchSessionCache cache = new FetchSessionCache(2, now::get);
        FetchSession a = withPartitions(cache.create(10, false, "a", null), 10);
        FetchSession b = withPartitions(cache.create(10, false, "b", null), 10);
        assertNull(cache.create(10, false, "c", null), "no slot, and no session smaller or idle");
        assertSame(a, cache.get(a.id, "a"));
        assertSame(b, cache.get(b.id, "b"));
        assertEquals(2, cache.counters().sessions());
    }

    @Test
    void aBiggerSessionTakesTheSlotOfTheSmallest() {
        FetchSessionCache cache = new FetchSessionCache(2, now::get);
        FetchSession small = withPartitions(cache.create(3, false, "a", null), 3);
        FetchSession big = withPartitions(cache.create(50, false, "b", null), 50);
        FetchSession bigger = cache.create(200, false, "c", null);
        assertNotNull(bigger);
        assertNull(cache.get(small.id, "a"), "the smallest was evicted");
        assertTrue(small.isClosed());
        assertSame(big, cache.get(big.id, "b"));
    }

    @Test
    void aSessionIdleForTwoMinutesGivesWayToAnyNewOne() {
        FetchSessionCache cache = new FetchSessionCache(1, now::get);
        FetchSession idle = withPartitions(cache.create(100, false, "a", null), 100);
        now.addAndGet(FetchSessionCache.EVICTION_IDLE_MS - 1);
        assertNull(cache.create(1, false, "b", null));
        now.addAndGet(1);
        assertNotNull(cache.create(1, false, "b", null));
        assertNull(cache.get(idle.id, "a"));
    }

    @Test
    void zeroSlotsMeansNoSessionsAndASessionBelongsToItsConnection() {
        assertNull(new FetchSessionCache(0, now::get).create(5, false, "a", null));
        FetchSessionCache cache = new FetchSessionCache(5, now::get);
        FetchSession session = cache.create(5, false, "a", null);
        assertNull(cache.get(session.id, "another connection"));
        cache.connectionClosed("a");
        assertNull(cache.get(session.id, "a"));
        assertEquals(0, cache.counters().sessions());
    }
}
