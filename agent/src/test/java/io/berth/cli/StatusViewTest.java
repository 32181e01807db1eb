package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatusViewTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:05:30Z");

    @Test
    void aTableThatFitsEightyColumns() throws Exception {
        JsonNode status = new ObjectMapper().readTree("""
                {"mqtt": "connected to tcp://127.0.0.1:1883", "connected": true, "paused": false,
                 "report": {"device": "pi-0042", "phase": "degraded", "revision": {"desired": 7, "applied": 6},
                  "source": "cli", "rejected": null,
                  "services": {
                   "web": {"state": "running", "health": "healthy", "image": "127.0.0.1:5000/demo/busybox:1",
                           "startedAt": "2026-11-22T10:00:00.123456789Z", "restarts": 0, "error": null},
                   "a-service-with-a-rather-long-name": {"state": "failed", "health": "none",
                           "image": "registry.example.com:5000/some/very/long/repository/path/image:1.2.3-arm64",
                           "startedAt": null, "restarts": 3, "error": "pull failed: not found"}},
                  "orphans": {"volumes": ["old-data"]},
                  "engine": {"version": "20.10.24", "apiVersion": "1.41"}}}
                """);
        String text = StatusView.render(status, NOW, new Terminal(false));
        assertEquals("""
                Device:    pi-0042
                Phase:     degraded
                Revision:  desired 7, applied 6 (from cli)
                MQTT:      connected (connected to tcp://127.0.0.1:1883)
                Engine:    20.10.24 (API 1.41)

                SERVICE                          STATE    HEALTH   IMAGE       RESTARTS  UPTIME
                web                              running  healthy  …busybox:1  0         5m29s
                a-service-with-a-rather-long-n…  failed   none     …2.3-arm64  3         -

                Orphan volumes (kept; remove them by hand if unneeded): old-data

                error a-service-with-a-rather-long-name: pull failed: not found
                """, text);
        text.lines().forEach(line -> assertTrue(line.length() <= 80, line));
    }

    @Test
    void pausedAndEmpty() throws Exception {
        JsonNode status = new ObjectMapper().readTree("""
                {"mqtt": "not connected yet", "connected": false, "paused": true,
                 "report": {"device": "d", "phase": "paused", "revision": {"desired": null, "applied": null},
                  "services": {}, "engine": {"error": "cannot reach the engine"}}}
                """);
        String text = StatusView.render(status, NOW, new Terminal(false));
        assertTrue(text.contains("Phase:     paused  (reconciliation paused: 'berth resume' resumes it)"), text);
        assertTrue(text.contains("Engine:    unreachable (cannot reach the engine)"), text);
        assertTrue(text.contains("No services"), text);
    }

    @Test
    void aRollbackIsShownWithItsReason() throws Exception {
        JsonNode status = new ObjectMapper().readTree("""
                {"mqtt": "connected", "connected": true, "paused": false,
                 "report": {"device": "d", "phase": "rolled-back", "revision": {"desired": 8, "applied": 7},
                  "rollback": {"revision": 8, "reason": "service web was not healthy within 60 s of its update"},
                  "services": {}, "engine": {"version": "20.10.24", "apiVersion": "1.41"}}}
                """);
        String text = StatusView.render(status, NOW, new Terminal(false));
        assertTrue(text.contains("Rolled back: revision 8: service web was not healthy within 60 s of its update"),
                text);
    }

    @Test
    void anAgentUpdateIsShownWhileUnderWayOrFailed() throws Exception {
        String report = """
                {"mqtt": "connected", "connected": true, "paused": false,
                 "report": {"device": "d", "phase": "converged", "revision": {"desired": 9, "applied": 9},
                  "agent": {"version": "0.6.2", "update": %s},
                  "services": {}, "engine": {"version": "20.10.24", "apiVersion": "1.41"}}}
                """;
        String text = StatusView.render(new ObjectMapper().readTree(report.formatted("{\"revision\": 9, \"version\": "
                + "\"0.7.0\", \"state\": \"failed\", \"error\": \"dpkg: error processing archive\", \"since\": "
                + "\"2026-11-22T10:00:00Z\"}")), NOW, new Terminal(false));
        assertTrue(text.contains("Agent update: to 0.7.0 (revision 9): failed: dpkg: error processing archive\n"), text);
        text = StatusView.render(new ObjectMapper().readTree(report.formatted("{\"revision\": 9, \"version\": "
                + "\"0.7.0\", \"state\": \"downloading\", \"error\": null, \"since\": \"2026-11-22T10:00:00Z\"}")),
                NOW, new Terminal(false));
        assertTrue(text.contains("Agent update: to 0.7.0 (revision 9): downloading\n"), text);
        text = StatusView.render(new ObjectMapper().readTree(report.formatted("null")), NOW, new Terminal(false));
        assertTrue(!text.contains("Agent update"), text);
    }

    @Test
    void uptimeReadsLikeDocker() {
        assertEquals("59s", StatusView.uptime("2026-11-22T10:04:31Z", NOW));
        assertEquals("2h5m", StatusView.uptime("2026-11-22T08:00:00Z", NOW));
        assertEquals("3d", StatusView.uptime("2026-11-19T10:05:30Z", NOW));
        assertEquals("-", StatusView.uptime(null, NOW));
    }
}
