package io.berth.plan;

import java.time.Instant;

/** What the planner decides for one service in this batch. */
sealed interface Decision {

    /** One step to run now. */
    record Act(Step step) implements Decision {}

    /**
     * Nothing now, but the service is not where it should be yet: a backoff, a dependency, a
     * replacement on trial. {@code wakeAt}: when to look again even if the engine says nothing (or null).
     */
    record Wait(Instant wakeAt) implements Decision {
        static final Wait EVENT = new Wait(null);
    }

    /** No step can bring it to its desired state (a name clash, say): why, for the report. */
    record Blocked(String reason) implements Decision {}

    /** A terminal error: reported already, it waits for a new revision. */
    record GivenUp() implements Decision {}

    /** As desired: nothing to do. */
    record Done() implements Decision {}

    /** Two decisions for one service at once: its kept container's, and its running container's. */
    record Both(Decision first, Decision second) implements Decision {}
}
