package io.berth.reconcile;

import io.berth.model.DesiredState;
import io.berth.model.ObservedState;
import io.berth.plan.Plan;
import io.berth.plan.Planner;

/** The report's {@code phase} after a pass that ran no step (PROTOCOL.md §4). */
final class Phases {
    private Phases() {}

    /**
     * {@code converged} when every service runs as desired; {@code applying} while something
     * waits (a backoff, a healthcheck still starting) and nothing failed; else {@code degraded}.
     */
    static String of(DesiredState target, ObservedState observed, Plan plan, boolean noFailures) {
        if (!plan.settled()) {
            return noFailures ? "applying" : "degraded";
        }
        boolean all = plan.blocked().isEmpty() && target.services().values().stream()
                .allMatch(spec -> Planner.satisfied(spec, observed.containerOf(spec)));
        if (all) {
            return "converged";
        }
        boolean healthPending = target.services().values().stream().map(observed::containerOf)
                .anyMatch(c -> c != null && c.healthPending());
        return healthPending && noFailures ? "applying" : "degraded";
    }
}
