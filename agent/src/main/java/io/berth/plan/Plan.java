package io.berth.plan;

import java.util.List;
import java.util.Map;

/**
 * The planner's answer: the steps that can run now, and for each service that cannot reach
 * its desired state by any step, why (a name clash with an unmanaged container, say).
 */
public record Plan(List<Step> steps, Map<String, String> blocked, boolean waiting) {

    public Plan {
        steps = List.copyOf(steps);
        blocked = Map.copyOf(blocked);
    }

    /** Nothing to do now and nothing waiting on a backoff: the engine is as close to desired as it gets. */
    public boolean settled() {
        return steps.isEmpty() && !waiting;
    }
}
