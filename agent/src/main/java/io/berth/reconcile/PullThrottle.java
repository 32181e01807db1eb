package io.berth.reconcile;

import io.berth.support.AgentClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * At most one progress event per image per interval (§5: once a second), however many pulls of
 * that image run and however often the engine reports. Thread-safe: parallel pulls share one.
 * Timed on the monotonic clock: a wall clock set back (NTP on a board without RTC) must not
 * silence progress for hours.
 */
final class PullThrottle {
    private final AgentClock clock;
    private final Duration interval;
    private final Map<String, Instant> lastSent = new HashMap<>();

    PullThrottle(Clock clock, Duration interval) {
        this.clock = AgentClock.of(clock);
        this.interval = interval;
    }

    /** Whether a progress event for {@code image} may go out now; if so, it counts as sent. */
    synchronized boolean tryAcquire(String image) {
        Instant now = clock.monotonic();
        // only images inside their quiet interval are remembered: the table stays as small as the pulls
        lastSent.values().removeIf(last -> !now.isBefore(last.plus(interval)));
        if (lastSent.containsKey(image)) {
            return false;
        }
        lastSent.put(image, now);
        return true;
    }

    /** How many images are inside their quiet interval (for tests). */
    synchronized int remembered() {
        return lastSent.size();
    }
}
