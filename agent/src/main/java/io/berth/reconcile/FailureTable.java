package io.berth.reconcile;

import io.berth.model.DesiredState;
import io.berth.model.Health;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ServiceSpec;
import io.berth.plan.Failure;
import io.berth.plan.FailureKey;
import io.berth.support.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The backoff table of the reconcile loop: failed steps (what, why, how often, when to try
 * again) and the restarts of services that keep turning unhealthy. Instants are monotonic.
 * Touched only on the reconcile thread.
 */
final class FailureTable {

    static final Duration RETRY_BASE = Duration.ofSeconds(2);
    static final Duration RETRY_CAP = Duration.ofMinutes(5);
    static final Duration UNHEALTHY_BASE = Duration.ofSeconds(5);
    /** Healthy this long after its last unhealthy restart, a service's restart backoff starts over. */
    static final Duration STABLE_RUN = Duration.ofMinutes(10);

    private final RandomGenerator random;
    private final Map<FailureKey, Failure> failures = new HashMap<>();
    /** Unhealthy restarts per service: how many in a row, and when the next one may come. */
    private final Map<String, Failure> unhealthyRestarts = new HashMap<>();

    FailureTable(RandomGenerator random) {
        this.random = random;
    }

    /** Records a failure; a terminal one is not tried again until a new revision. */
    Failure failed(FailureKey key, String message, boolean terminal, Instant now) {
        Failure previous = failures.get(key);
        int count = previous == null ? 1 : previous.count() + 1;
        Failure failure = terminal ? new Failure(message, count, Instant.MAX, true)
                : new Failure(message, count, now.plus(Backoff.delay(count, RETRY_BASE, RETRY_CAP, random)), false);
        failures.put(key, failure);
        return failure;
    }

    void succeeded(FailureKey key) {
        failures.remove(key);
    }

    /** Records a restart for being unhealthy; returns when the next may come. */
    Instant restartedUnhealthy(String service, Instant now) {
        Failure previous = unhealthyRestarts.get(service);
        int count = previous == null ? 1 : previous.count() + 1;
        Instant next = now.plus(Backoff.delay(count, UNHEALTHY_BASE, RETRY_CAP, random));
        unhealthyRestarts.put(service, new Failure("restarted " + count + " time(s) for being unhealthy", count,
                next, false));
        return next;
    }

    /** A service healthy for a stable run after its last unhealthy restart starts its backoff over. */
    void forgetStableRestarts(DesiredState target, ObservedState observed, Instant now) {
        unhealthyRestarts.entrySet().removeIf(e -> {
            ServiceSpec spec = target.services().get(e.getKey());
            if (spec == null) {
                return true;
            }
            ObservedContainer c = observed.containerOf(spec);
            return c != null && c.health() == Health.HEALTHY && now.isAfter(e.getValue().notBefore().plus(STABLE_RUN));
        });
    }

    void clear() {
        failures.clear();
        unhealthyRestarts.clear();
    }

    boolean isEmpty() {
        return failures.isEmpty();
    }

    Map<FailureKey, Failure> failures() {
        return Map.copyOf(failures);
    }

    /** The earliest retry still to come, or null. */
    Instant nextRetry(Instant now) {
        return failures.values().stream().filter(f -> !f.terminal()).map(Failure::notBefore).filter(now::isBefore)
                .min(Instant::compareTo).orElse(null);
    }

    Set<FailureKey> givenUp() {
        Set<FailureKey> keys = new HashSet<>();
        failures.forEach((key, f) -> {
            if (f.terminal()) {
                keys.add(key);
            }
        });
        return keys;
    }

    Map<FailureKey, Instant> notBefore() {
        Map<FailureKey, Instant> table = new HashMap<>();
        failures.forEach((key, f) -> table.put(key, f.notBefore()));
        unhealthyRestarts.forEach((service, f) -> table.put(FailureKey.unhealthyRestart(service), f.notBefore()));
        return table;
    }

    Map<FailureKey, String> messages() {
        Map<FailureKey, String> messages = new HashMap<>();
        failures.forEach((key, f) -> messages.put(key, f.message()));
        return messages;
    }

    Map<String, Integer> restartCounts() {
        Map<String, Integer> restarts = new HashMap<>();
        unhealthyRestarts.forEach((service, f) -> restarts.put(service, f.count()));
        return restarts;
    }
}
