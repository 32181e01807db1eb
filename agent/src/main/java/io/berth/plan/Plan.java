package io.berth.plan;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The planner's answer: the steps that can run now; for each service that cannot reach its
 * desired state by any step, why (a name clash with an unmanaged container, say); whether
 * something waits (a backoff, a dependency, a replacement on trial); and when the planner wants
 * to look again even if the engine reports nothing ({@code wakeAt}, or null).
 */
public record Plan(List<Step> steps, Map<String, String> blocked, boolean waiting, Instant wakeAt) {

    public Plan {
        steps = List.copyOf(steps);
        blocked = Map.copyOf(blocked);
    }

    public Plan(List<Step> steps, Map<String, String> blocked, boolean waiting) {
        this(steps, blocked, waiting, null);
    }

    /** Nothing to do now and nothing waiting on a backoff: the engine is as close to desired as it gets. */
    public boolean settled() {
        return steps.isEmpty() && !waiting;
    }
}
