package io.berth.plan;

import io.berth.model.DesiredState;
import io.berth.model.Health;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a revision's rollout stands, and the pure decisions that move it on: which revision the
 * engine should run, which services are on trial since when, whether a trial failed (roll the
 * revision back to the last good one) or passed (this revision becomes the last good one). The
 * reconciler holds the current value and feeds it observations and step results; every instant
 * is on the monotonic timeline.
 *
 * @param desired     the accepted revision (null: none yet)
 * @param lastGood    the last revision that converged: what a failed update rolls back to (null: none)
 * @param rolledBack  set while the accepted revision is rolled back: the target is then {@code lastGood}
 * @param trialStarted services of the accepted revision on trial: when their replacement began
 * @param goodSince   container id to when it was first seen as desired
 * @param pulled      images pulled since the revision was accepted ({@code pull_policy: always})
 * @param restartsForDependency running dependants to restart because a dependency was replaced
 */
public record Rollout(DesiredState desired, DesiredState lastGood, Rollback rolledBack,
                      Map<String, Instant> trialStarted, Map<String, Instant> goodSince, Set<String> pulled,
                      Map<String, String> restartsForDependency) {

    public static final Rollout NONE = new Rollout(null, null, null, Map.of(), Map.of(), Set.of(), Map.of());

    public Rollout {
        trialStarted = Map.copyOf(trialStarted);
        goodSince = Map.copyOf(goodSince);
        pulled = Set.copyOf(pulled);
        restartsForDependency = Map.copyOf(restartsForDependency);
    }

    /** What a decision brings: the rollout goes on, rolls back, or the revision became the last good one. */
    public sealed interface Verdict {
        Rollout next();
    }

    /** Goes on; look again at {@code wakeAt} (monotonic) even if the engine says nothing, or null. */
    public record Continue(Rollout next, Instant wakeAt) implements Verdict {}

    /** The accepted revision failed its trial: the target is the last good revision now. */
    public record RollBack(Rollout next, Rollback rollback, long toRevision) implements Verdict {}

    /** Every service on trial is good: the accepted revision is the way back of the next update. */
    public record Promote(Rollout next, long revision) implements Verdict {}

    /**
     * The state found in the state dir at start: the accepted revision, the last one that
     * converged (or null), and whether the accepted one was rolled back (or null).
     */
    public static Rollout restored(DesiredState accepted, DesiredState good, Rollback rollback) {
        Rollback still = rollback != null && good != null && rollback.revision() == accepted.revision() ? rollback : null;
        return new Rollout(accepted, good, still, Map.of(), Map.of(), Set.of(), Map.of());
    }

    /** A newly accepted revision: a rolled-back older one is left behind; everything per revision starts over. */
    public Rollout accept(DesiredState state) {
        Rollback still = rolledBack != null && state.revision() > rolledBack.revision() ? null : rolledBack;
        return new Rollout(state, lastGood, still, Map.of(), Map.of(), Set.of(), Map.of());
    }

    /** What the engine should run: the accepted revision, or the last good one while that is rolled back. */
    public DesiredState target() {
        return rolledBack != null ? lastGood : desired;
    }

    /** Trials start over (a pause, an engine away: no replacement's fault). */
    public Rollout withoutTrials() {
        return new Rollout(desired, lastGood, rolledBack, Map.of(), goodSince, pulled, restartsForDependency);
    }

    /** The planner's context for this rollout. */
    public PlanContext context(Instant now, Map<FailureKey, Instant> notBefore, Set<FailureKey> givenUp,
                               Set<String> restartRequests) {
        return new PlanContext(now, notBefore, givenUp, pulled, rolledBack == null ? lastGood : null,
                restartsForDependency, goodSince, restartRequests);
    }

    /**
     * The services of the accepted revision whose spec differs from the last good revision's:
     * their replacements are on trial. None where rollback is off or nothing converged yet.
     */
    public Map<String, ServiceSpec> onTrial() {
        if (desired == null || lastGood == null || lastGood == desired || !desired.update().rollback()) {
            return Map.of();
        }
        Map<String, ServiceSpec> changed = new HashMap<>();
        desired.services().forEach((name, spec) -> {
            ServiceSpec before = lastGood.services().get(name);
            if (before == null || !before.hash().equals(spec.hash())) {
                changed.put(name, spec);
            }
        });
        return changed;
    }

    /**
     * After an observation: notes which containers are as desired since when, and rolls the
     * accepted revision back when a service on trial hit a terminal error or is not good within
     * its health timeout (timed from the first step that changed its container, or from now for a
     * service that waits for a dependency, or whose replacement this process did not make).
     */
    public Verdict observed(ObservedState observed, Map<FailureKey, Failure> failures, Instant now) {
        Rollout next = withGoodSince(observed, now);
        if (rolledBack != null || desired == null) {
            return new Continue(next, null);
        }
        Map<String, Instant> trials = new HashMap<>(trialStarted);
        Instant wake = null;
        PlanContext context = next.context(now, Map.of(), Set.of(), Set.of());
        for (Map.Entry<String, ServiceSpec> entry : onTrial().entrySet()) {
            String service = entry.getKey();
            ServiceSpec spec = entry.getValue();
            Failure failure = failures.get(FailureKey.service(service));
            if (failure != null && failure.terminal()) {
                return rollBack(next, "service " + service + " failed: " + failure.message());
            }
            Instant started = trials.get(service);
            Duration timeout = desired.update().healthTimeoutFor(spec);
            ObservedContainer c = observed.containerOf(spec);
            if (started != null ? Planner.waitsForDependency(spec, desired, observed)
                    : c != null && spec.hash().equals(c.specHash())) {
                started = now;
                trials.put(service, now);
                wake = earlier(wake, now.plus(timeout));
            }
            Instant goodAt = c == null ? null : Planner.goodAt(spec, c, context);
            if (started != null && !now.isBefore(started.plus(timeout)) && (goodAt == null || now.isBefore(goodAt))) {
                boolean health = spec.options().healthcheck() != null || (c != null && c.health() != Health.NONE);
                return rollBack(next, "service " + service + " was not " + (health ? "healthy" : "running")
                        + " within " + timeout.toSeconds() + " s of its update ("
                        + (failure != null ? failure.message() : c == null ? "no container" : c.describe()) + ")");
            }
        }
        return new Continue(next.withTrials(trials), wake);
    }

    private Rollout withGoodSince(ObservedState observed, Instant now) {
        DesiredState target = target();
        Map<String, Instant> good = new HashMap<>();
        if (target != null) {
            for (ServiceSpec spec : target.services().values()) {
                ObservedContainer c = observed.containerOf(spec);
                if (c != null && Planner.satisfied(spec, c)) {
                    good.put(c.id(), goodSince.getOrDefault(c.id(), now));
                }
            }
        }
        return new Rollout(desired, lastGood, rolledBack, trialStarted, good, pulled, restartsForDependency);
    }

    private Rollout withTrials(Map<String, Instant> trials) {
        return new Rollout(desired, lastGood, rolledBack, trials, goodSince, pulled, restartsForDependency);
    }

    private RollBack rollBack(Rollout from, String reason) {
        Rollback record = new Rollback(desired.revision(), reason);
        return new RollBack(new Rollout(desired, lastGood, record, Map.of(), from.goodSince, Set.of(), Map.of()),
                record, lastGood.revision());
    }

    /**
     * After a step ran (or failed): a service's trial starts with the first step that changes its
     * container (pulls do not count), and starts again after a pull that came after its old
     * container was stopped (kill-then-download: pull time does not count). After a step that
     * gave a service a new or restored container, its running dependants whose
     * {@code depends_on} says {@code restart: true} are restarted once it is up (as Compose does).
     *
     * @param before what was observed before the batch ran
     */
    public Continue afterStep(Step step, boolean succeeded, ObservedState before, Instant now) {
        Map<String, Instant> trials = new HashMap<>(trialStarted);
        Set<String> images = new HashSet<>(pulled);
        Map<String, String> restarts = new HashMap<>(restartsForDependency);
        Instant wake = null;
        ServiceSpec onTrial = rolledBack == null && step.service() != null ? onTrial().get(step.service()) : null;
        boolean pull = step instanceof Step.PullImage;
        if (onTrial != null && (pull ? succeeded && trials.containsKey(step.service())
                : !trials.containsKey(step.service()))) {
            trials.put(step.service(), now);
            wake = now.plus(desired.update().healthTimeoutFor(onTrial));
        }
        if (succeeded) {
            if (step instanceof Step.PullImage p) {
                images.add(p.image());
            }
            noteReplacedDependency(step, before, restarts);
        }
        return new Continue(new Rollout(desired, lastGood, rolledBack, trials, goodSince, images, restarts), wake);
    }

    private void noteReplacedDependency(Step step, ObservedState before, Map<String, String> restarts) {
        if (step instanceof Step.CreateContainer || step instanceof Step.StartContainer
                || step instanceof Step.RestartForDependency) {
            restarts.remove(step.service());
        }
        DesiredState target = target();
        if (target == null || !(step instanceof Step.CreateContainer) && !(step instanceof Step.RestoreContainer)) {
            return;
        }
        for (ServiceSpec dependant : target.services().values()) {
            ServiceOptions.Dependency dependency = dependant.options().dependsOn().get(step.service());
            ObservedContainer running = before.containerOf(dependant);
            if (dependency != null && dependency.restart() && running != null && running.isRunning()
                    && dependant.hash().equals(running.specHash())) {
                restarts.put(dependant.name(), step.service());
            }
        }
    }

    /**
     * The target converged: the accepted revision becomes the last good one once every service on
     * trial is good, not merely running (one without a healthcheck must have run
     * {@link Planner#STABLE_START}); until then, look again when the next one will be.
     */
    public Verdict converged(ObservedState observed, Instant now) {
        if (rolledBack != null || desired == null || lastGood == desired) {
            return new Continue(this, null);
        }
        PlanContext context = context(now, Map.of(), Set.of(), Set.of());
        Instant next = null;
        for (ServiceSpec spec : onTrial().values()) {
            ObservedContainer c = observed.containerOf(spec);
            Instant goodAt = c == null ? null : Planner.goodAt(spec, c, context);
            if (goodAt == null) {
                return new Continue(this, null);
            }
            if (now.isBefore(goodAt)) {
                next = earlier(next, goodAt);
            }
        }
        if (next != null) {
            return new Continue(this, next);
        }
        return new Promote(new Rollout(desired, desired, null, Map.of(), goodSince, pulled, restartsForDependency),
                desired.revision());
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }
}
