package io.berth.agent;

import static io.berth.spec.SpecFixtures.desired;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.DesiredState;
import io.berth.reconcile.StatusReporter.Snapshot;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An agent update starts only once its revision is the device's good one: converged is reported
 * before the new services' trial ends, and a restart would rebuild the trials empty, leaving the
 * revision without its rollback.
 */
class AgentUpdateGateTest {
    static final DesiredState R7 = desired("{\"revision\": 7, \"services\": {}, \"agent\": {\"version\": \"0.2.0\", "
            + "\"package\": \"127.0.0.1:5000/berth/agent@sha256:" + "ab".repeat(32) + "\"}}");

    static Snapshot snapshot(String phase) {
        return new Snapshot(R7, 7, null, null, Map.of(), Map.of(), null, Set.of(), phase);
    }

    @Test
    void convergedButStillOnTrialIsNotEnough() {
        assertFalse(Agent.updateMayStart(snapshot("converged"), 6));
        assertFalse(Agent.updateMayStart(snapshot("converged"), 0));
        assertFalse(Agent.updateMayStart(snapshot("degraded"), 6));
    }

    @Test
    void theGoodRevisionIs() {
        assertTrue(Agent.updateMayStart(snapshot("converged"), 7));
        assertFalse(Agent.updateMayStart(new Snapshot(null, 0, null, null, Map.of(), Map.of(), null, Set.of(), "starting"), 0));
    }
}
