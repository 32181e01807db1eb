package io.berth.plan;

import io.berth.model.DesiredState;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * What the planner needs besides the two states.
 *
 * @param now       the time
 * @param notBefore the backoff table: service, or {@code volume:NAME}, to the instant before which
 *                  it must not be tried again
 * @param givenUp   services given up on until a new revision (a terminal error such as an image
 *                  that does not exist)
 * @param pulled    images pulled since this revision was accepted (or the agent started), which
 *                  {@code pull_policy: always} needs once per revision
 * @param previous  the revision that ran before this one, or null: its {@code depends_on} orders the
 *                  stopping of services that left the document
 * @param restartsForDependency running dependants to restart (service to the dependency that was
 *                  replaced), as {@code depends_on: {X: {restart: true}}} asks
 */
public record PlanContext(Instant now, Map<String, Instant> notBefore, Set<String> givenUp, Set<String> pulled,
                          DesiredState previous, Map<String, String> restartsForDependency) {

    public PlanContext {
        notBefore = Map.copyOf(notBefore);
        givenUp = Set.copyOf(givenUp);
        pulled = Set.copyOf(pulled);
        restartsForDependency = Map.copyOf(restartsForDependency);
    }

    public PlanContext(Instant now, Map<String, Instant> notBefore, Set<String> givenUp, Set<String> pulled,
                       DesiredState previous) {
        this(now, notBefore, givenUp, pulled, previous, Map.of());
    }

    public PlanContext(Instant now, Map<String, Instant> notBefore, Set<String> givenUp) {
        this(now, notBefore, givenUp, Set.of(), null);
    }

    public PlanContext(Instant now, Map<String, Instant> notBefore) {
        this(now, notBefore, Set.of());
    }

    public boolean backingOff(String key) {
        Instant until = notBefore.get(key);
        return until != null && now.isBefore(until);
    }
}
