package io.berth.support;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with jitter: the delay after the n-th consecutive failure is drawn
 * uniformly from [d/2, d] where d = min(cap, base·2ⁿ⁻¹), so a fleet that lost its broker or
 * registry does not come back in step.
 */
public final class Backoff {
    private Backoff() {}

    /** @param failures consecutive failures so far, 1 or more */
    public static Duration delay(int failures, Duration base, Duration cap, RandomGenerator random) {
        int doublings = Math.min(Math.max(failures - 1, 0), 30);
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << doublings);
        if (ceiling <= 0) {
            ceiling = cap.toMillis();
        }
        long floor = ceiling / 2;
        return Duration.ofMillis(floor + random.nextLong(ceiling - floor + 1));
    }
}
