package io.berth.fleet.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.fleet.Device;
import io.berth.fleet.rollout.Rollout.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Agent updates (docs/fleet.md, "Agent updates"): each device is given its own retained document
 * with {@code agent} set, and is done only once it reports the new agent version; fake devices,
 * a fixed clock.
 */
class AgentRolloutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final Rollout.Agent AGENT = new Rollout.Agent("0.7.0",
            "127.0.0.1:5000/berth/agent@sha256:" + "ab".repeat(32), "5m");

    private final Map<String, Device> devices = new HashMap<>();
    private final Map<String, Documents.Retained> retained = new HashMap<>();
    private Instant now = T0;

    /** A device online on revision 4 of its own document (the image differs per device), on agent 0.6.0. */
    private void device(String id, boolean withDocument) {
        devices.put(id, new Device(id, true, T0.minusSeconds(3600), Map.of("tier", "prod"), null));
        report(id, "converged", 4, 4, "0.6.0", null);
        if (withDocument) {
            retained.put(id, Documents.Retained.of(json("{\"revision\":4,\"services\":{\"web\":{\"image\":\"demo:"
                    + id + "\"}}}")));
        }
    }

    private void report(String id, String phase, long desired, long applied, String agentVersion, String update) {
        Device d = devices.get(id);
        devices.put(id, new Device(id, d.online(), d.onlineSince(), d.labels(), json("{\"phase\":\"" + phase
                + "\",\"revision\":{\"desired\":" + desired + ",\"applied\":" + applied + ",\"good\":" + applied
                + "},\"agent\":{\"version\":\"" + agentVersion + "\",\"update\":" + update + "}}")));
    }

    private void offline(String id) {
        Device d = devices.get(id);
        devices.put(id, new Device(id, false, null, d.labels(), d.report()));
    }

    private Rollout agentUpdate(String waves, String maxFailures, Duration waveTimeout, String... ids) {
        return RolloutPlanner.createAgentUpdate("a1", "tier=prod", null, AGENT,
                List.of(ids).stream().map(devices::get).toList(), null, waves, maxFailures, waveTimeout, null, T0);
    }

    /** Plays the driver: decides, then "publishes" (the broker retains) and records it. */
    private RolloutPlanner.Decision step(Rollout r) {
        RolloutPlanner.Decision d = RolloutPlanner.next(r, devices, retained, now);
        for (RolloutPlanner.Publish p : d.publish()) {
            retained.put(p.device(), Documents.Retained.of(DeviceDocuments.build(p.content(), p.revision(),
                    p.device(), null)));
        }
        return new RolloutPlanner.Decision(RolloutPlanner.published(d.next(), d.publish(), now), d.publish());
    }

    private static List<String> published(RolloutPlanner.Decision d) {
        return d.publish().stream().map(RolloutPlanner.Publish::device).sorted().toList();
    }

    @Test
    void eachDeviceGetsItsOwnDocumentWithAgentAndIsDoneOnlyOnTheNewVersion() {
        device("d1", true);
        device("d2", true);
        RolloutPlanner.Decision d = step(agentUpdate("1,100%", "0", Duration.ofMinutes(10), "d1", "d2"));
        assertEquals(List.of("d1"), published(d));
        RolloutPlanner.Publish p = d.publish().get(0);
        assertEquals(5, p.revision(), "the device's own next revision");
        assertEquals("demo:d1", p.content().path("services").path("web").path("image").asText(),
                "its own document, not a shared one");
        assertEquals(AGENT.block(), p.content().get("agent"));
        assertFalse(p.content().has("revision"));

        now = T0.plusSeconds(30);
        report("d1", "converged", 5, 5, "0.6.0", null);
        d = step(d.next());
        assertEquals(Target.PUBLISHED, d.next().targets().get("d1").state(), "converged on the old agent: not done");
        assertTrue(d.publish().isEmpty(), "the next wave waits");

        report("d1", "converged", 5, 5, "0.6.0", "{\"revision\":5,\"version\":\"0.7.0\",\"state\":\"installing\"}");
        assertTrue(step(d.next()).publish().isEmpty(), "installing: not done");

        now = T0.plusSeconds(90);
        report("d1", "converged", 5, 5, "0.7.0", null);
        d = step(d.next());
        assertEquals(Target.CONVERGED, d.next().targets().get("d1").state());
        assertEquals("converged on revision 5 with agent 0.7.0", d.next().targets().get("d1").result());
        assertEquals(List.of("d2"), published(d), "the next wave starts");
        assertEquals("demo:d2", d.publish().get(0).content().path("services").path("web").path("image").asText());

        report("d2", "converged", 5, 5, "0.7.0", null);
        d = step(d.next());
        assertEquals(Rollout.COMPLETED, d.next().status());
        assertTrue(d.next().reason().startsWith("2 converged on agent 0.7.0, 0 failed"), d.next().reason());
    }

    @Test
    void aFailedUpdateFailsTheDeviceAndHaltsPastMaxFailures() {
        device("d1", true);
        device("d2", true);
        device("d3", true);
        Rollout r = step(agentUpdate("2,100%", "1", Duration.ofMinutes(10), "d1", "d2", "d3")).next();
        report("d1", "converged", 5, 5, "0.6.0", "{\"revision\":5,\"version\":\"0.7.0\",\"state\":\"failed\","
                + "\"error\":\"the new agent did not report within 5m; 0.6.0 reinstalled\"}");
        report("d2", "converged", 5, 5, "0.7.0", null);
        RolloutPlanner.Decision d = step(r);
        assertEquals(Target.FAILED, d.next().targets().get("d1").state());
        assertEquals("agent update failed: the new agent did not report within 5m; 0.6.0 reinstalled",
                d.next().targets().get("d1").result());
        assertEquals(Rollout.RUNNING, d.next().status(), "one failure is within --max-failures 1");
        assertEquals(List.of("d3"), published(d));

        report("d3", "converged", 5, 5, "0.6.0", "{\"revision\":5,\"version\":\"0.7.0\",\"state\":\"failed\","
                + "\"error\":\"dpkg: dependency problems\"}");
        d = step(d.next());
        assertEquals(Rollout.HALTED, d.next().status());
        assertTrue(d.next().reason().contains("d3 agent update failed: dpkg: dependency problems"), d.next().reason());

        // an update failure of an older revision is not this rollout's
        device("e1", true);
        Rollout e = step(agentUpdate("100%", "0", Duration.ofMinutes(10), "e1")).next();
        report("e1", "converged", 5, 5, "0.6.0", "{\"revision\":3,\"version\":\"0.6.5\",\"state\":\"failed\","
                + "\"error\":\"old\"}");
        assertEquals(Target.PUBLISHED, step(e).next().targets().get("e1").state());
    }

    @Test
    void aDeviceWithoutADesiredDocumentFailsAndIsSentNothing() {
        device("d1", true);
        device("n1", false);
        RolloutPlanner.Decision d = step(agentUpdate("100%", "1", Duration.ofMinutes(10), "d1", "n1"));
        assertEquals(List.of("d1"), published(d), "a document with only 'agent' would remove n1's containers");
        Target n1 = d.next().targets().get("n1");
        assertEquals(Target.FAILED, n1.state());
        assertTrue(n1.result().startsWith("no desired document to carry the agent update: publish one first"),
                n1.result());
        assertNull(retained.get("n1"));
        report("d1", "converged", 5, 5, "0.7.0", null);
        d = step(d.next());
        assertEquals(Rollout.COMPLETED, d.next().status());
        assertNull(retained.get("n1"), "never published");

        device("n2", false);
        assertEquals(Rollout.HALTED, step(step(agentUpdate("100%", "0", Duration.ofMinutes(10), "n2")).next())
                .next().status(), "past --max-failures 0");
    }

    @Test
    void resumeTellsWhetherTheDevicesOwnDocumentWithAgentWasPublished() {
        device("d1", true);
        Rollout r = agentUpdate("100%", "0", Duration.ofMinutes(10), "d1");
        Rollout written = RolloutPlanner.next(r, devices, retained, now).next(); // d1 publishing; driver killed
        assertEquals(Target.PUBLISHING, written.targets().get("d1").state());
        assertNotNull(written.previous().get(written.targets().get("d1").previous()), "its document is recorded");

        RolloutPlanner.Decision again = RolloutPlanner.next(written, devices, retained, now);
        assertEquals(List.of("d1"), published(again), "not on the broker: published on resume");
        assertEquals(5, again.publish().get(0).revision());

        // revision 5 retained, but not this rollout's content (another operator published it): not taken as done
        ObjectNode other = (ObjectNode) json("{\"revision\":5,\"services\":{\"web\":{\"image\":\"demo:d1\"}}}");
        retained.put("d1", Documents.Retained.of(other));
        assertEquals(1, RolloutPlanner.next(written, devices, retained, now).publish().size());

        // killed after publishing: the retained document is its own content with agent, at revision 5
        retained.put("d1", Documents.Retained.of(DeviceDocuments.build(again.publish().get(0).content(), 5, "d1",
                null)));
        RolloutPlanner.Decision resumed = RolloutPlanner.next(written, devices, retained, now);
        assertTrue(resumed.publish().isEmpty(), "already on the broker: not published twice");
        assertEquals(Target.PUBLISHED, resumed.next().targets().get("d1").state());
    }

    @Test
    void abortRevertGivesBackTheDocumentFromBefore() {
        device("d1", true);
        device("d2", true);
        JsonNode before = retained.get("d1").content();
        Rollout r = step(agentUpdate("100%", "0", Duration.ofMinutes(10), "d1", "d2")).next();
        report("d1", "converged", 5, 5, "0.7.0", null);
        // d2's document changed since (a later rollout): it is kept
        retained.put("d2", Documents.Retained.of(json("{\"revision\":6,\"services\":{\"web\":{\"image\":\"x\"}}}")));
        r = step(r).next();
        RolloutPlanner.Decision d = step(RolloutPlanner.request(r, "abort", true, now));
        assertEquals(List.of("d1"), published(d));
        RolloutPlanner.Publish back = d.publish().get(0);
        assertTrue(back.revert());
        assertEquals(6, back.revision());
        assertEquals(Documents.hash(before), Documents.hash(back.content()), "its document from before, without agent");
        assertFalse(back.content().has("agent"));
        assertEquals(Target.REVERTED, d.next().targets().get("d1").state());
        assertEquals(Target.KEPT, d.next().targets().get("d2").state());
    }

    @Test
    void abortRevertAfterAnEarlierAgentUpdateGivesBackTheEarlierAgent() {
        device("d1", true);
        ObjectNode earlier = (ObjectNode) retained.get("d1").content().deepCopy();
        earlier.set("agent", new Rollout.Agent("0.6.0", AGENT.packageRef(), "5m").block());
        earlier.put("revision", 4);
        retained.put("d1", Documents.Retained.of(earlier));
        Rollout r = step(agentUpdate("100%", "0", Duration.ofMinutes(10), "d1")).next();
        assertEquals("0.7.0", retained.get("d1").content().path("agent").path("version").asText(), "replaced");
        RolloutPlanner.Decision d = step(RolloutPlanner.request(r, "abort", true, now));
        assertEquals("0.6.0", d.publish().get(0).content().path("agent").path("version").asText(),
                "the document from before names the earlier agent: this revert downgrades");
    }

    @Test
    void aMixedWaveWaitsForADeviceRestartingIntoTheUpdateNotForOneThatIsAway() {
        for (String id : List.of("ok", "bad", "away", "restarting")) {
            device(id, true);
        }
        device("next", true);
        devices.put("next", new Device("next", true, null, Map.of("tier", "later"), devices.get("next").report()));
        offline("away");
        Rollout r = step(RolloutPlanner.createAgentUpdate("a1", "tier", null, AGENT, List.of("ok", "bad", "away",
                "restarting", "next").stream().map(devices::get).toList(), io.berth.model.Selector.parse("tier=prod"),
                "4,100%", "1", Duration.ofMinutes(1), null, T0)).next();
        assertEquals(List.of("next"), r.waves().get(1).devices());
        now = T0.plusSeconds(60);
        report("ok", "converged", 5, 5, "0.7.0", null);
        report("bad", "converged", 5, 5, "0.6.0", "{\"revision\":5,\"version\":\"0.7.0\",\"state\":\"failed\","
                + "\"error\":\"checksum mismatch\"}");
        report("restarting", "converged", 5, 5, "0.6.0", "{\"revision\":5,\"version\":\"0.7.0\","
                + "\"state\":\"installing\"}");
        offline("restarting");
        RolloutPlanner.Decision d = step(r);
        assertEquals(Target.CONVERGED, d.next().targets().get("ok").state());
        assertEquals(Target.FAILED, d.next().targets().get("bad").state());
        assertEquals(Target.PUBLISHED, d.next().targets().get("away").state());
        assertTrue(d.publish().isEmpty(), "the restarting device holds the wave (the away one does not)");

        // it last reported the update under way: the device's own time, 5m + 10m install + 10m download
        now = T0.plus(Duration.ofMinutes(25)).minusSeconds(1);
        d = step(d.next());
        assertEquals(Target.PUBLISHED, d.next().targets().get("restarting").state());
        now = T0.plus(Duration.ofMinutes(25));
        d = step(d.next());
        Target dark = d.next().targets().get("restarting");
        assertEquals(Target.FAILED, dark.state(), "an update that leaves a device dark must not spread");
        assertTrue(dark.result().startsWith("went offline during the agent update"), dark.result());
        assertEquals(Rollout.HALTED, d.next().status(), "two failures, more than 1");
        assertEquals(Target.PUBLISHED, d.next().targets().get("away").state(), "away: it catches up when back");
        assertEquals(Target.PENDING, d.next().targets().get("next").state());
    }

    @Test
    void aDeviceOnTheOldAgentTimesOutAfterTheAgentTimeoutPlusTwoMinutes() {
        device("d1", true);
        Rollout r = step(agentUpdate("100%", "0", Duration.ofMinutes(1), "d1")).next();
        assertEquals(Duration.ofMinutes(7), TargetJudge.timeout(r));
        report("d1", "converged", 5, 5, "0.6.0", null);
        now = T0.plus(Duration.ofMinutes(7)).minusSeconds(1);
        assertEquals(Target.PUBLISHED, step(r).next().targets().get("d1").state(), "the wave timeout alone is 1m");
        now = T0.plus(Duration.ofMinutes(7));
        Target t = step(r).next().targets().get("d1");
        assertEquals(Target.FAILED, t.state());
        assertEquals("timed out: not on agent 0.7.0 within 420 s (phase converged, applied 5, agent 0.6.0)",
                t.result());
        assertEquals(Duration.ofMinutes(20), TargetJudge.timeout(agentUpdate("100%", "0", Duration.ofMinutes(20),
                "d1")), "a longer wave timeout stands");
    }

    @Test
    void theRecordKeepsTheAgentBlockAndOldRecordsAreDocumentRollouts() throws Exception {
        device("d1", true);
        Rollout r = step(agentUpdate("100%", "0", Duration.ofMinutes(10), "d1")).next();
        String json = new String(r.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"agent\":{\"version\":\"0.7.0\",\"package\":\"127.0.0.1:5000/berth/agent@sha256:"),
                json);
        assertFalse(json.contains("\"document\""), json);
        assertEquals(r, Rollout.fromJson(r.toJson()));

        ObjectNode old = (ObjectNode) JSON.readTree(json);
        old.remove("agent");
        old.set("document", json("{\"services\":{}}"));
        old.put("documentHash", Documents.hash(json("{\"services\":{}}")));
        Rollout read = Rollout.fromJson(JSON.writeValueAsBytes(old));
        assertFalse(read.agentUpdate(), "a record without 'agent' is a document rollout");
        assertEquals(read.documentHash(), TargetContent.hash(read, read.targets().get("d1"), read.previous()));
    }

    @Test
    void theDeviceReadsTheAgentFromItsReport() {
        device("d1", true);
        assertEquals("0.6.0", devices.get("d1").agentVersion());
        assertNull(devices.get("d1").agentUpdate());
        report("d1", "converged", 5, 5, "0.6.0", "{\"revision\":5,\"version\":\"0.7.0\",\"state\":\"failed\","
                + "\"error\":\"boom\",\"since\":\"2026-12-01T10:01:00Z\"}");
        Device.AgentUpdate u = devices.get("d1").agentUpdate();
        assertEquals(new Device.AgentUpdate(5, "0.7.0", "failed", "boom", "2026-12-01T10:01:00Z"), u);
        assertTrue(u.failed());
        assertNull(new Device("x", true, null, Map.of(), json("{\"phase\":\"converged\"}")).agentVersion());
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
