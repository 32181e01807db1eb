package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** §5 events from the engine's stream: every death ({@code died}, exit code, out of memory) and health change. */
class EngineEventsIT extends WithTestDevice {

    List<JsonNode> events(TestBroker broker, String type, String service) {
        return broker.events.stream().filter(e -> type.equals(e.path("type").asText())
                && service.equals(e.path("service").asText())).toList();
    }

    @Test
    void deathsAndHealthChangesAreEvents() throws Exception {
        String job = device.container("job");
        String hog = device.container("hog");
        String checked = device.container("checked");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("""
                {"revision": 1, "services": {
                  "%1$s": {"image": "%4$s", "command": ["sh", "-c", "sleep 1; exit 3"], "restart": "no"},
                  "%2$s": {"image": "%4$s", "command": ["sh", "-c", "sleep 1; head -c 200000000 /dev/zero | tail"],
                           "restart": "no", "mem_limit": "16m"},
                  "%3$s": {"image": "%4$s", "command": ["sleep", "3600"],
                           "healthcheck": {"test": ["CMD", "true"], "interval": "1s", "retries": 1}}}}
                """.formatted(job, hog, checked, ReconcileIT.IMAGE_V1));
        JsonNode died = Await.until("a died event for " + job, () -> events(broker, "died", job).stream()
                .findFirst().orElse(null), Duration.ofSeconds(60), broker.events::toString);
        assertEquals(3, died.path("exitCode").asInt(), died.toString());
        assertEquals(false, died.path("oom").asBoolean(true), died.toString());
        assertEquals(1, died.path("revision").asLong(), died.toString());

        JsonNode killed = Await.until("a died event for " + hog, () -> events(broker, "died", hog).stream()
                .findFirst().orElse(null), Duration.ofSeconds(60), broker.events::toString);
        assertTrue(killed.path("oom").asBoolean(), "killed for want of memory: " + killed);

        JsonNode healthy = Await.until("a health event for " + checked, () -> events(broker, "health", checked)
                .stream().filter(e -> "healthy".equals(e.path("health").asText())).findFirst().orElse(null),
                Duration.ofSeconds(60), broker.events::toString);
        assertTrue(healthy.path("message").asText().contains("healthy"), healthy.toString());
    }
}
