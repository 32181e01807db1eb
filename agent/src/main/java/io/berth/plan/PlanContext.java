package io.berth.plan;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * What the planner needs besides the two states: the time, the backoff table (service, or
 * {@code volume:NAME}, to the instant before which it must not be tried again), and the
 * services given up on until a new revision (a terminal error such as an image that does not
 * exist).
 */
public record PlanContext(Instant now, Map<String, Instant> notBefore, Set<String> givenUp) {

    public PlanContext {
        notBefore = Map.copyOf(notBefore);
        givenUp = Set.copyOf(givenUp);
    }

    public PlanContext(Instant now, Map<String, Instant> notBefore) {
        this(now, notBefore, Set.of());
    }

    public boolean backingOff(String key) {
        Instant until = notBefore.get(key);
        return until != null && now.isBefore(until);
    }
}
