package io.berth.reconcile;

import io.berth.plan.Rollback;

/**
 * Where the reconciler records what it learns about revisions, so that it survives a restart:
 * the agent keeps both in its state dir. Called on the reconcile thread.
 */
public interface RevisionHistory {

    /** The accepted revision converged: it is the one a later failed update rolls back to. */
    void converged(long revision);

    /** The accepted revision was rolled back (not retried until a newer one arrives); null clears it. */
    void rolledBack(Rollback rollback);

    RevisionHistory NONE = new RevisionHistory() {
        @Override
        public void converged(long revision) {
        }

        @Override
        public void rolledBack(Rollback rollback) {
        }
    };
}
