package io.berth.reconcile;

import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.EngineInfo;
import io.berth.model.DesiredState;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import io.berth.plan.Plan;
import io.berth.plan.PlanContext;
import io.berth.plan.Planner;
import io.berth.plan.Step;
import io.berth.spec.SpecError;
import io.berth.support.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The level-based loop: observe, plan, apply the next batch, observe again, until the plan is
 * settled. Runs on one thread of its own; every field below is touched only there.
 */
public final class Reconciler implements AutoCloseable {

    private static final int MAX_BATCHES_PER_PASS = 50;
    private static final Duration RETRY_BASE = Duration.ofSeconds(2);
    private static final Duration RETRY_CAP = Duration.ofMinutes(5);
    private static final Duration UNHEALTHY_BASE = Duration.ofSeconds(5);
    /** Healthy this long after its last unhealthy restart, a service's restart backoff starts over. */
    private static final Duration STABLE_RUN = Duration.ofMinutes(10);

    private final Engine engine;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final StatusReporter reporter;
    private final StepExecutor executor;
    /** Pulls with disk check and progress events; its collector is the image GC. */
    private final ImagePulls pulls;
    private final ExecutorService worker;
    /** Runs the steps of one batch in parallel: at most 4 threads, none while idle. */
    private final ThreadPoolExecutor stepPool;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final AtomicBoolean passQueued = new AtomicBoolean();

    private DesiredState desired;
    /** The last revision that converged: what a failed update rolls back to (null: none yet). */
    private DesiredState lastGood;
    /** Set while the accepted revision is rolled back: the target is then {@link #lastGood}. */
    private Rollback rolledBack;
    /** Services of the accepted revision on trial: when their replacement began (the health timeout counts from then). */
    private final Map<String, Instant> trialStarted = new HashMap<>();
    /** Images pulled since the revision was accepted ({@code pull_policy: always} pulls once per revision). */
    private final Set<String> pulledImages = new HashSet<>();
    /** Running dependants to restart because a dependency was replaced ({@code depends_on.restart: true}). */
    private final Map<String, String> restartsForDependency = new HashMap<>();
    private RevisionHistory history = RevisionHistory.NONE;
    private long appliedRevision;
    private final Map<String, Failure> failures = new HashMap<>();
    /** Unhealthy restarts per service: how many in a row, and when the next one may come. */
    private final Map<String, Failure> unhealthyRestarts = new HashMap<>();
    private String engineProblem;
    private int engineFailures;
    private EngineInfo engineInfo;
    private boolean convergedAnnounced;
    private volatile Consumer<List<ObservedContainer>> observedListener = c -> { };
    private boolean paused;

    /** A step that failed for a service (or {@code volume:NAME}): why, how often, and when to try again. */
    record Failure(String message, int count, Instant notBefore, boolean terminal) {}

    /**
     * @param ownership the labels that mark what this agent creates ({@code Labels.ownership})
     * @param defaults  the data root of relative binds and the default log limits
     */
    public Reconciler(Engine engine, Map<String, String> ownership, Clock clock, ScheduledExecutorService timer,
                      StatusReporter reporter, ContainerDefaults defaults) {
        this(engine, ownership, clock, timer, reporter, defaults, null);
    }

    /**
     * @param images the state dir of the pulled-images record and the disk floor of pulls; null: no
     *               disk check before pulls and no image GC
     */
    public Reconciler(Engine engine, Map<String, String> ownership, Clock clock, ScheduledExecutorService timer,
                      StatusReporter reporter, ContainerDefaults defaults, ImageSettings images) {
        this.engine = engine;
        this.clock = clock;
        this.timer = timer;
        this.reporter = reporter;
        this.pulls = new ImagePulls(engine, reporter, clock, images);
        this.executor = new StepExecutor(engine, ownership, defaults, pulls);
        this.stepPool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "berth-step");
            t.setDaemon(true);
            return t;
        });
        this.stepPool.allowCoreThreadTimeOut(true);
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "berth-reconcile");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs a task on the reconcile thread (documents, commands): one thread, so no locks. */
    public void submit(Runnable task) {
        worker.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                Logger.error(e, "unexpected failure on the reconcile thread");
            }
        });
    }

    /** Asks for a pass; requests made while one is queued are folded into it. */
    public void requestPass() {
        if (passQueued.compareAndSet(false, true)) {
            submit(() -> {
                passQueued.set(false);
                pass();
            });
        }
    }

    /** Where converged and rolled-back revisions are recorded (the state dir). */
    public void setHistory(RevisionHistory history) {
        this.history = history;
    }

    /** A newly accepted desired state (call on the reconcile thread, e.g. from {@link #submit}). */
    public void setDesired(DesiredState state) {
        if (rolledBack != null && state.revision() > rolledBack.revision()) {
            rolledBack = null; // a newer revision: the rolled-back one is left behind
            history.rolledBack(null);
        }
        this.desired = state;
        startOver();
        pass();
    }

    /**
     * The state found in the state dir at start: the accepted revision, the last one that
     * converged (or null), and whether the accepted one was rolled back (or null).
     */
    public void restore(DesiredState accepted, DesiredState good, Rollback rollback) {
        this.lastGood = good;
        this.rolledBack = rollback != null && good != null && rollback.revision() == accepted.revision()
                ? rollback : null;
        this.desired = accepted;
        startOver();
        pass();
    }

    private void startOver() {
        failures.clear();
        unhealthyRestarts.clear();
        trialStarted.clear();
        pulledImages.clear();
        restartsForDependency.clear();
        convergedAnnounced = false;
    }

    /** What the engine should run: the accepted revision, or the last good one while that is rolled back. */
    private DesiredState target() {
        return rolledBack != null ? lastGood : desired;
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
        trialStarted.clear(); // a pause is no replacement's fault: trials start over when it resumes
        pass();
    }

    public void setAppliedRevision(long revision) {
        this.appliedRevision = revision;
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
        if (paused) {
            try {
                ObservedState observed = observe(desired == null ? DesiredState.EMPTY : target());
                if (appliedRevision == 0) {
                    // paused since start: what runs is the revision its containers carry
                    appliedRevision = observed.containers().stream().filter(c -> c.managed())
                            .mapToLong(c -> c.revision()).max().orElse(0);
                }
                reporter.publish(snapshot(target(), observed, Map.of(), Set.of(), "paused"));
            } catch (EngineException e) {
                engineUnreachable(e);
            }
            return;
        }
        if (desired == null) {
            observeAndReport(DesiredState.EMPTY);
            return;
        }
        Set<String> pulling = new HashSet<>();
        for (int batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
            DesiredState target = target();
            pulls.target(target.revision(), imagesToKeep(target));
            ObservedState observed;
            try {
                observed = observe(target);
            } catch (EngineException e) {
                engineUnreachable(e);
                return;
            }
            forgetStableRestarts(target, observed);
            if (target == desired && rollBackIfFailed(observed)) {
                continue; // the target is now the last good revision: plan again from the same observation on
            }
            Plan plan = Planner.nextSteps(target, observed, new PlanContext(clock.instant(), notBefore(), givenUp(),
                    pulledImages, target == desired ? lastGood : null, restartsForDependency));
            if (plan.wakeAt() != null) {
                scheduleAt(plan.wakeAt());
            }
            if (plan.steps().isEmpty()) {
                finish(target, observed, plan);
                return;
            }
            pulling.clear();
            plan.steps().stream().filter(s -> s instanceof Step.PullImage).forEach(s -> pulling.add(s.service()));
            reporter.publish(snapshot(target, observed, plan.blocked(), pulling, "applying"));
            boolean anyFailed = false;
            for (StepResult result : runAll(plan.steps())) {
                anyFailed |= !record(target, result);
                if (result.error() == null) {
                    noteReplacedDependency(target, observed, result.step());
                }
            }
            if (anyFailed) {
                // the failed ones back off (or wait for a new revision); the others go on in the next batch
                scheduleRetry();
            }
        }
        Logger.warn("reconciliation did not settle after {} batches; trying again shortly", MAX_BATCHES_PER_PASS);
        timer.schedule(this::requestPass, 5, TimeUnit.SECONDS);
    }

    /** What became of one step: its outcome, or the engine's refusal. */
    private record StepResult(Step step, StepExecutor.Outcome outcome, EngineException error) {}

    /**
     * Runs one batch. The planner only puts independent steps in a batch, so they run in
     * parallel on a small bounded pool (the engine does the waiting: pulls, starts); results are
     * recorded here, on the reconcile thread, in the plan's order.
     */
    private List<StepResult> runAll(List<Step> steps) {
        if (steps.size() == 1) {
            return List.of(runOne(steps.get(0)));
        }
        List<Future<StepResult>> running = new ArrayList<>();
        for (Step step : steps) {
            running.add(stepPool.submit(() -> runOne(step)));
        }
        List<StepResult> results = new ArrayList<>();
        for (Future<StepResult> future : running) {
            try {
                results.add(future.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException e) {
                throw new IllegalStateException("a step failed unexpectedly", e.getCause());
            }
        }
        return results;
    }

    private StepResult runOne(Step step) {
        try {
            return new StepResult(step, executor.execute(step), null);
        } catch (EngineException e) {
            return new StepResult(step, null, e);
        }
    }

    private boolean record(DesiredState target, StepResult result) {
        Step step = result.step();
        String key = failureKey(step);
        if (target == desired) {
            startTrial(step);
        }
        if (result.error() == null) {
            failures.remove(key);
            if (step instanceof Step.PullImage pull) {
                pulledImages.add(pull.image());
                ServiceSpec spec = desired.services().get(pull.service());
                if (trialStarted.containsKey(pull.service()) && spec != null) {
                    beginTrial(spec); // kill-then-download: stopped before the pull, but pull time does not count
                }
            }
            if (step instanceof Step.RestartContainer) {
                Failure previous = unhealthyRestarts.get(step.service());
                int count = previous == null ? 1 : previous.count() + 1;
                Duration delay = Backoff.delay(count, UNHEALTHY_BASE, RETRY_CAP, random);
                unhealthyRestarts.put(step.service(), new Failure("restarted " + count + " time(s) for being unhealthy",
                        count, clock.instant().plus(delay), false));
                scheduleAt(clock.instant().plus(delay));
            }
            reporter.event(target.revision(), result.outcome().eventType(), step.service(), result.outcome().message());
            return true;
        }
        EngineException e = result.error();
        Failure previous = failures.get(key);
        int count = previous == null ? 1 : previous.count() + 1;
        Duration delay = Backoff.delay(count, RETRY_BASE, RETRY_CAP, random);
        if (e.terminal()) {
            // retrying cannot help (an image that does not exist): report it and wait for a new revision
            failures.put(key, new Failure(e.getMessage(), count, Instant.MAX, true));
            Logger.warn("{}; not retried until a new revision arrives", e.getMessage());
            reporter.event(target.revision(), "failed", step.service(), e.getMessage());
            return false;
        }
        failures.put(key, new Failure(e.getMessage(), count, clock.instant().plus(delay), false));
        Logger.warn("{} (attempt {}, next try in {} s)", e.getMessage(), count, delay.toSeconds());
        reporter.event(target.revision(), "failed", step.service(), e.getMessage());
        return false;
    }

    private void finish(DesiredState target, ObservedState observed, Plan plan) {
        engineProblem = null;
        engineFailures = 0;
        if (plan.settled()) {
            appliedRevision = target.revision();
        } else {
            scheduleRetry();
        }
        String phase = phaseFor(target, observed, plan);
        if ("converged".equals(phase) && target == desired && lastGood != desired && trialsPassed(observed)) {
            // the way back for the next update, once new services have also run a while (replaced ones
            // have: their kept containers are gone only then)
            lastGood = desired;
            trialStarted.clear();
            history.converged(desired.revision());
        }
        if ("converged".equals(phase) && rolledBack != null) {
            phase = "rolled-back";
        }
        reporter.publish(snapshot(target, observed, plan.blocked(), Set.of(), phase));
        if (("converged".equals(phase) || "rolled-back".equals(phase)) && !convergedAnnounced) {
            convergedAnnounced = true;
            Logger.info("converged on revision {}", target.revision());
            reporter.event(target.revision(), "converged", null, "revision " + target.revision() + " converged");
            collectImages(target);
        } else if (!"converged".equals(phase) && !"rolled-back".equals(phase)) {
            convergedAnnounced = false;
        }
    }

    /**
     * The image references image GC keeps: the target revision's, the accepted one's and the last
     * good one's (the way back while a revision is on trial). Images of kept containers are in use,
     * which the collector never touches anyway.
     */
    private Set<String> imagesToKeep(DesiredState target) {
        Set<String> keep = new HashSet<>();
        for (DesiredState state : new DesiredState[] {target, desired, lastGood}) {
            if (state != null) {
                state.services().values().forEach(spec -> keep.add(spec.image()));
            }
        }
        return keep;
    }

    /** Image GC after a revision converged: removes the images Berth pulled that nothing needs any more. */
    private void collectImages(DesiredState target) {
        ImageCollector collector = pulls.collector();
        if (collector != null) {
            collector.collect(target.revision(), imagesToKeep(target));
        }
    }

    private StatusReporter.Snapshot snapshot(DesiredState target, ObservedState observed, Map<String, String> blocked,
                                             Set<String> pulling, String phase) {
        Map<String, Integer> restarts = new HashMap<>();
        unhealthyRestarts.forEach((service, f) -> restarts.put(service, f.count()));
        return new StatusReporter.Snapshot(target, appliedRevision, null, engineInfo, blocked, failureMessages(),
                observed, pulling, phase, restarts, rolledBack);
    }

    private String phaseFor(DesiredState target, ObservedState observed, Plan plan) {
        if (!plan.settled()) {
            return failures.isEmpty() ? "applying" : "degraded";
        }
        boolean all = plan.blocked().isEmpty() && target.services().values().stream()
                .allMatch(spec -> Planner.satisfied(spec, StatusReporter.containerOf(spec, observed)));
        if (all) {
            return "converged";
        }
        boolean healthPending = target.services().values().stream().map(spec -> StatusReporter.containerOf(spec, observed))
                .anyMatch(c -> c != null && "running".equals(c.status()) && "starting".equals(c.health()));
        return healthPending && failures.isEmpty() ? "applying" : "degraded";
    }

    private void observeAndReport(DesiredState target) {
        try {
            ObservedState observed = observe(target);
            engineProblem = null;
            reporter.publish(snapshot(null, observed, Map.of(), Set.of(), "converged"));
        } catch (EngineException e) {
            engineUnreachable(e);
        }
    }

    private ObservedState observe(DesiredState target) throws EngineException {
        Set<String> images = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (ServiceSpec spec : target.services().values()) {
            images.add(spec.image());
            names.add(spec.containerName());
            names.add(Planner.keptName(spec.containerName())); // an unmanaged one there blocks keeping for a rollback
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
        trialStarted.clear(); // nor is an engine away: trials start over when it returns
        Duration delay = Backoff.delay(engineFailures, Duration.ofSeconds(1), Duration.ofSeconds(30), random);
        if (!e.getMessage().equals(engineProblem)) {
            Logger.error("{}", e.getMessage());
        }
        engineProblem = e.getMessage();
        reporter.publish(new StatusReporter.Snapshot(desired == null ? null : target(), appliedRevision, engineProblem,
                null, Map.of(), failureMessages(), null, Set.of(), "failed", Map.of(), rolledBack));
        timer.schedule(this::requestPass, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scheduleAt(Instant at) {
        timer.schedule(this::requestPass, Math.max(0, Duration.between(clock.instant(), at).toMillis()) + 10,
                TimeUnit.MILLISECONDS);
    }

    /**
     * The services of the accepted revision whose spec differs from the last good revision's:
     * their replacements are on trial. None where rollback is off or nothing converged yet.
     */
    private Map<String, ServiceSpec> onTrial() {
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
     * Whether every service on trial is good, not merely running: one without a healthcheck must
     * have run {@link Planner#STABLE_START}. A pass is scheduled for when the next one will have.
     */
    private boolean trialsPassed(ObservedState observed) {
        Instant now = clock.instant();
        Instant next = null;
        for (ServiceSpec spec : onTrial().values()) {
            ObservedContainer c = StatusReporter.containerOf(spec, observed);
            Instant goodAt = c == null ? null : Planner.goodAt(spec, c);
            if (goodAt == null) {
                return false;
            }
            if (now.isBefore(goodAt) && (next == null || goodAt.isBefore(next))) {
                next = goodAt;
            }
        }
        if (next != null) {
            scheduleAt(next);
            return false;
        }
        return true;
    }

    /**
     * After a step that gave a service a new or restored container: its running dependants whose
     * {@code depends_on} says {@code restart: true} are restarted once it is up (as Compose does).
     * A dependant that itself got a new container or was restarted needs nothing more.
     */
    private void noteReplacedDependency(DesiredState target, ObservedState before, Step step) {
        if (step instanceof Step.CreateContainer || step instanceof Step.StartContainer
                || step instanceof Step.RestartForDependency) {
            restartsForDependency.remove(step.service());
        }
        if (!(step instanceof Step.CreateContainer) && !(step instanceof Step.RestoreContainer)) {
            return;
        }
        for (ServiceSpec dependant : target.services().values()) {
            ServiceOptions.Dependency dependency = dependant.options().dependsOn().get(step.service());
            ObservedContainer running = StatusReporter.containerOf(dependant, before);
            if (dependency != null && dependency.restart() && running != null && running.isRunning()
                    && dependant.hash().equals(running.specHash())) {
                restartsForDependency.put(dependant.name(), step.service());
            }
        }
    }

    /** A service's trial starts with the first step that changes its container (pulls do not count). */
    private void startTrial(Step step) {
        if (step instanceof Step.PullImage || step.service() == null || trialStarted.containsKey(step.service())) {
            return;
        }
        ServiceSpec spec = onTrial().get(step.service());
        if (spec != null) {
            beginTrial(spec);
        }
    }

    /** (Re)starts a service's trial now, with a pass scheduled for its health timeout; returns now. */
    private Instant beginTrial(ServiceSpec spec) {
        Instant now = clock.instant();
        trialStarted.put(spec.name(), now);
        scheduleAt(now.plus(desired.update().healthTimeoutFor(spec)));
        return now;
    }

    /**
     * Rolls the accepted revision back to the last good one when a service on trial hit a
     * terminal error, or is not good within its health timeout. Returns whether it did.
     */
    private boolean rollBackIfFailed(ObservedState observed) {
        Instant now = clock.instant();
        for (Map.Entry<String, ServiceSpec> entry : onTrial().entrySet()) {
            String service = entry.getKey();
            ServiceSpec spec = entry.getValue();
            Failure failure = failures.get(service);
            String reason = null;
            if (failure != null && failure.terminal()) {
                reason = "service " + service + " failed: " + failure.message();
            } else {
                Instant started = trialStarted.get(service);
                Duration timeout = desired.update().healthTimeoutFor(spec);
                ObservedContainer c = StatusReporter.containerOf(spec, observed);
                // timed from now: a service not started for want of a dependency (that one's own trial
                // decides), or a replacement this process did not make (a restart mid-update)
                if (started != null ? Planner.waitsForDependency(spec, desired, observed)
                        : c != null && spec.hash().equals(c.specHash())) {
                    started = beginTrial(spec);
                }
                Instant goodAt = c == null ? null : Planner.goodAt(spec, c);
                if (started != null && !now.isBefore(started.plus(timeout))
                        && (goodAt == null || now.isBefore(goodAt))) {
                    reason = "service " + service + " was not " + (spec.options().healthcheck() != null
                            || (c != null && !"none".equals(c.health())) ? "healthy" : "running") + " within "
                            + timeout.toSeconds() + " s of its update (" + describe(c, failure) + ")";
                }
            }
            if (reason != null) {
                rollBack(reason);
                return true;
            }
        }
        return false;
    }

    private static String describe(ObservedContainer c, Failure failure) {
        if (failure != null) {
            return failure.message();
        }
        if (c == null) {
            return "no container";
        }
        String state = c.status() + ("none".equals(c.health()) ? "" : ", " + c.health());
        return c.exitCode() != null && !"running".equals(c.status()) ? state + ", exit code " + c.exitCode() : state;
    }

    private void rollBack(String reason) {
        long failed = desired.revision();
        rolledBack = new Rollback(failed, reason);
        Logger.warn("rolling revision {} back to revision {}: {}; revision {} is not retried until a newer one "
                + "arrives", failed, lastGood.revision(), reason, failed);
        history.rolledBack(rolledBack);
        reporter.event(failed, "rollback", null, "revision " + failed + " rolled back to revision "
                + lastGood.revision() + ": " + reason);
        startOver();
    }

    /** A service healthy for a stable run after its last unhealthy restart starts its backoff over. */
    private void forgetStableRestarts(DesiredState target, ObservedState observed) {
        Instant now = clock.instant();
        unhealthyRestarts.entrySet().removeIf(e -> {
            ServiceSpec spec = target.services().get(e.getKey());
            if (spec == null) {
                return true;
            }
            ObservedContainer c = StatusReporter.containerOf(spec, observed);
            return c != null && "healthy".equals(c.health()) && now.isAfter(e.getValue().notBefore().plus(STABLE_RUN));
        });
    }

    private void scheduleRetry() {
        Instant now = clock.instant();
        failures.values().stream().filter(f -> !f.terminal()).map(Failure::notBefore).filter(now::isBefore)
                .min(Instant::compareTo)
                .ifPresent(at -> timer.schedule(this::requestPass, Duration.between(now, at).toMillis() + 10,
                        TimeUnit.MILLISECONDS));
    }

    private Set<String> givenUp() {
        Set<String> keys = new HashSet<>();
        failures.forEach((key, f) -> {
            if (f.terminal()) {
                keys.add(key);
            }
        });
        return keys;
    }

    private Map<String, Instant> notBefore() {
        Map<String, Instant> table = new HashMap<>();
        failures.forEach((key, f) -> table.put(key, f.notBefore()));
        unhealthyRestarts.forEach((service, f) -> table.put(Planner.restartKey(service), f.notBefore()));
        return table;
    }

    private Map<String, String> failureMessages() {
        Map<String, String> messages = new HashMap<>();
        failures.forEach((key, f) -> messages.put(key, f.message()));
        return messages;
    }

    private static String failureKey(Step step) {
        if (step instanceof Step.CreateNetwork create) {
            return "network:" + create.network().name();
        }
        if (step instanceof Step.RemoveNetwork remove) {
            return "network:" + remove.name();
        }
        return step instanceof Step.CreateVolume create ? "volume:" + create.volume().name() : step.service();
    }

    @Override
    public void close() {
        worker.shutdownNow();
        stepPool.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
