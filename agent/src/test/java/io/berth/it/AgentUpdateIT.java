package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.support.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The agent's side of updating itself against the real broker (PROTOCOL.md §3 {@code agent}): the
 * new agent confirms only once its report was delivered, and an update that cannot be done is
 * reported failed and not tried again. The package itself and the updater script are the
 * provisioning module's end-to-end test; nothing here installs anything.
 */
class AgentUpdateIT extends WithTestDevice {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void anAgentStartedByAnUpdateConfirmsOnceItsReportIsDelivered() throws Exception {
        Path dir = device.stateDir.resolve("agent-update");
        Files.createDirectories(dir);
        String running = Version.current();
        Instant now = Instant.now();
        Files.writeString(dir.resolve("pending.json"), JSON.createObjectNode().put("revision", 4)
                .put("from", "0.0.1~older").put("to", running).put("startedAt", now.minusSeconds(30).toString())
                .put("deadline", now.plusSeconds(600).toString()).toString());
        TestBroker broker = device.broker();
        device.startAgent();

        Await.until("the confirmation", () -> Files.exists(dir.resolve("confirmed")), WAIT, () -> "files: " + list(dir));
        assertEquals(running, Files.readString(dir.resolve("confirmed")).strip());
        assertFalse(Files.exists(dir.resolve("pending.json")));
        JsonNode event = Await.until("the agent-update event", () -> broker.events.stream()
                .filter(e -> "agent-update".equals(e.path("type").asText())).findFirst().orElse(null), WAIT,
                () -> "events: " + broker.events);
        assertEquals(running, event.path("version").asText());
        assertEquals(4, event.path("revision").asLong());
        assertEquals("installed agent " + running + " (was 0.0.1~older)", event.path("message").asText());
        JsonNode reported = broker.awaitReported("a report", r -> r.path("agent").has("update"), WAIT);
        assertTrue(reported.path("agent").get("update").isNull(), reported.toString());
    }

    @Test
    void anUpdateThatCannotBeDoneIsReportedFailedAndNotTriedAgainForItsRevision() throws Exception {
        TestBroker broker = device.broker();
        device.startAgent();
        // a package that is nowhere: however this machine's agent was installed, nothing is installed
        broker.publishDesired("{\"revision\": 1, \"services\": {}, \"agent\": {\"version\": \"999.0\", \"package\": "
                + "\"127.0.0.1:5000/berth-it/none@sha256:" + "0".repeat(64) + "\"}}");
        JsonNode reported = broker.awaitReported("the failed update", r -> "failed".equals(r.path("agent")
                .path("update").path("state").asText()), WAIT);
        JsonNode update = reported.path("agent").path("update");
        assertEquals(1, update.path("revision").asLong());
        assertEquals("999.0", update.path("version").asText());
        assertFalse(update.path("error").asText().isBlank(), update.toString());
        JsonNode event = Await.until("the failed agent-update event", () -> broker.events.stream()
                .filter(e -> "agent-update".equals(e.path("type").asText())
                        && e.path("message").asText().contains("failed")).findFirst().orElse(null), WAIT,
                () -> "events: " + broker.events);
        assertEquals("999.0", event.path("version").asText());
        Path failed = device.stateDir.resolve("agent-update/failed.json");
        JsonNode recorded = JSON.readTree(failed.toFile());

        JsonNode again = device.restartAgentAndAwaitReport("the failure shown again",
                r -> "failed".equals(r.path("agent").path("update").path("state").asText()));
        assertEquals(update.path("since"), again.path("agent").path("update").path("since"),
                "the same failure, not a new attempt: " + again);
        assertEquals(recorded, JSON.readTree(failed.toFile()));
    }

    private static String list(Path dir) {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList().toString();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
