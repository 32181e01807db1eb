package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.agent.Agent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Boot: the agent starts before the engine and the broker (as at power-on). The engine socket
 * is a path where nothing listens until the test links it to the real socket; the broker is a
 * loopback port that refuses connections until the test opens a forwarder to Mosquitto. The
 * agent waits, converges from its stored document once the engine answers (the broker still
 * away), and reports once the broker answers.
 */
class BootIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestDevice device;
    private LoopbackProxy forwarder;

    @BeforeEach
    void setUp() throws Exception {
        device = new TestDevice();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        device.close();
    }

    @Test
    void waitsForEngineAndBrokerThenConvergesFromStoredState() throws Exception {
        String job = device.container("boot");
        Files.createDirectories(device.stateDir);
        Files.writeString(device.stateDir.resolve("desired.json"), """
                {"revision": 3, "services": {"%s": {"image": "%s", "command": ["sleep", "3600"],
                  "restart": "unless-stopped"}}}
                """.formatted(job, ReconcileIT.IMAGE_V1), StandardCharsets.UTF_8);
        Path engineSocket = device.stateDir.resolve("engine.sock");
        device.env.put("BERTH_DOCKER_HOST", "unix://" + engineSocket);
        forwarder = LoopbackProxy.closed(1883); // refuses connections until the broker comes up
        TestBroker broker = device.broker(); // the test's own view, on the real broker

        Agent agent = device.startAgent(forwarder.url());
        JsonNode waiting = Await.until("the agent reports the engine unreachable",
                () -> {
                    JsonNode r = report(agent);
                    return r.path("engine").path("error").asText("").contains("cannot reach the engine") ? r : null;
                }, Duration.ofSeconds(30), agent::latestReport);
        assertEquals("failed", waiting.path("phase").asText());
        assertNull(DockerCli.inspect(job, "{{.State.Status}}"), "nothing is created while the engine is away");
        assertNull(broker.latest("reported"), "nothing reached the broker");

        Files.createSymbolicLink(engineSocket, Path.of("/var/run/docker.sock")); // the engine comes up
        Await.until("the stored revision converges without the broker", () -> {
            JsonNode r = report(agent);
            return TestBroker.converged(r, 3) ? r : null;
        }, ReconcileIT.CONVERGE, agent::latestReport);
        assertEquals("true", DockerCli.inspect(job, "{{.State.Running}}"));
        assertNull(broker.latest("reported"), "still nothing reached the broker");

        forwarder.open(); // the broker comes up
        JsonNode reported = broker.awaitReported("the converged state reaches the broker",
                r -> TestBroker.converged(r, 3), Duration.ofSeconds(120));
        assertEquals("running", reported.path("services").path(job).path("state").asText());
        Await.until("online", () -> broker.latest("online") != null
                && broker.latest("online").path("online").asBoolean() ? true : null, Duration.ofSeconds(30),
                () -> String.valueOf(broker.latest("online")));
    }

    private static JsonNode report(Agent agent) {
        try {
            return JSON.readTree(agent.latestReport());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
