package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** §4 {@code agent.update} and the §5 {@code agent-update} event; the listener every published snapshot reaches. */
class StatusReporterAgentUpdateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void agentUpdateIsNullUntilSetAndAnEventCarriesTheVersion() throws Exception {
        RecordingSink sink = new RecordingSink();
        List<JsonNode> events = sink.events;
        List<StatusReporter.Snapshot> seen = new CopyOnWriteArrayList<>();
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        try {
            StatusReporter reporter = sink.reporter("0.1.0", Clock.systemUTC(), timer, dir);
            JsonNode agent = reporter.latest().path("agent");
            assertTrue(agent.has("update") && agent.get("update").isNull(), agent::toString);

            assertTrue(agent.get("arch").isNull(), "until the agent tells it");
            reporter.agentArch("arm64");
            assertEquals("arm64", reporter.latest().path("agent").path("arch").asText());

            reporter.onPublish((s, good) -> seen.add(s));
            ObjectNode update = JSON.createObjectNode().put("revision", 7).put("version", "0.2.0")
                    .put("state", "installing").putNull("error").put("since", "2026-12-01T10:00:00Z");
            reporter.agentUpdate(update);
            assertEquals(update, reporter.latest().path("agent").path("update"));
            assertEquals("0.1.0", reporter.latest().path("agent").path("version").asText());
            assertEquals(1, seen.size(), "the listener sees the republished snapshot");
            StatusReporter.Snapshot snapshot = new StatusReporter.Snapshot(null, 0, null, null, Map.of(), Map.of(), null,
                    Set.of(), "converged");
            reporter.publish(snapshot);
            assertEquals(snapshot, seen.get(1));

            reporter.agentUpdate(null);
            assertTrue(reporter.latest().path("agent").get("update").isNull());

            reporter.agentUpdateEvent(7, "0.2.0", "installed agent 0.2.0 (was 0.1.0)");
            JsonNode event = events.get(0);
            assertEquals("agent-update", event.path("type").asText());
            assertEquals("0.2.0", event.path("version").asText());
            assertEquals(7, event.path("revision").asLong());
            assertEquals("installed agent 0.2.0 (was 0.1.0)", event.path("message").asText());
        } finally {
            timer.shutdownNow();
        }
    }
}
