package io.berth.fleet.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A page's queue: bounded in bytes, latest state per device or rollout, resync on overflow. */
class EventHubTest {

    @Test
    void aPageThatFallsBehindOnBigMessagesIsToldToResyncWithoutHoldingThem() throws Exception {
        EventHub.Client c = new EventHub.Client(n -> true);
        String big = EventHub.frame("rollout", "x".repeat(500_000)); // a rollout of ~1,000 devices
        for (int i = 0; i < 40; i++) { // 40 distinct rollouts: ~20 MB if bounded by count only
            c.offer("rollout/r" + i, big);
            assertTrue(c.queuedChars() <= EventHub.QUEUE_BYTES, "queued " + c.queuedChars());
        }
        assertEquals(EventHub.RESYNC, c.take(0));
        assertNull(c.take(0));
    }

    @Test
    void aNewerStateOfTheSameDeviceReplacesTheQueuedOne() throws Exception {
        EventHub.Client c = new EventHub.Client(n -> true);
        c.offer("device/a", EventHub.frame("device", "{\"v\":1}"));
        c.offer(null, EventHub.frame("event", "{\"e\":1}"));
        c.offer(null, EventHub.frame("event", "{\"e\":2}"));
        c.offer("device/a", EventHub.frame("device", "{\"v\":2}"));
        assertEquals(EventHub.frame("event", "{\"e\":1}"), c.take(0));
        assertEquals(EventHub.frame("event", "{\"e\":2}"), c.take(0));
        assertEquals(EventHub.frame("device", "{\"v\":2}"), c.take(0));
        assertNull(c.take(0));
    }

    @Test
    void moreSmallMessagesThanTheQueueHoldsAlsoResync() throws Exception {
        EventHub.Client c = new EventHub.Client(n -> true);
        for (int i = 0; i <= EventHub.QUEUE; i++) {
            c.offer(null, EventHub.frame("log", "{}"));
        }
        assertEquals(EventHub.RESYNC, c.take(0));
        c.offer(null, EventHub.frame("log", "{\"after\":1}"));
        assertEquals(EventHub.frame("log", "{\"after\":1}"), c.take(0));
    }
}
