package io.berth.reconcile;

import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.EngineInfo;
import io.berth.model.DesiredState;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.RunState;
import io.berth.model.ServiceSpec;
import io.berth.plan.Failure;
import io.berth.plan.Plan;
import io.berth.plan.Planner;
import io.berth.plan.Rollback;
import io.berth.plan.Rollout;
import io.berth.plan.Step;
import io.berth.spec.SpecError;
import io.berth.support.AgentClock;
import io.berth.support.Backoff;
import io.berth.support.Guarded;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The level-based loop: observe, plan, apply the next batch, observe again, until the plan is
 * settled. It keeps the threads, the I/O and the timers; what to do is decided by the pure
 * {@link Planner} and {@link Rollout}. Runs on one thread of its own; every field below is
 * touched only there.
 */
public final class Reconciler implements AutoCloseable {

    private static final int MAX_BATCHES_PER_PASS = 50;

    private final Engine engine;
    private final AgentClock clock;
    private final ScheduledExecutorService timer;
    private final StatusReporter reporter;
    /** Pulls with disk check and progress events; its collector is the image GC. */
    private final ImagePulls pulls;
    private final StepRunner steps;
    private final ThreadPoolExecutor worker;
    private final FoldedTask passes;
    private final FailureTable failures = new FailureTable(RandomGenerator.getDefault());
    private final StepOutcomes outcomes;

    private Rollout rollout = Rollout.NONE;
    private RevisionHistory history = RevisionHistory.NONE;
    private long appliedRevision;
    private String engineProblem;
    private int engineFailures;
    private EngineInfo engineInfo;
    private boolean convergedAnnounced;
    private boolean paused;
    private volatile Consumer<List<ObservedContainer>> observedListener = c -> { };

    /**
     * @param ownership the labels that mark what this agent creates ({@code Labels.ownership})
     * @param defaults  the data root of relative binds and the default log limits
     * @param images    the state dir of the pulled-images record and the disk floor of pulls; null: no
     *                  disk check before pulls and no image GC
     */
    public Reconciler(Engine engine, Map<String, String> ownership, Clock clock, ScheduledExecutorService timer,
                      StatusReporter reporter, ContainerDefaults defaults, ImageSettings images) {
        this.engine = engine;
        this.clock = AgentClock.of(clock);
        this.timer = timer;
        this.reporter = reporter;
        this.pulls = new ImagePulls(engine, reporter, clock, images);
        this.steps = new StepRunner(new StepExecutor(engine, ownership, defaults, pulls));
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "berth-reconcile");
            t.setDaemon(true);
            return t;
        });
        this.passes = fold("a pass", this::pass);
        this.outcomes = new StepOutcomes(reporter, failures);
    }

    /** Runs a task on the reconcile thread (documents, commands): one thread, so no locks; throws when its queue is full. */
    public void submit(Runnable task) {
        worker.execute(Guarded.task("the reconcile thread", task));
    }

    /** A task for the reconcile thread that waits in its queue at most once, however often it is asked for. */
    public FoldedTask fold(String what, Runnable task) {
        return new FoldedTask(what, this::submit, timer, task);
    }

    /** Asks for a pass; requests made while one is queued are folded into it. Safe from any thread. */
    public void requestPass() {
        passes.request();
    }

    /** Where converged and rolled-back revisions are recorded (the state dir). */
    public void setHistory(RevisionHistory history) {
        this.history = history;
    }

    /** A newly accepted desired state (call on the reconcile thread, e.g. from {@link #submit}). */
    public void setDesired(DesiredState state) {
        Rollback before = rollout.rolledBack();
        rollout = rollout.accept(state);
        if (before != null && rollout.rolledBack() == null) {
            history.rolledBack(null); // a newer revision: the rolled-back one is left behind
        }
        startOver();
        pass();
    }

    /**
     * The state found in the state dir at start: the accepted revision, the last one that
     * converged (or null), and whether the accepted one was rolled back (or null).
     */
    public void restore(DesiredState accepted, DesiredState good, Rollback rollback) {
        rollout = Rollout.restored(accepted, good, rollback);
        startOver();
        pass();
    }

    private void startOver() {
        failures.clear();
        convergedAnnounced = false;
    }

    /** Records a rejected document for the report (call on the reconcile thread). */
    public void reject(Long revision, String reason, List<SpecError> errors) {
        reporter.rejected(revision, reason, errors);
    }

    /** Called on the reconcile thread with the agent's containers after every observation (log following). */
    public void onObserved(Consumer<List<ObservedContainer>> listener) {
        this.observedListener = listener;
    }

    /**
     * Pauses or resumes reconciliation (call on the reconcile thread). While paused, documents are
     * still accepted and stored, and the report still observes, but nothing is changed on the engine.
     */
    public void setPaused(boolean paused) {
        this.paused = paused;
        convergedAnnounced = false;
        rollout = rollout.withoutTrials(); // a pause is no replacement's fault: trials start over when it resumes
        pass();
    }

    /**
     * Restarts a service's container as a step of the loop (events, backoff like any other);
     * the answer completes once it ran, or with the engine's error (call on the reconcile thread).
     */
    public CompletableFuture<String> restart(String service) {
        DesiredState target = rollout.target();
        ServiceSpec spec = target == null ? null : target.services().get(service);
        if (spec == null || spec.state() == RunState.STOPPED) {
            return CompletableFuture.failedFuture(new IllegalStateException(spec == null
                    ? "service " + service + " is not in the revision this device runs"
                    : "service " + service + " is stopped by its desired state ('state: stopped')"));
        }
        CompletableFuture<String> answer = outcomes.restartRequested(service);
        if (!paused) {
            pass();
            return answer;
        }
        // paused: nothing else changes, but a restart a user asks for still runs, as this one step
        try {
            ObservedState observed = observe(target);
            ObservedContainer c = observed.containerOf(spec);
            if (c == null) {
                outcomes.forget(service);
                return CompletableFuture.failedFuture(new IllegalStateException("service " + service
                        + " has no container"));
            }
            Step step = new Step.RestartContainer(service, c.id(), Planner.grace(spec), Step.RestartCause.REQUESTED);
            record(target, observed, steps.runAll(List.of(step)).get(0));
        } catch (EngineException e) {
            outcomes.forget(service);
            return CompletableFuture.failedFuture(e);
        }
        return answer;
    }

    /** One pass now, on the calling thread (tests drive the loop with it from the reconcile thread). */
    void passNow() {
        pass();
    }

    private void pass() {
        if (engineInfo == null) {
            try {
                engineInfo = engine.info();
            } catch (EngineException e) {
                engineUnreachable(e);
                return;
            }
        }
        if (paused || rollout.desired() == null) {
            observeOnly();
            return;
        }
        for (int batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
            DesiredState target = rollout.target();
            pulls.target(target.revision(), imagesToKeep(target));
            ObservedState observed;
            try {
                observed = observe(target);
            } catch (EngineException e) {
                engineUnreachable(e);
                return;
            }
            Instant now = clock.monotonic();
            failures.forgetStableRestarts(target, observed, now);
            Rollout.Verdict verdict = rollout.observed(observed, failures.failures(), now);
            rollout = verdict.next();
            if (verdict instanceof Rollout.RollBack back) {
                rolledBack(back);
                continue; // the target is now the last good revision: plan again from the same observation on
            }
            wakeAt(((Rollout.Continue) verdict).wakeAt());
            Plan plan = Planner.nextSteps(target, observed, rollout.context(now, failures.notBefore(),
                    failures.givenUp(), outcomes.restartRequests()));
            wakeAt(plan.wakeAt());
            if (plan.steps().isEmpty()) {
                finish(target, observed, plan);
                return;
            }
            Set<String> pulling = new HashSet<>();
            plan.steps().stream().filter(s -> s instanceof Step.PullImage).forEach(s -> pulling.add(s.service()));
            reporter.publish(snapshot(target, observed, plan.blocked(), pulling, "applying"));
            boolean anyFailed = false;
            for (StepRunner.Result result : steps.runAll(plan.steps())) {
                anyFailed |= !record(target, observed, result);
            }
            if (anyFailed) {
                // the failed ones back off (or wait for a new revision); the others go on in the next batch
                wakeAt(failures.nextRetry(clock.monotonic()));
            }
        }
        Logger.warn("reconciliation did not settle after {} batches; trying again shortly", MAX_BATCHES_PER_PASS);
        timer.schedule(Guarded.task("a pass", this::requestPass), 5, TimeUnit.SECONDS);
    }

    /** Paused, or no document yet: the report still shows what runs, nothing is changed. */
    private void observeOnly() {
        DesiredState target = rollout.desired() == null ? null : rollout.target();
        try {
            ObservedState observed = observe(target == null ? DesiredState.EMPTY : target);
            engineProblem = null;
            if (paused && appliedRevision == 0) {
                // paused since start: what runs is the revision its containers carry
                appliedRevision = observed.containers().stream().filter(ObservedContainer::managed)
                        .mapToLong(ObservedContainer::revision).max().orElse(0);
            }
            reporter.publish(snapshot(target, observed, Map.of(), Set.of(), paused ? "paused" : "converged"));
        } catch (EngineException e) {
            engineUnreachable(e);
        }
    }

    private void rolledBack(Rollout.RollBack back) {
        Rollback record = back.rollback();
        Logger.warn("rolling revision {} back to revision {}: {}; revision {} is not retried until a newer one "
                + "arrives", record.revision(), back.toRevision(), record.reason(), record.revision());
        history.rolledBack(record);
        reporter.event(record.revision(), EventType.ROLLBACK, null, "revision " + record.revision()
                + " rolled back to revision " + back.toRevision() + ": " + record.reason());
        startOver();
    }

    /** Records one step's result: the rollout, then events and the backoff table. Returns whether it succeeded. */
    private boolean record(DesiredState target, ObservedState before, StepRunner.Result result) {
        Instant now = clock.monotonic();
        Rollout.Continue next = rollout.afterStep(result.step(), result.error() == null, before, now);
        rollout = next.next();
        wakeAt(next.wakeAt());
        wakeAt(outcomes.record(target.revision(), result, now));
        return result.error() == null;
    }

    private void finish(DesiredState target, ObservedState observed, Plan plan) {
        engineProblem = null;
        engineFailures = 0;
        if (plan.settled()) {
            appliedRevision = target.revision();
        } else {
            wakeAt(failures.nextRetry(clock.monotonic()));
        }
        String phase = Phases.of(target, observed, plan, failures.isEmpty());
        if ("converged".equals(phase)) {
            Rollout.Verdict verdict = rollout.converged(observed, clock.monotonic());
            rollout = verdict.next();
            if (verdict instanceof Rollout.Promote promote) {
                // the way back for the next update, once new services have also run a while (replaced ones
                // have: their kept containers are gone only then)
                history.converged(promote.revision());
            } else {
                wakeAt(((Rollout.Continue) verdict).wakeAt());
            }
            if (rollout.rolledBack() != null) {
                phase = "rolled-back";
            }
        }
        reporter.publish(snapshot(target, observed, plan.blocked(), Set.of(), phase));
        boolean done = "converged".equals(phase) || "rolled-back".equals(phase);
        if (done && !convergedAnnounced) {
            convergedAnnounced = true;
            Logger.info("converged on revision {}", target.revision());
            reporter.event(target.revision(), EventType.CONVERGED, null, "revision " + target.revision() + " converged");
            pulls.collect(target.revision(), imagesToKeep(target)); // image GC
        } else if (!done) {
            convergedAnnounced = false;
        }
    }

    private Set<String> imagesToKeep(DesiredState target) {
        return ImagePulls.imagesOf(target, rollout.desired(), rollout.lastGood());
    }

    private StatusReporter.Snapshot snapshot(DesiredState target, ObservedState observed, Map<String, String> blocked,
                                             Set<String> pulling, String phase) {
        return new StatusReporter.Snapshot(target, appliedRevision, engineProblem, engineInfo, blocked,
                failures.messages(), observed, pulling, phase, failures.restartCounts(), rollout.rolledBack());
    }

    private ObservedState observe(DesiredState target) throws EngineException {
        Set<String> images = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (ServiceSpec spec : target.services().values()) {
            images.add(spec.image());
            names.add(spec.containerName());
            names.add(ObservedContainer.keptName(spec.containerName())); // an unmanaged one there blocks keeping
        }
        ObservedState observed = engine.observe(images, names, target.volumes().keySet());
        try {
            observedListener.accept(observed.containers());
        } catch (RuntimeException e) {
            Logger.warn(e, "an observer of the engine state failed");
        }
        return observed;
    }

    private void engineUnreachable(EngineException e) {
        if (worker.isShutdown()) {
            return; // the agent is stopping: an interrupted engine call is expected
        }
        engineFailures++;
        engineInfo = null;
        rollout = rollout.withoutTrials(); // nor is an engine away: trials start over when it returns
        Duration delay = Backoff.delay(engineFailures, Duration.ofSeconds(1), Duration.ofSeconds(30),
                RandomGenerator.getDefault());
        if (!e.getMessage().equals(engineProblem)) {
            Logger.error("{}", e.getMessage());
        }
        engineProblem = e.getMessage();
        reporter.publish(snapshot(rollout.desired() == null ? null : rollout.target(), null, Map.of(), Set.of(),
                "failed"));
        timer.schedule(Guarded.task("a pass", this::requestPass), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A pass at {@code at} (monotonic), or nothing for null. */
    private void wakeAt(Instant at) {
        if (at != null && !worker.isShutdown()) {
            timer.schedule(Guarded.task("a pass", this::requestPass), clock.until(at).toMillis() + 10,
                    TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        steps.close();
        outcomes.close();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
