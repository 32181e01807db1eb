package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Agents on the three-node NATS cluster (MQTT 3.1.1 only, retained messages replicated by
 * JetStream), given the node list: the fall-back from MQTT 5, desired state published on another
 * node than the one the agent uses, commands over 3.1.1, failover when the node in use dies, and
 * the will after a {@code kill -9}.
 */
class ClusterIT extends WithTestDevice {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration FAILOVER = Duration.ofSeconds(60);

    private String sleeper(long revision, String service) {
        return """
                {"revision": %d, "services": {"%s": {"image": "%s", "command": ["sleep", "3600"],
                 "stop_grace_period": "1s", "environment": {"REV": "%d"}}}}
                """.formatted(revision, service, ReconcileIT.IMAGE_V1, revision);
    }

    @Test
    void onTheClusterTheAgentSpeaks311TakesDesiredFromAnotherNodeAndRunsCommandsBeforeTheirExpiry() throws Exception {
        String svc = device.container("nats");
        device.startAgent(NatsCluster.ALL);
        try (NatsCluster.Operator op3 = new NatsCluster.Operator(NatsCluster.node(3), device.prefix(), device.id);
             NatsCluster.Operator op2 = new NatsCluster.Operator(NatsCluster.node(2), device.prefix(), device.id)) {
            assertTrue(op3.client.broker().endsWith("(MQTT 3.1.1)"), "the CLI fell back too: " + op3.client.broker());
            op3.publish(sleeper(1, svc));
            JsonNode reported = op2.awaitReported("revision 1 converged", r -> TestBroker.converged(r, 1),
                    ReconcileIT.CONVERGE);
            assertEquals("3.1.1", reported.path("agent").path("mqtt").asText(), reported.toString());
            assertEquals(NatsCluster.node(1), reported.path("agent").path("broker").asText(), "the first that answers");
            assertEquals("3.1.1", Files.readString(device.stateDir.resolve("mqtt-version")).strip(),
                    "auto remembers what worked");
            assertTrue(op2.awaitOnline(true, Duration.ofSeconds(10)).has("since"));

            // a command over 3.1.1: route and correlation in the body, the answer repeats the correlation
            String startedBefore = DockerCli.inspect(svc, "{{.State.StartedAt}}");
            JsonNode restart = op2.client.command("restart", JSON.createObjectNode().put("service", svc),
                    Duration.ofSeconds(30));
            assertTrue(restart.path("ok").asBoolean(), restart.toString());
            assertFalse(restart.path("correlation").asText().isEmpty(), "the correlation comes back: " + restart);
            String startedAfter = DockerCli.inspect(svc, "{{.State.StartedAt}}");
            assertNotEquals(startedBefore, startedAfter, "restarted");

            // an expired one (as if queued in the session while the device was away) is answered, not run
            JsonNode expired = op2.client.command("restart", JSON.createObjectNode().put("service", svc)
                    .put("expiresAt", Instant.now().minusSeconds(60).toString()), Duration.ofSeconds(30));
            assertFalse(expired.path("ok").asBoolean(), expired.toString());
            assertTrue(expired.path("error").asText().startsWith("expired"), expired.toString());
            assertEquals(startedAfter, DockerCli.inspect(svc, "{{.State.StartedAt}}"), "not restarted");
        }
    }

    @Test
    void whenTheNodeInUseDiesTheAgentFailsOverAndTakesANewerRevision() throws Exception {
        String svc = device.container("failover");
        device.startAgent(NatsCluster.ALL);
        try (NatsCluster.Operator op3 = new NatsCluster.Operator(NatsCluster.node(3), device.prefix(), device.id)) {
            op3.publish(sleeper(1, svc));
            JsonNode first = op3.awaitReported("revision 1 converged", r -> TestBroker.converged(r, 1),
                    ReconcileIT.CONVERGE);
            assertEquals(NatsCluster.node(1), first.path("agent").path("broker").asText(), first.toString());

            NatsCluster.kill(1);
            JsonNode moved = op3.awaitReported("the agent on another node", r -> !r.path("agent").path("broker")
                    .asText().equals(NatsCluster.node(1)), FAILOVER);
            assertTrue(List.of(NatsCluster.node(2), NatsCluster.node(3)).contains(
                    moved.path("agent").path("broker").asText()), moved.toString());

            op3.publish(sleeper(2, svc));
            op3.awaitReported("revision 2 converged after the failover", r -> TestBroker.converged(r, 2),
                    ReconcileIT.CONVERGE);
            assertEquals("2", DockerCli.inspect(svc, "{{range .Config.Env}}{{if eq (index (split . \"=\") 0) "
                    + "\"REV\"}}{{index (split . \"=\") 1}}{{end}}{{end}}"));
        } finally {
            NatsCluster.restore();
        }
    }

    @Test
    void theWillIsPublishedWhenTheAgentIsKilledAndReadOnAnotherNode() throws Exception {
        Path jar = Path.of(System.getProperty("berth.jar", "target/berth.jar"));
        assertTrue(Files.isRegularFile(jar), "build the jar first (mvn package): " + jar.toAbsolutePath());
        File log = device.stateDir.resolve("agent.log").toFile();
        ProcessBuilder builder = new ProcessBuilder("java", "-jar", jar.toString(), "agent");
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
        builder.environment().putAll(Map.of(
                "BERTH_DEVICE_ID", device.id,
                "BERTH_TOPIC_PREFIX", device.prefix(),
                "BERTH_MQTT_URL", NatsCluster.ALL,
                "BERTH_STATE_DIR", device.stateDir.resolve("state").toString(),
                "BERTH_SOCKET", device.stateDir.resolve("berth.sock").toString()));
        Process agent = builder.redirectErrorStream(true).redirectOutput(log).start();
        try (NatsCluster.Operator op2 = new NatsCluster.Operator(NatsCluster.node(2), device.prefix(), device.id)) {
            op2.awaitOnline(true, Duration.ofSeconds(60));
            agent.destroyForcibly(); // SIGKILL: no clean offline message, only the broker's will
            JsonNode will = op2.awaitOnline(false, Duration.ofSeconds(60));
            assertFalse(will.path("online").asBoolean(true), will.toString());
            assertFalse(will.has("since"), "the will, not an online message: " + will);
        } finally {
            agent.destroyForcibly();
        }
    }
}
