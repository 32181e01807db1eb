package io.berth.fleet.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.fleet.Device;
import io.berth.fleet.rollout.Rollout.Target;
import io.berth.spec.Signatures;
import io.berth.spec.SigningKey;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What an agent update may carry and when it gives a device up (docs/fleet.md, "Agent updates"):
 * only the retained document the device runs (and, when the rollout signs, one signed with its key
 * for that device) is given {@code agent} and published again; a device still installing has the
 * device's own time; a device is done once its new agent has confirmed. Fake devices, a fixed clock.
 */
class AgentUpdateGuardsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = AgentRolloutTest.T0;
    private static final Rollout.Agent AGENT = AgentRolloutTest.AGENT; // its timeout is 5m

    private final Map<String, Device> devices = new HashMap<>();
    private final Map<String, Documents.Retained> retained = new HashMap<>();
    private Instant now = T0;
    private SigningKey key;

    /** A device with this report (online unless said), and this document retained on its desired topic. */
    private void device(String id, boolean online, String report, String desired) {
        devices.put(id, new Device(id, online, online ? T0.minusSeconds(3600) : null, Map.of("tier", "prod"),
                report == null ? null : json(report)));
        if (desired != null) {
            retained.put(id, Documents.Retained.of(json(desired)));
        }
    }

    /** A converged report on {@code desired}/{@code applied} with agent {@code version}, plus {@code extra} keys. */
    private static String report(long desired, long applied, String version, String update, String extra) {
        return "{\"phase\":\"converged\",\"revision\":{\"desired\":" + desired + ",\"applied\":" + applied
                + ",\"good\":" + applied + "},\"agent\":{\"version\":\"" + version + "\",\"update\":" + update + "}"
                + extra + "}";
    }

    private Rollout update(String maxFailures, Duration waveTimeout, String... ids) {
        return RolloutPlanner.createAgentUpdate("a1", "tier=prod", null, AGENT,
                List.of(ids).stream().map(devices::get).toList(), null, "100%", maxFailures, waveTimeout,
                key == null ? null : key.keyId(), T0);
    }

    /** Plays the driver: decides, then "publishes" (signed when the rollout signs) and records it. */
    private RolloutPlanner.Decision step(Rollout r) {
        RolloutPlanner.Decision d = RolloutPlanner.next(r, devices, retained, key, now);
        for (RolloutPlanner.Publish p : d.publish()) {
            retained.put(p.device(), Documents.Retained.of(DeviceDocuments.build(p.content(), p.revision(),
                    p.device(), key)));
        }
        return new RolloutPlanner.Decision(RolloutPlanner.published(d.next(), d.publish(), now), d.publish());
    }

    private static SigningKey newKey(String keyId) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        return new SigningKey(keyId, pair.getPrivate());
    }

    private static String signed(SigningKey k, String document) throws Exception {
        return Signatures.sign((ObjectNode) json(document), k.keyId(), k.key()).toString();
    }

    @Test
    void aDocumentTheDeviceRejectedIsNeitherCarriedNorSigned() throws Exception {
        key = newKey("k1");
        // someone with broker write access but no key retained an unsigned revision 9; d1 (trusted keys) refused it
        device("d1", true, report(8, 8, "0.6.0", null, ",\"rejected\":{\"revision\":9,\"reason\":\"signature "
                + "missing\"}"), "{\"revision\":9,\"services\":{\"evil\":{\"image\":\"evil:1\"}}}");
        RolloutPlanner.Decision d = step(update("0", Duration.ofMinutes(10), "d1"));
        assertTrue(d.publish().isEmpty(), "nothing is published: the refused content must not be signed");
        Target t = d.next().targets().get("d1");
        assertEquals(Target.FAILED, t.state());
        assertEquals("its retained revision 9 is not what it runs (rejected: signature missing): publish a good "
                + "document first", t.result());
        assertEquals(9, retained.get("d1").revision());
        d = step(d.next());
        assertEquals(Rollout.HALTED, d.next().status(), "past --max-failures 0");
        assertTrue(d.publish().isEmpty());
        assertEquals(9, retained.get("d1").revision());
    }

    @Test
    void aRolledBackRevisionIsNotGivenBackWithTheAgent() {
        device("d1", true, report(9, 8, "0.6.0", null, ",\"rollback\":{\"revision\":9,\"reason\":\"web did not "
                + "start\"}").replace("converged", "rolled-back"), "{\"revision\":9,\"services\":{\"web\":"
                + "{\"image\":\"demo:broken\"}}}");
        RolloutPlanner.Decision d = step(update("0", Duration.ofMinutes(10), "d1"));
        assertTrue(d.publish().isEmpty(), "its failed services would be tried again");
        assertEquals("its retained revision 9 is not what it runs (rolled back: web did not start): publish a good "
                + "document first", d.next().targets().get("d1").result());
    }

    @Test
    void aDocumentTheDeviceHasNotAppliedIsNotCarried() {
        String nine = "{\"revision\":9,\"services\":{\"web\":{\"image\":\"demo:9\"}}}";
        device("away", false, report(8, 8, "0.6.0", null, ""), nine);
        device("applying", true, report(9, 8, "0.6.0", null, "").replace("converged", "applying"), nine);
        device("silent", true, null, nine);
        device("ok", true, report(9, 9, "0.6.0", null, ""), nine);
        RolloutPlanner.Decision d = step(update("3", Duration.ofMinutes(10), "away", "applying", "silent", "ok"));
        assertEquals(List.of("ok"), d.publish().stream().map(RolloutPlanner.Publish::device).toList());
        assertEquals("its retained revision 9 is not what it runs (not applied: it runs revision 8): publish a good "
                + "document first", d.next().targets().get("away").result());
        assertEquals(Target.FAILED, d.next().targets().get("applying").state());
        assertEquals("its retained revision 9 is not what it runs (not applied: it has not reported): publish a good "
                + "document first", d.next().targets().get("silent").result());
    }

    @Test
    void whenSigningTheRetainedDocumentMustBeSignedWithTheKeyForThatDevice() throws Exception {
        key = newKey("k1");
        String four = report(4, 4, "0.6.0", null, "");
        device("bogus", true, four, "{\"revision\":4,\"services\":{},\"signature\":{\"alg\":\"Ed25519\","
                + "\"keyId\":\"old\",\"value\":\"AAAA\"}}");
        device("unsigned", true, four, "{\"revision\":4,\"services\":{}}");
        device("other", true, four, signed(newKey("k1"), "{\"revision\":4,\"services\":{},\"target\":"
                + "{\"devices\":[\"other\"]}}"));
        device("replayed", false, four, signed(key, "{\"revision\":4,\"services\":{\"x\":{\"image\":\"x:1\"}},"
                + "\"target\":{\"devices\":[\"good\"]}}"));
        device("good", true, four, signed(key, "{\"revision\":4,\"services\":{\"web\":{\"image\":\"demo:1\"}},"
                + "\"target\":{\"devices\":[\"good\"]}}"));
        RolloutPlanner.Decision d = step(update("4", Duration.ofMinutes(10), "bogus", "unsigned", "other",
                "replayed", "good"));
        assertEquals(List.of("good"), d.publish().stream().map(RolloutPlanner.Publish::device).toList());
        JsonNode published = retained.get("good").document();
        assertEquals(5, published.path("revision").asLong());
        for (String id : List.of("bogus", "unsigned", "other", "replayed")) {
            Target t = d.next().targets().get(id);
            assertEquals(Target.FAILED, t.state(), id);
            assertTrue(t.result().startsWith("its retained revision 4 is not signed with key k1 for " + id + " ("),
                    id + ": " + t.result());
            assertTrue(t.result().endsWith("): publish a document signed with it first"), t.result());
            assertEquals(4, retained.get(id).revision(), id + ": nothing published");
        }
        assertTrue(d.next().targets().get("replayed").result().contains("target.devices"),
                d.next().targets().get("replayed").result());
    }

    @Test
    void aDeviceStillUpdatingIsGivenTheDevicesOwnTime() {
        String four = "{\"revision\":4,\"services\":{}}";
        for (String id : List.of("installing", "restarting", "idle")) {
            device(id, true, report(4, 4, "0.6.0", null, ""), four);
        }
        Rollout r = step(update("3", Duration.ofMinutes(1), "installing", "restarting", "idle")).next();
        assertEquals(Duration.ofMinutes(7), TargetJudge.timeout(r));
        String installing = "{\"revision\":5,\"version\":\"0.7.0\",\"state\":\"installing\"}";
        device("installing", true, report(5, 5, "0.6.0", installing, ""), null);
        device("restarting", false, report(5, 5, "0.6.0", installing, ""), null);
        device("idle", true, report(5, 5, "0.6.0", null, ""), null);

        now = T0.plus(Duration.ofMinutes(7));
        r = step(r).next();
        assertEquals(Target.FAILED, r.targets().get("idle").state(), "not updating: the wave timeout");
        assertEquals(Target.PUBLISHED, r.targets().get("installing").state(), "the device allows 5m + 10m after "
                + "the download");
        assertEquals(Target.PUBLISHED, r.targets().get("restarting").state());

        // the agent's timeout + 10 minutes for the install + 10 minutes for the download
        now = T0.plus(Duration.ofMinutes(25)).minusSeconds(1);
        r = step(r).next();
        assertEquals(Target.PUBLISHED, r.targets().get("installing").state());
        assertEquals(Target.PUBLISHED, r.targets().get("restarting").state());
        now = T0.plus(Duration.ofMinutes(25));
        r = step(r).next();
        assertTrue(r.targets().get("installing").result().startsWith("timed out: not on agent 0.7.0 within 1500 s"),
                r.targets().get("installing").result());
        assertTrue(r.targets().get("restarting").result().startsWith("went offline during the agent update"),
                r.targets().get("restarting").result());
    }

    @Test
    void aDeviceIsDoneOnlyOnceTheNewAgentHasConfirmed() {
        device("d1", true, report(4, 4, "0.6.0", null, ""), "{\"revision\":4,\"services\":{}}");
        Rollout r = step(update("0", Duration.ofMinutes(10), "d1")).next();
        now = T0.plusSeconds(60);
        device("d1", true, report(5, 5, "0.7.0", "{\"revision\":5,\"version\":\"0.7.0\",\"state\":\"confirming\"}",
                ""), null);
        r = step(r).next();
        assertEquals(Target.PUBLISHED, r.targets().get("d1").state(), "the device may still go back to 0.6.0");
        device("d1", true, report(5, 5, "0.7.0", "{\"revision\":3,\"version\":\"0.6.5\",\"state\":\"failed\"}", ""),
                null);
        r = step(r).next();
        assertEquals(Target.CONVERGED, r.targets().get("d1").state(), "an older revision's update is not this one");
        assertEquals(Rollout.COMPLETED, r.status());
    }

    @Test
    void aDocumentOfTheSameContentAtAnotherRevisionIsNotTheOnePublished() throws Exception {
        // a document rollout of exactly what d1 has, recorded as publishing revision 5 (the driver died)
        JsonNode doc = json("{\"services\":{\"web\":{\"image\":\"demo:1\"}}}");
        device("d1", true, report(4, 4, "0.6.0", null, ""), "{\"revision\":4,\"services\":{\"web\":{\"image\":"
                + "\"demo:1\"}}}");
        Rollout r = RolloutPlanner.create("r1", "tier=prod", null, doc, List.of(devices.get("d1")), null, "100%", "0",
                Duration.ofMinutes(10), null, T0);
        Rollout publishing = RolloutPlanner.next(r, devices, retained, now).next();
        assertEquals(Target.PUBLISHING, publishing.targets().get("d1").state());
        RolloutPlanner.Decision resumed = RolloutPlanner.next(publishing, devices, retained, now);
        assertEquals(1, resumed.publish().size(), "revision 4 is not revision 5, though its content is the same");
        assertEquals(5, resumed.publish().get(0).revision());
        assertFalse(TargetContent.isOnBroker(publishing, publishing.targets().get("d1"), publishing.previous(),
                retained.get("d1")));
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
