package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.Signatures;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §3: a device with trusted keys and a strict policy rejects, with paths, and changes nothing. */
class PolicyAndSignatureIT extends WithTestDevice {
    private static final ObjectMapper JSON = new ObjectMapper();
    @Test
    void unsignedAndRefusedDocumentsAreRejectedAndASignedOneRuns() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        device.env.put("BERTH_TRUSTED_KEYS", "ops=" + Base64.getEncoder().encodeToString(key.getPublic().getEncoded()));
        device.env.put("BERTH_POLICY_PRIVILEGED", "false");
        device.env.put("BERTH_POLICY_REGISTRIES", "127.0.0.1:5000");
        String web = device.container("web");
        TestBroker broker = device.broker();
        device.startAgent();

        String plain = """
                {"revision": %d, "services": {"web": {"image": "%s", "container_name": "%s",
                  "command": ["sleep", "3600"] %s}}}""";
        broker.publishDesired(plain.formatted(1, ReconcileIT.IMAGE_V1, web, ""));
        JsonNode reported = broker.awaitReported("the rejection of the unsigned revision 1",
                r -> r.path("rejected").path("revision").asLong() == 1, ReconcileIT.CONVERGE);
        assertEquals(List.of("signature"), paths(reported));

        ObjectNode refused = Signatures.sign((ObjectNode) JSON.readTree(plain.formatted(2, "busybox", web,
                ", \"privileged\": true")), "ops", key.getPrivate());
        broker.publishDesired(JSON.writeValueAsString(refused));
        reported = broker.awaitReported("the rejection of revision 2",
                r -> r.path("rejected").path("revision").asLong() == 2, ReconcileIT.CONVERGE);
        assertEquals(List.of("services.web.privileged", "services.web.image"), paths(reported));
        assertTrue(reported.path("rejected").toString().contains("policy.privileged=false"), reported.toString());
        assertNull(DockerCli.inspect(web, "{{.Id}}"), "a rejected document changes nothing");

        ObjectNode signed = Signatures.sign((ObjectNode) JSON.readTree(plain.formatted(3, ReconcileIT.IMAGE_V1, web,
                "")), "ops", key.getPrivate());
        broker.publishDesired(JSON.writeValueAsString(signed));
        broker.awaitReported("converged on the signed revision 3", r -> TestBroker.converged(r, 3),
                ReconcileIT.CONVERGE);
        assertEquals("true", DockerCli.inspect(web, "{{.State.Running}}"));
    }

    @Test
    void aStoredRevisionThatAStricterPolicyRefusesIsNotAppliedAtStartAndChangesNothing() throws Exception {
        String web = device.container("web");
        TestBroker broker = device.broker();
        device.startAgent();
        String document = """
                {"revision": %d, "services": {"web": {"image": "%s", "container_name": "%s",
                  "command": ["sleep", "%s"]}}}""";
        broker.publishDesired(document.formatted(1, ReconcileIT.IMAGE_V1, web, "3600"));
        JsonNode first = broker.awaitReported("revision 1", r -> TestBroker.converged(r, 1), ReconcileIT.CONVERGE);
        String id = DockerCli.inspect(web, "{{.Id}}");

        // the device is told to take images from another registry only, and restarts
        device.stopAgent();
        device.env.put("BERTH_POLICY_REGISTRIES", "registry.example.com");
        device.startAgent();
        JsonNode refused = broker.awaitReported("the stored revision refused",
                r -> r.path("rejected").path("revision").asLong() == 1
                        && !first.path("agent").path("startedAt").equals(r.path("agent").path("startedAt")),
                ReconcileIT.CONVERGE);
        // at start the stored copy is refused ("refused by this device now"), then the retained copy that
        // arrives from the broker is refused the same way: either report may be the one seen first
        assertTrue(refused.path("rejected").path("reason").asText().contains("refused by this device"),
                refused.toString());
        assertEquals(List.of("services.web.image"), paths(refused));
        assertEquals(id, DockerCli.inspect(web, "{{.Id}}"), "nothing was changed on the engine");
        assertEquals("true", DockerCli.inspect(web, "{{.State.Running}}"));

        // a newer revision the policy takes is applied
        device.stopAgent();
        device.env.remove("BERTH_POLICY_REGISTRIES");
        device.startAgent();
        broker.publishDesired(document.formatted(2, ReconcileIT.IMAGE_V1, web, "3601"));
        broker.awaitReported("revision 2", r -> TestBroker.converged(r, 2), ReconcileIT.CONVERGE);
    }

    @Test
    void nullArraysAndMegabytesOfGarbageAreRejectedAndTheAgentKeepsRunning() throws Exception {
        String web = device.container("web");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("null");
        broker.awaitReported("the rejection of null", r -> r.path("rejected").toString().contains("must be a JSON "
                + "object, found null"), ReconcileIT.CONVERGE);
        broker.publishDesired("[{\"revision\": 1}]");
        broker.awaitReported("the rejection of an array", r -> r.path("rejected").toString().contains("found a list"),
                ReconcileIT.CONVERGE);
        // just over the 1 MiB document limit, under the link's maximum packet size: read and rejected
        byte[] garbage = new byte[(1 << 20) + (32 << 10)];
        new java.util.Random(5).nextBytes(garbage);
        broker.publishDesired(garbage);
        broker.awaitReported("the rejection of 1 MiB of garbage",
                r -> r.path("rejected").toString().contains("the limit is 1048576"), ReconcileIT.CONVERGE);
        // (a message over the maximum packet size the agent announces never reaches it: MqttLimitsIT; the
        // shared Mosquitto refuses packets over 2 MiB from anyone, this test's publisher included)

        broker.publishDesired("""
                {"revision": 1, "services": {"web": {"image": "%s", "container_name": "%s",
                  "command": ["sleep", "3600"]}}}""".formatted(ReconcileIT.IMAGE_V1, web));
        JsonNode reported = broker.awaitReported("converged after the garbage", r -> TestBroker.converged(r, 1),
                ReconcileIT.CONVERGE);
        assertTrue(reported.path("rejected").isNull(), reported.toString());
    }

    private static List<String> paths(JsonNode reported) {
        List<String> paths = new ArrayList<>();
        reported.path("rejected").path("errors").forEach(e -> paths.add(e.path("path").asText()));
        return paths;
    }
}
