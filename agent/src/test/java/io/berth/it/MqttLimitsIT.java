package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.link.OperatorClient;
import io.berth.link.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The link's limits on Mosquitto: a retained message over the agent's MQTT 5 maximum packet size
 * never reaches it, commands past their expiry are answered and not run, and everything works
 * with MQTT 3.1.1 forced on an MQTT 5 broker.
 */
class MqttLimitsIT extends WithTestDevice {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static boolean onlineSeen(TestBroker broker) {
        JsonNode online = broker.latest("online");
        return online != null && online.path("online").asBoolean();
    }

    @Test
    void aRetainedMessageOverTheMaximumPacketSizeNeverReachesTheAgent() throws Exception {
        TestBroker broker = device.broker();
        // 1.5 MiB: the broker takes it (its limit is 2 MiB), the agent announced 1 MiB + 64 KiB
        byte[] huge = new byte[3 << 19];
        Arrays.fill(huge, (byte) ' ');
        byte[] head = "{\"revision\": 1, \"services\": {}}".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, huge, 0, head.length);
        broker.publishDesired(huge);
        device.startAgent(TestBroker.URL, Map.of("BERTH_MQTT_VERSION", "5"));
        Await.until("the agent online", () -> onlineSeen(broker), Duration.ofSeconds(30),
                () -> String.valueOf(broker.latest("online")));
        broker.publishDesired("{\"revision\": 2, \"services\": {}}");
        JsonNode reported = broker.awaitReported("revision 2 converged", r -> TestBroker.converged(r, 2),
                Duration.ofSeconds(30));
        // had the 1.5 MiB document arrived, the agent would have rejected it as over 1 MiB
        assertTrue(reported.path("rejected").isNull(), reported.toString());
        assertTrue(broker.events.stream().noneMatch(e -> "rejected".equals(e.path("type").asText())),
                broker.events.toString());
        assertEquals("5", reported.path("agent").path("mqtt").asText());
    }

    @Test
    void withMqtt311ForcedEverythingWorksOnAnMqtt5Broker() throws Exception {
        String svc = device.container("v3");
        TestBroker broker = device.broker();
        device.startAgent(TestBroker.URL, Map.of("BERTH_MQTT_VERSION", "3.1.1"));
        broker.publishDesired("""
                {"revision": 1, "services": {"%s": {"image": "%s", "command": ["sleep", "3600"],
                 "stop_grace_period": "1s"}}}
                """.formatted(svc, ReconcileIT.IMAGE_V1));
        JsonNode reported = broker.awaitReported("converged", r -> TestBroker.converged(r, 1), ReconcileIT.CONVERGE);
        assertEquals("3.1.1", reported.path("agent").path("mqtt").asText(), reported.toString());
        assertFalse(Files.exists(device.stateDir.resolve("mqtt-version")), "only auto remembers");
        // the converged report can leave before the converged event
        Await.until("the converged event", () -> broker.events.stream().anyMatch(e -> "converged".equals(
                e.path("type").asText())) ? true : null, ReconcileIT.CONVERGE, () -> "events: " + broker.events);
        try (OperatorClient operator = new OperatorClient(TestBroker.URL, null, null,
                new Topics(device.prefix(), device.id))) {
            JsonNode logs = operator.command("logs", JSON.createObjectNode().put("service", svc).put("tail", 5),
                    Duration.ofSeconds(20));
            assertTrue(logs.path("ok").asBoolean(), logs.toString());
        }
        device.stopAgent(); // a clean stop over 3.1.1 announces offline too
        Await.until("offline", () -> !broker.latest("online").path("online").asBoolean(true), Duration.ofSeconds(10),
                () -> String.valueOf(broker.latest("online")));
    }

    @Test
    void anExpiredCommandIsAnsweredAndNotRunOverMqtt5() throws Exception {
        String svc = device.container("exp");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("""
                {"revision": 1, "services": {"%s": {"image": "%s", "command": ["sleep", "3600"],
                 "stop_grace_period": "1s"}}}
                """.formatted(svc, ReconcileIT.IMAGE_V1));
        broker.awaitReported("converged", r -> TestBroker.converged(r, 1), ReconcileIT.CONVERGE);
        String started = DockerCli.inspect(svc, "{{.State.StartedAt}}");
        try (OperatorClient operator = new OperatorClient(TestBroker.URL, null, null,
                new Topics(device.prefix(), device.id))) {
            assertTrue(operator.broker().endsWith("(MQTT 5)"), operator.broker());
            JsonNode expired = operator.command("restart", JSON.createObjectNode().put("service", svc)
                    .put("expiresAt", Instant.now().minusSeconds(1).toString()), Duration.ofSeconds(20));
            assertFalse(expired.path("ok").asBoolean(), expired.toString());
            assertTrue(expired.path("error").asText().startsWith("expired"), expired.toString());
            JsonNode badExpiry = operator.command("restart", JSON.createObjectNode().put("service", svc)
                    .put("expiresAt", "tomorrow"), Duration.ofSeconds(20));
            assertTrue(badExpiry.path("error").asText().contains("ISO-8601"), badExpiry.toString());
        }
        assertEquals(started, DockerCli.inspect(svc, "{{.State.StartedAt}}"), "not restarted");
    }
}
