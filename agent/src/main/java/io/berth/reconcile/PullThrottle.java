package io.berth.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * At most one progress event per image per interval (§5: once a second), however many pulls of
 * that image run and however often the engine reports. Thread-safe: parallel pulls share one.
 */
final class PullThrottle {
    private final Clock clock;
    private final Duration interval;
    private final Map<String, Instant> lastSent = new HashMap<>();

    PullThrottle(Clock clock, Duration interval) {
        this.clock = clock;
        this.interval = interval;
    }

    /** Whether a progress event for {@code image} may go out now; if so, it counts as sent. */
    synchronized boolean tryAcquire(String image) {
        Instant now = clock.instant();
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
