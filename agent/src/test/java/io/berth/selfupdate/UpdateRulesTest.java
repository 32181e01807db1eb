package io.berth.selfupdate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.AgentUpdate;
import io.berth.selfupdate.UpdateFiles.Failure;
import io.berth.selfupdate.UpdateFiles.Pending;
import io.berth.selfupdate.UpdateFiles.Result;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpdateRulesTest {
    static final AgentUpdate V2 = new AgentUpdate("0.2.0", "127.0.0.1:5000/berth/agent@sha256:" + "a".repeat(64),
            Duration.ofMinutes(2));
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final Pending PENDING = new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720));
    static final java.nio.file.Path LOG = java.nio.file.Path.of("/var/lib/berth/agent-update/update.log");

    @Test
    void anAppliedRevisionStartsAnUpdateOnlyToAnotherVersion() {
        assertInstanceOf(UpdateRules.Start.class, UpdateRules.applied(7, V2, "0.1.0", List.of()));
        assertInstanceOf(UpdateRules.Nothing.class, UpdateRules.applied(7, V2, "0.2.0", List.of()));
        assertInstanceOf(UpdateRules.Nothing.class, UpdateRules.applied(7, null, "0.1.0", List.of()));
    }

    @Test
    void aFailedUpdateIsShownForItsRevisionAndTriedAgainForANewerOne() {
        Failure failed = new Failure(7, "0.2.0", "dpkg failed", T0);
        assertEquals(new UpdateRules.ShowFailed(failed), UpdateRules.applied(7, V2, "0.1.0", List.of(failed)));
        assertInstanceOf(UpdateRules.Start.class, UpdateRules.applied(8, V2, "0.1.0", List.of(failed)));
        AgentUpdate v3 = new AgentUpdate("0.3.0", V2.packageRef(), null);
        assertInstanceOf(UpdateRules.Start.class, UpdateRules.applied(7, v3, "0.1.0", List.of(failed)),
                "another version of the same revision is another update");
        assertInstanceOf(UpdateRules.Nothing.class, UpdateRules.applied(7, V2, "0.2.0", List.of(failed)),
                "running the version asked for (installed by hand): nothing to show");
    }

    @Test
    void theNewAgentConfirms() {
        assertInstanceOf(UpdateRules.Confirm.class, UpdateRules.pending(PENDING, null, "0.2.0", T0.plusSeconds(30), LOG));
        assertInstanceOf(UpdateRules.Confirm.class, UpdateRules.pending(PENDING, null, "0.2.0", T0.plusSeconds(9999), LOG),
                "even late: it runs, and the updater waits for the word");
    }

    @Test
    void theOldAgentAfterTheUpdaterGaveUpReadsWhy() {
        Result result = new Result("0.2.0", "failed", "dpkg: dependency problems", T0.plusSeconds(60));
        assertEquals(new UpdateRules.Failed("dpkg: dependency problems"),
                UpdateRules.pending(PENDING, result, "0.1.0", T0.plusSeconds(61), LOG));
        UpdateRules.Verdict noReason = UpdateRules.pending(PENDING, new Result("0.2.0", "failed", null, null), "0.1.0",
                T0.plusSeconds(61), LOG);
        assertTrue(((UpdateRules.Failed) noReason).error().contains("journalctl -u berth-agent-update-7"),
                noReason::toString);
    }

    @Test
    void withoutAResultTheDeadlineDecides() {
        assertInstanceOf(UpdateRules.UnderWay.class, UpdateRules.pending(PENDING, null, "0.1.0", T0.plusSeconds(719), LOG));
        assertEquals(new UpdateRules.Failed("no word from the updater within 12m (the 2m timeout plus 10m to install); "
                + "this agent (0.1.0) runs: see journalctl -u berth-agent-update-7 or /var/lib/berth/agent-update/update.log"), UpdateRules.pending(PENDING, null, "0.1.0", T0.plusSeconds(720), LOG));
    }

    @Test
    void aResultOfAnotherUpdateOrASuccessIsNoFailure() {
        assertInstanceOf(UpdateRules.UnderWay.class, UpdateRules.pending(PENDING, new Result("0.1.5", "failed", "x",
                T0), "0.1.0", T0.plusSeconds(1), LOG));
        assertInstanceOf(UpdateRules.UnderWay.class, UpdateRules.pending(PENDING, new Result("0.2.0", "installed",
                null, T0), "0.1.0", T0.plusSeconds(1), LOG));
    }

    @Test
    void aThirdVersionIsAFailure() {
        UpdateRules.Verdict v = UpdateRules.pending(PENDING, null, "0.1.9", T0.plusSeconds(1), LOG);
        assertTrue(((UpdateRules.Failed) v).error().contains("the agent now runs 0.1.9, neither 0.1.0 nor 0.2.0"),
                v::toString);
    }

    @Test
    void theDeadlineLeavesTimeToInstall() {
        assertEquals(T0.plus(Duration.ofMinutes(12)), UpdateRules.deadline(T0, V2));
        assertEquals("90s", UpdateRules.human(Duration.ofSeconds(90)));
        assertEquals("15m", UpdateRules.human(Duration.ofMinutes(15)));
        assertEquals("1h", UpdateRules.human(Duration.ofHours(1)));
    }
}
