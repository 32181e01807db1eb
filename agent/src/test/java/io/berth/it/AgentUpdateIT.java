package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * new agent shows {@code confirming} until its report was delivered, then confirms and keeps its
 * record until the updater says installed; an update this agent cannot do (it was not installed
 * from the package, as in every test here) is reported failed once and not tried again. The
 * download, the hand-over and the package itself are the unit tests' (AgentUpdaterTest, with fakes)
 * and the provisioning module's end-to-end test; nothing here installs anything.
 */
class AgentUpdateIT extends WithTestDevice {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void theNewAgentConfirmsOnlyOnceItsReportIsDeliveredAndIsDoneWhenTheUpdaterSaysInstalled() throws Exception {
        Path dir = device.stateDir.resolve("agent-update");
        Files.createDirectories(dir);
        String running = Version.current();
        Instant now = Instant.now();
        Files.writeString(dir.resolve("pending.json"), JSON.createObjectNode().put("revision", 4)
                .put("from", "0.0.1~older").put("to", running).put("startedAt", now.minusSeconds(30).toString())
                .put("deadline", now.plusSeconds(600).toString()).toString());
        // the updater waits for the confirmation: its pid in lock, its command line naming agent-update
        Process updater = new ProcessBuilder("bash", "-c", "sleep 300; :", "agent-update").start();
        try {
            Files.writeString(dir.resolve("lock"), updater.pid() + "\n");
            TestBroker broker = device.broker();
            device.startAgent();

            Await.until("the confirmation", () -> Files.exists(dir.resolve("confirmed")), WAIT,
                    () -> "files: " + list(dir));
            assertEquals(running, Files.readString(dir.resolve("confirmed")).strip());
            // the reports before the confirmation said so (this cannot tell the report's delivery from another
            // retained message's, acknowledged within milliseconds: AgentConfirmationTopicTest checks the topic).
            // The broker acknowledged the report to the agent, which then confirmed; its copy to this test's
            // subscriber may still be on the way, so wait for it: the first report to arrive is the one it sent.
            JsonNode firstReport = Await.until("the first report", () -> broker.reports.isEmpty() ? null
                    : broker.reports.get(0), WAIT, () -> "reports: none");
            JsonNode first = firstReport.path("agent").path("update");
            assertEquals("confirming", first.path("state").asText(), firstReport.toString());
            assertEquals(4, first.path("revision").asLong());
            assertEquals(running, first.path("version").asText());
            assertTrue(Files.exists(dir.resolve("pending.json")), "kept until the updater says installed");
            assertTrue(broker.events.stream().noneMatch(e -> "agent-update".equals(e.path("type").asText())),
                    "not installed before the updater says so: " + broker.events);

            // the updater's word (written as the script writes it: a temp file, then a rename)
            Path temp = dir.resolve("result.json.tmp");
            Files.writeString(temp, "{\"version\": \"" + running + "\", \"state\": \"installed\"}");
            Files.move(temp, dir.resolve("result.json"));
            JsonNode event = Await.until("the agent-update event", () -> broker.events.stream()
                    .filter(e -> "agent-update".equals(e.path("type").asText())).findFirst().orElse(null), WAIT,
                    () -> "events: " + broker.events);
            assertEquals(running, event.path("version").asText());
            assertEquals(4, event.path("revision").asLong());
            assertEquals("installed agent " + running + " (was 0.0.1~older)", event.path("message").asText());
            JsonNode done = broker.awaitReported("update null once installed", r -> r.path("agent").path("update")
                    .isNull(), WAIT);
            assertEquals(running, done.path("agent").path("version").asText());
            Await.until("pending.json removed", () -> !Files.exists(dir.resolve("pending.json")), WAIT,
                    () -> "files: " + list(dir));
            assertTrue(Files.exists(dir.resolve("result.json")), "what the last update came to stays");
        } finally {
            updater.destroyForcibly();
        }
    }

    @Test
    void anUpdateThisAgentCannotDoIsReportedFailedAndNotTriedAgainForItsRevision() throws Exception {
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("{\"revision\": 1, \"services\": {}, \"agent\": {\"version\": \"999.0\", \"package\": "
                + "\"127.0.0.1:5000/berth-it/none@sha256:" + "0".repeat(64) + "\"}}");
        JsonNode reported = broker.awaitReported("the failed update", r -> "failed".equals(r.path("agent")
                .path("update").path("state").asText()), WAIT);
        assertEquals(1, reported.path("revision").path("good").asLong(), "started once the revision was good");
        JsonNode update = reported.path("agent").path("update");
        assertEquals(1, update.path("revision").asLong());
        assertEquals("999.0", update.path("version").asText());
        assertEquals("this agent was not installed from the berth package; update it by hand",
                update.path("error").asText());
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
