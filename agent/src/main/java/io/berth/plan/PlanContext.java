package io.berth.plan;

import java.time.Instant;
import java.util.Map;

/**
 * What the planner needs besides the two states: the time and the backoff table
 * (service, or {@code volume:NAME}, to the instant before which it must not be tried again).
 */
public record PlanContext(Instant now, Map<String, Instant> notBefore) {

    public PlanContext {
        notBefore = Map.copyOf(notBefore);
    }

    public boolean backingOff(String key) {
        Instant until = notBefore.get(key);
        return until != null && now.isBefore(until);
    }
}
