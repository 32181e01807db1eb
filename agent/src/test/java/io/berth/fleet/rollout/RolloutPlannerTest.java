package io.berth.fleet.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.fleet.Device;
import io.berth.fleet.rollout.Rollout.Target;
import io.berth.model.Selector;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rollout's decisions over records and reports, on a fake clock (PROTOCOL.md §10). */
class RolloutPlannerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode V2 = json("{\"revision\":1,\"services\":{\"web\":{\"image\":\"demo:2\"}}}");
    private static final JsonNode V1 = json("{\"revision\":4,\"services\":{\"web\":{\"image\":\"demo:1\"}}}");
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private final Map<String, Device> devices = new HashMap<>();
    private final Map<String, Documents.Retained> retained = new HashMap<>();
    private Instant now = T0;

    private void device(String id, boolean online, String tier, String phase, long desired, long applied, long good) {
        devices.put(id, new Device(id, online, T0.minusSeconds(3600), Map.of("tier", tier), json("{\"phase\":\""
                + phase + "\",\"revision\":{\"desired\":" + desired + ",\"applied\":" + applied + ",\"good\":" + good
                + "},\"rejected\":null,\"rollback\":null}")));
    }

    private void report(String id, String reportJson) {
        Device d = devices.get(id);
        devices.put(id, new Device(id, d.online(), d.onlineSince(), d.labels(), json(reportJson)));
    }

    private void converged(String id, long revision) {
        report(id, "{\"phase\":\"converged\",\"revision\":{\"desired\":" + revision + ",\"applied\":" + revision
                + ",\"good\":" + revision + "}}");
    }

    /** The three-device fleet of the ITs: one canary, two prod, all on revision 4 of V1. */
    private Rollout threeDevices(String waves, String maxFailures) {
        device("c1", true, "canary", "converged", 4, 4, 4);
        device("p1", true, "prod", "converged", 4, 4, 4);
        device("p2", true, "prod", "converged", 4, 4, 4);
        for (String id : List.of("c1", "p1", "p2")) {
            retained.put(id, Documents.Retained.of(V1));
        }
        return RolloutPlanner.create("r1", "tier in (canary,prod)", null, V2,
                List.of(devices.get("p2"), devices.get("p1"), devices.get("c1")), Selector.parse("tier=canary"),
                waves, maxFailures, Duration.ofMinutes(5), null, T0);
    }

    /** Plays the driver: decides, then "publishes" (the broker retains) and records it. */
    private RolloutPlanner.Decision step(Rollout r) {
        RolloutPlanner.Decision d = RolloutPlanner.next(r, devices, retained, now);
        for (RolloutPlanner.Publish p : d.publish()) {
            var doc = p.content().deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) doc).put("revision", p.revision());
            retained.put(p.device(), Documents.Retained.of(doc));
        }
        return new RolloutPlanner.Decision(RolloutPlanner.published(d.next(), d.publish(), now), d.publish());
    }

    @Test
    void theCanaryGoesFirstAndProdOnlyAfterItConvergedAndPassedItsTrial() {
        Rollout r = threeDevices("1,100%", "0");
        assertEquals(List.of("c1"), r.waves().get(0).devices(), "the canary leads, whatever the input order");
        assertEquals(List.of("p1", "p2"), r.waves().get(1).devices());

        RolloutPlanner.Decision d = step(r);
        assertEquals(List.of("c1"), d.publish().stream().map(RolloutPlanner.Publish::device).toList());
        assertEquals(5, d.publish().get(0).revision(), "the device's own next revision");
        assertEquals(Target.PUBLISHED, d.next().targets().get("c1").state());
        assertEquals(Target.PENDING, d.next().targets().get("p1").state());

        now = T0.plusSeconds(10);
        report("c1", "{\"phase\":\"applying\",\"revision\":{\"desired\":5,\"applied\":4,\"good\":4}}");
        d = step(d.next());
        assertTrue(d.publish().isEmpty(), "prod waits while the canary applies");

        report("c1", "{\"phase\":\"converged\",\"revision\":{\"desired\":5,\"applied\":5,\"good\":4}}");
        d = step(d.next());
        assertTrue(d.publish().isEmpty(), "converged but still on trial: prod waits");

        converged("c1", 5);
        d = step(d.next());
        assertEquals(List.of("p1", "p2"), d.publish().stream().map(RolloutPlanner.Publish::device).toList());
        assertEquals(Target.CONVERGED, d.next().targets().get("c1").state());
        assertNotNull(d.next().waves().get(0).doneAt());

        converged("p1", 5);
        converged("p2", 5);
        d = step(d.next());
        assertEquals(Rollout.COMPLETED, d.next().status());
        assertTrue(d.next().reason().startsWith("3 converged, 0 failed"), d.next().reason());
        assertTrue(step(d.next()).publish().isEmpty(), "a completed rollout publishes nothing more");
    }

    @Test
    void aCanaryThatRollsBackHaltsTheRolloutWithProdUntouched() {
        Rollout r = step(threeDevices("1,100%", "0")).next();
        report("c1", "{\"phase\":\"rolled-back\",\"revision\":{\"desired\":5,\"applied\":4,\"good\":4},"
                + "\"rollback\":{\"revision\":5,\"reason\":\"service web failed: no such image\"}}");
        RolloutPlanner.Decision d = step(r);
        assertEquals(Rollout.HALTED, d.next().status());
        assertTrue(d.next().reason().contains("c1 rolled back: service web failed"), d.next().reason());
        assertTrue(d.publish().isEmpty());
        assertEquals(Target.PENDING, d.next().targets().get("p1").state());
        assertTrue(step(d.next()).publish().isEmpty(), "halted: no further device is touched");
    }

    @Test
    void aRejectionIsAFailureAndMaxFailuresLetsSomeThrough() {
        Rollout r = step(threeDevices("1,100%", "1")).next();
        report("c1", "{\"phase\":\"converged\",\"revision\":{\"desired\":4,\"applied\":4,\"good\":4},"
                + "\"rejected\":{\"revision\":5,\"reason\":\"refused by this device: privileged\"}}");
        RolloutPlanner.Decision d = step(r);
        assertEquals(Rollout.RUNNING, d.next().status(), "one failure is within --max-failures 1");
        assertEquals("rejected: refused by this device: privileged", d.next().targets().get("c1").result());
        assertEquals(2, d.publish().size(), "the next wave starts");
    }

    @Test
    void anOnlineDevicePastTheWaveTimeoutFailsAnOfflineOneNeverBlocks() {
        Rollout r = threeDevices("1,100%", "0");
        devices.put("p2", new Device("p2", false, null, Map.of("tier", "prod"), devices.get("p2").report()));
        r = step(r).next();
        converged("c1", 5);
        r = step(r).next(); // prod wave starts: p1 online, p2 offline
        now = T0.plus(Duration.ofMinutes(4));
        converged("p1", 5);
        RolloutPlanner.Decision d = step(r);
        assertEquals(Rollout.COMPLETED, d.next().status(), "the offline device does not hold the rollout");
        assertEquals(Target.PUBLISHED, d.next().targets().get("p2").state(), "it keeps its retained document");
        assertTrue(d.next().reason().contains("1 offline"), d.next().reason());

        // a device online but stuck: failed at the timeout, not before
        now = T0;
        Rollout s = step(threeDevices("1,100%", "0")).next();
        report("c1", "{\"phase\":\"degraded\",\"revision\":{\"desired\":5,\"applied\":4,\"good\":4}}");
        now = T0.plus(Duration.ofMinutes(5)).minusSeconds(1);
        assertEquals(Target.PUBLISHED, step(s).next().targets().get("c1").state());
        now = T0.plus(Duration.ofMinutes(5));
        RolloutPlanner.Decision late = step(s);
        assertEquals(Rollout.HALTED, late.next().status());
        assertTrue(late.next().targets().get("c1").result().startsWith("timed out"), late.next().targets().get("c1").result());
    }

    @Test
    void aDeviceThatHasNotTakenItsRevisionAtHalfTheTimeoutIsGivenItOnceMore() {
        Rollout r = threeDevices("100%", "0");
        r = step(r).next(); // all three published revision 5
        converged("c1", 5);
        report("p1", "{\"phase\":\"applying\",\"revision\":{\"desired\":5,\"applied\":4,\"good\":4}}");
        now = T0.plus(Duration.ofMinutes(2)).plusSeconds(29);
        assertEquals(List.of(), step(r).publish(), "not before half the wave timeout");
        now = T0.plus(Duration.ofMinutes(2)).plusSeconds(30);
        RolloutPlanner.Decision d = step(r);
        assertEquals(List.of("p2"), d.publish().stream().map(RolloutPlanner.Publish::device).toList(),
                "only p2, which still says revision 4: p1 took it, c1 converged");
        assertEquals(5, d.publish().get(0).revision());
        Target p2 = d.next().targets().get("p2");
        assertEquals(Target.PUBLISHED, p2.state());
        assertTrue(p2.result().startsWith(TargetJudge.PUBLISHED_AGAIN + 5), p2.result());
        assertEquals(T0.toString(), p2.updatedAt(), "its wave timeout counts as before");
        now = T0.plus(Duration.ofMinutes(4));
        assertEquals(List.of(), step(d.next()).publish(), "once only");
        now = T0.plus(Duration.ofMinutes(5));
        assertTrue(step(d.next()).next().targets().get("p2").result().startsWith("timed out"));
    }

    @Test
    void aDeviceThatConnectedAgainAfterThePublishAndHasNotTakenItIsGivenItOnceMoreSoon() {
        Rollout r = threeDevices("100%", "0");
        r = step(r).next(); // all three published revision 5 at T0
        converged("c1", 5);
        converged("p1", 5);
        // p2's broker node went away: it came back on another one 10 s later, still saying revision 4
        Instant back = T0.plusSeconds(10);
        devices.put("p2", new Device("p2", true, back, Map.of("tier", "prod"), devices.get("p2").report()));
        now = back.plus(TargetJudge.RECONNECTED_GRACE).minusSeconds(1);
        assertEquals(List.of(), step(r).publish(), "it may still be taking it");
        now = back.plus(TargetJudge.RECONNECTED_GRACE);
        RolloutPlanner.Decision d = step(r);
        assertEquals(List.of("p2"), d.publish().stream().map(RolloutPlanner.Publish::device).toList());
        assertEquals(5, d.publish().get(0).revision());
        assertTrue(d.next().targets().get("p2").result().startsWith(TargetJudge.PUBLISHED_AGAIN + 5));
        now = T0.plus(Duration.ofMinutes(3));
        assertEquals(List.of(), step(d.next()).publish(), "once only, not again at half the timeout");
        // one that connected again and took it (still applying) is not given it again
        now = T0;
        Rollout fresh = threeDevices("100%", "0");
        fresh = step(fresh).next();
        report("p2", "{\"phase\":\"applying\",\"revision\":{\"desired\":5,\"applied\":4,\"good\":4}}");
        devices.put("p2", new Device("p2", true, back, Map.of("tier", "prod"), devices.get("p2").report()));
        now = back.plus(TargetJudge.RECONNECTED_GRACE);
        assertEquals(List.of(), step(fresh).publish());
    }

    @Test
    void aDeviceThatComesBackGetsItsTimeoutFromThen() {
        Rollout r = threeDevices("100%", "0");
        devices.put("p2", new Device("p2", false, null, Map.of("tier", "prod"), devices.get("p2").report()));
        r = step(r).next();
        now = T0.plus(Duration.ofMinutes(10));
        devices.put("p2", new Device("p2", true, now, Map.of("tier", "prod"), devices.get("p2").report()));
        converged("c1", 5);
        converged("p1", 5);
        RolloutPlanner.Decision d = step(r);
        assertEquals(Rollout.RUNNING, d.next().status(), "p2 is back and has its own five minutes");
        assertEquals(Target.PUBLISHED, d.next().targets().get("p2").state());
    }

    @Test
    void aDecidedPublishIsMadeOnceAfterACrash() {
        Rollout r = threeDevices("1,100%", "0");
        RolloutPlanner.Decision first = RolloutPlanner.next(r, devices, retained, now);
        // the driver wrote first.next() (c1 publishing) and was killed before publishing
        Rollout written = first.next();
        assertEquals(Target.PUBLISHING, written.targets().get("c1").state());
        RolloutPlanner.Decision again = RolloutPlanner.next(written, devices, retained, now);
        assertEquals(1, again.publish().size(), "not on the broker: published on resume");
        assertEquals(5, again.publish().get(0).revision(), "with the revision recorded, not a new one");
        // killed after publishing, before recording it: the retained document says it was done
        var doc = (com.fasterxml.jackson.databind.node.ObjectNode) V2.deepCopy();
        doc.put("revision", 5);
        retained.put("c1", Documents.Retained.of(doc));
        RolloutPlanner.Decision resumed = RolloutPlanner.next(written, devices, retained, now);
        assertTrue(resumed.publish().isEmpty(), "already on the broker: not published twice");
        assertEquals(Target.PUBLISHED, resumed.next().targets().get("c1").state());
        // halted meanwhile: an undone publish is dropped, not made
        retained.put("c1", Documents.Retained.of(V1));
        RolloutPlanner.Decision halted = RolloutPlanner.next(written.withStatus(Rollout.HALTED, "x"), devices, retained, now);
        assertTrue(halted.publish().isEmpty());
        assertEquals(Target.PENDING, halted.next().targets().get("c1").state());
    }

    @Test
    void pauseStopsNewWavesAndResumeGoesOn() {
        Rollout r = step(threeDevices("1,100%", "0")).next();
        r = RolloutPlanner.request(r, "pause", false, now);
        converged("c1", 5);
        RolloutPlanner.Decision d = step(r);
        assertTrue(d.publish().isEmpty());
        assertEquals(Target.CONVERGED, d.next().targets().get("c1").state(), "results still come in");
        d = step(RolloutPlanner.request(d.next(), "resume", false, now));
        assertEquals(2, d.publish().size());
    }

    @Test
    void abortRevertGivesTouchedDevicesTheirPreviousDocumentAsANewerRevision() {
        Rollout r = step(threeDevices("1,100%", "0")).next();
        converged("c1", 5);
        r = step(r).next(); // p1, p2 published
        r = RolloutPlanner.request(r, "abort", true, now);
        RolloutPlanner.Decision d = RolloutPlanner.next(r, devices, retained, now);
        assertEquals(3, d.publish().size());
        RolloutPlanner.Publish c1 = d.publish().stream().filter(p -> p.device().equals("c1")).findFirst().orElseThrow();
        assertEquals(6, c1.revision(), "newer than the rollout's revision");
        assertEquals(Documents.hash(V1), Documents.hash(c1.content()), "the document it had before");
        assertTrue(c1.revert());
        Rollout after = step(r).next();
        assertEquals(Target.REVERTED, after.targets().get("c1").state());
        assertTrue(!after.revertPending());
        assertTrue(step(after).publish().isEmpty(), "reverted once");

        assertThrows(IllegalStateException.class, () -> RolloutPlanner.request(after, "resume", false, now));
    }

    @Test
    void aDeviceWithoutAPreviousDocumentIsKept() {
        device("n1", true, "prod", "starting", 0, 0, 0);
        Rollout r = RolloutPlanner.create("r2", "tier=prod", null, V2, List.of(devices.get("n1")), null, "100%", "0",
                Duration.ofMinutes(5), null, T0);
        r = step(r).next();
        assertEquals(1, r.targets().get("n1").revision(), "a device that never had a document starts at 1");
        Rollout aborted = step(RolloutPlanner.request(r, "abort", true, now)).next();
        assertEquals(Target.KEPT, aborted.targets().get("n1").state());
    }

    @Test
    void theRecordSurvivesJson() throws Exception {
        Rollout r = step(threeDevices("1,100%", "0")).next().written(now, "host/1/x", now.plusSeconds(30));
        Rollout back = Rollout.fromJson(r.toJson());
        assertEquals(r, back);
        assertTrue(r.sameAs(back.written(now.plusSeconds(5), "other", now.plusSeconds(40))));
    }

    @Test
    void noDeviceIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RolloutPlanner.create("r",
                "tier=none", null, V2, List.of(), null, "100%", "0", Duration.ofMinutes(1), null, T0));
        assertTrue(e.getMessage().contains("no device matches the selector 'tier=none'"), e.getMessage());
    }

    @Test
    void aRolloutPausedAfterACrashPublishesTheUndoneDeviceOnResume() {
        Rollout r = threeDevices("1,100%", "0");
        Rollout written = RolloutPlanner.next(r, devices, retained, now).next(); // c1 publishing, driver killed
        RolloutPlanner.Decision p = step(RolloutPlanner.request(written, "pause", false, now));
        assertTrue(p.publish().isEmpty(), "paused: nothing published");
        assertEquals(Target.PUBLISHING, p.next().targets().get("c1").state(), "kept for resume");
        now = now.plusSeconds(3600);
        RolloutPlanner.Decision d = step(RolloutPlanner.request(p.next(), "resume", false, now));
        assertEquals(List.of("c1"), d.publish().stream().map(RolloutPlanner.Publish::device).toList());
        assertEquals(5, d.publish().get(0).revision(), "the recorded revision");
        assertEquals(Target.PUBLISHED, d.next().targets().get("c1").state());
        now = now.plusSeconds(60);
        d = step(d.next());
        assertEquals(Target.PUBLISHED, d.next().targets().get("c1").state(),
                "its wave timeout counts from its late publish, not the wave's start an hour ago");
        converged("c1", 5);
        d = step(d.next());
        assertNotNull(d.next().waves().get(0).doneAt(), "the wave ends");
        assertEquals(List.of("p1", "p2"), d.publish().stream().map(RolloutPlanner.Publish::device).toList());
    }

    @Test
    void aRecordStrandedPendingInAStartedWavePublishesOnResume() {
        Rollout r = threeDevices("1,100%", "0");
        Rollout written = RolloutPlanner.next(r, devices, retained, now).next();
        // what an earlier version wrote for a paused rollout: c1 back to pending, its wave started
        Rollout stranded = RolloutPlanner.next(written.withStatus(Rollout.HALTED, "x"), devices, retained, now).next()
                .withStatus(Rollout.RUNNING, "resumed");
        assertEquals(Target.PENDING, stranded.targets().get("c1").state());
        RolloutPlanner.Decision d = step(stranded);
        assertEquals(List.of("c1"), d.publish().stream().map(RolloutPlanner.Publish::device).toList());
        assertEquals(5, d.publish().get(0).revision());
        assertEquals(Target.PUBLISHED, d.next().targets().get("c1").state());
    }

    @Test
    void abortRevertLeavesADeviceALaterRolloutChanged() {
        Rollout r = threeDevices("100%", "0");
        RolloutPlanner.Decision d = step(r);
        for (String id : List.of("c1", "p1", "p2")) {
            converged(id, 5);
        }
        d = step(d.next());
        assertEquals(Rollout.COMPLETED, d.next().status());
        // a later rollout gives c1 revision 6 of another document
        var doc = (com.fasterxml.jackson.databind.node.ObjectNode) json("{\"services\":{\"web\":{\"image\":\"demo:3\"}}}");
        doc.put("revision", 6);
        retained.put("c1", Documents.Retained.of(doc));
        converged("c1", 6);
        RolloutPlanner.Decision a = step(RolloutPlanner.request(d.next(), "abort", true, now));
        assertEquals(List.of("p1", "p2"), a.publish().stream().map(RolloutPlanner.Publish::device).sorted().toList(),
                "only the devices still on this rollout's document are reverted");
        assertEquals(Target.KEPT, a.next().targets().get("c1").state());
        assertTrue(a.next().targets().get("c1").result().contains("changed since the rollout"));
        assertEquals(Target.REVERTED, a.next().targets().get("p1").state());
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
