package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import io.berth.support.FakeClock;
import org.junit.jupiter.api.Test;

/** At most one pull-progress event per image per second (§5), on a fake clock. */
class PullThrottleTest {

    private final FakeClock clock = new FakeClock();
    private final PullThrottle throttle = new PullThrottle(clock, Duration.ofSeconds(1));

    @Test
    void theFirstProgressOfAnImageGoesOutAtOnce() {
        assertTrue(throttle.tryAcquire("a:1"));
    }

    @Test
    void moreWithinASecondAreDropped() {
        assertTrue(throttle.tryAcquire("a:1"));
        for (int i = 0; i < 99; i++) {
            clock.advance(Duration.ofMillis(10)); // up to 990 ms
            assertFalse(throttle.tryAcquire("a:1"), "at +" + (i + 1) * 10 + " ms");
        }
        clock.advance(Duration.ofMillis(10)); // exactly 1 s after the first
        assertTrue(throttle.tryAcquire("a:1"));
        assertFalse(throttle.tryAcquire("a:1"));
    }

    @Test
    void aStreamOfProgressGivesOneEventPerSecond() {
        int sent = 0;
        for (int ms = 0; ms < 10_000; ms += 7) { // an engine reporting every 7 ms for 10 s
            if (throttle.tryAcquire("a:1")) {
                sent++;
            }
            clock.advance(Duration.ofMillis(7));
        }
        assertEquals(10, sent);
    }

    @Test
    void eachImageHasItsOwnSecond() {
        assertTrue(throttle.tryAcquire("a:1"));
        assertTrue(throttle.tryAcquire("b:1"));
        assertFalse(throttle.tryAcquire("a:1"));
        assertFalse(throttle.tryAcquire("b:1"));
    }

    @Test
    void twoPullsOfOneImageShareItsSecond() {
        // two services on one image pull in parallel: still one event a second for that image
        assertTrue(throttle.tryAcquire("a:1"));
        clock.advance(Duration.ofMillis(500));
        assertFalse(throttle.tryAcquire("a:1"));
    }

    @Test
    void imagesPastTheirSecondAreForgotten() {
        throttle.tryAcquire("a:1");
        throttle.tryAcquire("b:1");
        clock.advance(Duration.ofSeconds(2));
        throttle.tryAcquire("c:1");
        assertEquals(1, throttle.remembered());
    }

    @Test
    void aWallClockSetBackDoesNotSilenceProgress() {
        assertTrue(throttle.tryAcquire("a:1"));
        clock.jumpWall(Duration.ofHours(-3)); // NTP steps the clock of a board without RTC
        clock.advance(Duration.ofSeconds(1));
        assertTrue(throttle.tryAcquire("a:1"), "a second later, whatever the wall clock says");
    }
}
