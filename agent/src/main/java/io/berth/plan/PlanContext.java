package io.berth.plan;

import io.berth.model.DesiredState;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * What the planner needs besides the two states. Every instant here is on the agent's
 * monotonic timeline ({@code AgentClock.monotonic()}), never wall time: a clock set by NTP does
 * not move a backoff or a trial.
 *
 * @param now       the monotonic time
 * @param notBefore the backoff table: what failed, to the instant before which it is not tried again
 * @param givenUp   what is given up on until a new revision (a terminal error such as an image
 *                  that does not exist)
 * @param pulled    images pulled since this revision was accepted (or the agent started), which
 *                  {@code pull_policy: always} needs once per revision
 * @param previous  the revision that ran before this one, or null: its {@code depends_on} orders the
 *                  stopping of services that left the document
 * @param restartsForDependency running dependants to restart (service to the dependency that was
 *                  replaced), as {@code depends_on: {X: {restart: true}}} asks
 * @param goodSince container id to when the agent first saw it as desired (running, healthy…):
 *                  a replacement without a healthcheck is good {@link Planner#STABLE_START} later
 * @param restartRequests services a user asked to restart
 */
public record PlanContext(Instant now, Map<FailureKey, Instant> notBefore, Set<FailureKey> givenUp,
                          Set<String> pulled, DesiredState previous, Map<String, String> restartsForDependency,
                          Map<String, Instant> goodSince, Set<String> restartRequests) {

    public PlanContext {
        notBefore = Map.copyOf(notBefore);
        givenUp = Set.copyOf(givenUp);
        pulled = Set.copyOf(pulled);
        restartsForDependency = Map.copyOf(restartsForDependency);
        goodSince = Map.copyOf(goodSince);
        restartRequests = Set.copyOf(restartRequests);
    }

    public PlanContext(Instant now, Map<FailureKey, Instant> notBefore, Set<FailureKey> givenUp, Set<String> pulled,
                       DesiredState previous) {
        this(now, notBefore, givenUp, pulled, previous, Map.of(), Map.of(), Set.of());
    }

    public PlanContext(Instant now, Map<FailureKey, Instant> notBefore, Set<FailureKey> givenUp) {
        this(now, notBefore, givenUp, Set.of(), null);
    }

    public PlanContext(Instant now, Map<FailureKey, Instant> notBefore) {
        this(now, notBefore, Set.of());
    }

    public boolean backingOff(FailureKey key) {
        Instant until = notBefore.get(key);
        return until != null && now.isBefore(until);
    }

    public boolean gaveUpOn(String service) {
        return givenUp.contains(FailureKey.service(service));
    }

    public PlanContext withGoodSince(Map<String, Instant> goodSince) {
        return new PlanContext(now, notBefore, givenUp, pulled, previous, restartsForDependency, goodSince,
                restartRequests);
    }
}
