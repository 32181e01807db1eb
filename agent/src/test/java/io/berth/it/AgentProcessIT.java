package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The built jar run as a user runs it: {@code java -jar berth.jar agent}. */
class AgentProcessIT extends WithTestDevice {
    private static Path jar() {
        Path jar = Path.of(System.getProperty("berth.jar", "target/berth.jar"));
        assertTrue(Files.isRegularFile(jar), "build the jar first (mvn package): " + jar.toAbsolutePath());
        return jar;
    }

    private ProcessBuilder berth(Map<String, String> env, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("java", "-jar", jar().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
        builder.environment().putAll(env);
        return builder;
    }

    private Process startAgent(File log) throws Exception {
        return berth(Map.of(
                "BERTH_DEVICE_ID", device.id,
                "BERTH_TOPIC_PREFIX", device.prefix(), "BERTH_PROJECT", device.project,
                "BERTH_MQTT_URL", TestBroker.URL,
                "BERTH_STATE_DIR", device.stateDir.resolve("state").toString(),
                "BERTH_SOCKET", device.stateDir.resolve("berth.sock").toString()), "agent")
                .redirectErrorStream(true).redirectOutput(log).start();
    }

    /** Publishes one service, waits for it to converge and for the agent to be online. */
    private String convergedWithOneService(TestBroker broker) throws Exception {
        String job = device.container("job");
        broker.publishDesired("""
                {"revision": 1, "services": {"%s": {"image": "%s", "command": ["sleep", "3600"]}}}
                """.formatted(job, ReconcileIT.IMAGE_V1));
        broker.awaitReported("converged", r -> TestBroker.converged(r, 1), ReconcileIT.CONVERGE);
        Await.until("online announced", () -> broker.latest("online") != null
                && broker.latest("online").path("online").asBoolean(), Duration.ofSeconds(10),
                () -> String.valueOf(broker.latest("online")));
        return job;
    }

    private static JsonNode awaitOffline(TestBroker broker) throws InterruptedException {
        return Await.until("offline announced", () -> {
            JsonNode o = broker.latest("online");
            return o != null && !o.path("online").asBoolean(true) ? o : null;
        }, Duration.ofSeconds(10), () -> String.valueOf(broker.latest("online")));
    }

    @Test
    void sigtermAnnouncesOfflineExitsZeroAndLeavesContainersRunning() throws Exception {
        TestBroker broker = device.broker();
        File log = device.stateDir.resolve("agent.log").toFile();
        Process agent = startAgent(log);
        try {
            String job = convergedWithOneService(broker);
            Instant stopped = Instant.now();
            agent.destroy(); // SIGTERM
            assertTrue(agent.waitFor(20, TimeUnit.SECONDS), "the agent stops within 20 s");
            assertEquals(0, agent.exitValue(), Files.readString(log.toPath()));
            JsonNode online = awaitOffline(broker);
            // the agent's own goodbye, not the broker's will: it says since when
            assertEquals(Set.of("online", "since"), fieldNames(online), online.toString());
            Instant since = Instant.parse(online.path("since").asText());
            assertFalse(since.isBefore(stopped.minusSeconds(1)), "since " + since + ", stopped at " + stopped);
            assertEquals("true", DockerCli.inspect(job, "{{.State.Running}}"), "containers keep running");
        } finally {
            agent.destroyForcibly();
        }
    }

    @Test
    void aKilledAgentIsAnnouncedOfflineByItsWill() throws Exception {
        TestBroker broker = device.broker();
        File log = device.stateDir.resolve("agent.log").toFile();
        Process agent = startAgent(log);
        try {
            String job = convergedWithOneService(broker);
            agent.destroyForcibly(); // SIGKILL: no goodbye, the broker publishes the will
            assertTrue(agent.waitFor(20, TimeUnit.SECONDS));
            JsonNode online = awaitOffline(broker);
            assertEquals("{\"online\":false}", online.toString(), "the will, without since");
            assertEquals("true", DockerCli.inspect(job, "{{.State.Running}}"), "containers keep running");
        } finally {
            agent.destroyForcibly();
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void configurationErrorsExitWithCodeTwoAndSayWhatToDo() throws Exception {
        Process noDevice = berth(Map.of("BERTH_STATE_DIR", device.stateDir.toString()), "agent")
                .redirectErrorStream(true).start();
        String out = new String(noDevice.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(noDevice.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, noDevice.exitValue(), out);
        assertTrue(out.contains("BERTH_DEVICE_ID"), out);

        Process badConfig = berth(Map.of(), "agent", "--config", device.stateDir.resolve("missing.yaml").toString())
                .redirectErrorStream(true).start();
        out = new String(badConfig.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(badConfig.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, badConfig.exitValue(), out);
        assertTrue(out.contains("missing.yaml") && out.contains("no such file"), out);
    }
}
