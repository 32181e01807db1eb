package io.berth.reconcile;

import io.berth.engine.EngineException;
import io.berth.plan.Failure;
import io.berth.plan.FailureKey;
import io.berth.plan.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.tinylog.Logger;

/**
 * What the steps of a batch lead to: an event each, the backoff table, and the answer to a
 * user who asked for a restart. Touched only on the reconcile thread.
 */
final class StepOutcomes {
    private final StatusReporter reporter;
    final FailureTable failures;
    /** Restarts users asked for, answered once their step ran. */
    private final Map<String, CompletableFuture<String>> restartRequests = new HashMap<>();

    StepOutcomes(StatusReporter reporter, FailureTable failures) {
        this.reporter = reporter;
        this.failures = failures;
    }

    /** A restart asked for: answered when its step ran (one answer for requests that come together). */
    CompletableFuture<String> restartRequested(String service) {
        return restartRequests.computeIfAbsent(service, s -> new CompletableFuture<>());
    }

    void forget(String service) {
        restartRequests.remove(service);
    }

    Set<String> restartRequests() {
        return Set.copyOf(restartRequests.keySet());
    }

    /**
     * Records one step's result; returns when the loop should look again because of it (an
     * unhealthy restart's backoff), or null.
     */
    Instant record(long revision, StepRunner.Result result, Instant now) {
        Step step = result.step();
        CompletableFuture<String> asked = step instanceof Step.RestartContainer r
                && r.cause() == Step.RestartCause.REQUESTED ? restartRequests.remove(step.service()) : null;
        if (result.error() == null) {
            failures.succeeded(FailureKey.of(step));
            reporter.event(revision, result.outcome().eventType(), step.service(), result.outcome().message());
            if (asked != null) {
                asked.complete(result.outcome().message());
            }
            boolean unhealthy = step instanceof Step.RestartContainer r && r.cause() == Step.RestartCause.UNHEALTHY;
            return unhealthy ? failures.restartedUnhealthy(step.service(), now) : null;
        }
        EngineException e = result.error();
        Failure failure = failures.failed(FailureKey.of(step), e.getMessage(), e.terminal(), now);
        if (failure.terminal()) {
            // retrying cannot help (an image that does not exist): report it and wait for a new revision
            Logger.warn("{}; not retried until a new revision arrives", e.getMessage());
        } else {
            Logger.warn("{} (attempt {}, next try in {} s)", e.getMessage(), failure.count(),
                    Duration.between(now, failure.notBefore()).toSeconds());
        }
        reporter.event(revision, EventType.FAILED, step.service(), e.getMessage());
        if (asked != null) {
            asked.completeExceptionally(e);
        }
        return null;
    }

    /** The agent stops: nobody waits for an answer that will not come. */
    void close() {
        restartRequests.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the agent stopped")));
    }
}
