package io.berth.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The live device table from online and reported messages (PROTOCOL.md §2, §4, §10). */
class FleetViewTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void onlineAndReportMakeOneRowAndTheWillKeepsTheLabels() {
        FleetView view = new FleetView("berth");
        List<Device> changes = new ArrayList<>();
        view.addListener(changes::add);
        view.onOnline("pi-1", b("{\"online\":true,\"since\":\"2026-12-01T10:00:00Z\",\"labels\":{\"tier\":\"canary\"}}"));
        view.onReported("pi-1", b("{\"device\":\"pi-1\",\"time\":\"2026-12-01T10:00:05Z\",\"phase\":\"degraded\","
                + "\"labels\":{\"tier\":\"canary\"},\"revision\":{\"desired\":3,\"applied\":2,\"good\":2},"
                + "\"services\":{\"web\":{\"state\":\"running\",\"health\":\"unhealthy\",\"error\":null},"
                + "\"db\":{\"state\":\"running\",\"health\":\"healthy\",\"error\":null}}}"));
        Device d = view.device("pi-1").orElseThrow();
        assertTrue(d.isOnline());
        assertEquals(Instant.parse("2026-12-01T10:00:00Z"), d.onlineSince());
        assertEquals(3, d.desiredRevision());
        assertEquals(2, d.appliedRevision());
        assertEquals(2, d.goodRevision());
        assertEquals(List.of("web"), d.failingServices());
        assertEquals(30, d.reportAge(Instant.parse("2026-12-01T10:00:35Z")).toSeconds());
        assertEquals(2, changes.size(), "each message tells the listeners");

        view.onOnline("pi-1", b("{\"online\":false,\"labels\":{\"tier\":\"canary\"}}"));
        d = view.device("pi-1").orElseThrow();
        assertFalse(d.isOnline());
        assertEquals(Map.of("tier", "canary"), d.labels());
        assertEquals(1, view.select(Selector.parse("tier=canary")).size());
        assertEquals(0, view.select(Selector.parse("tier=prod")).size());
    }

    @Test
    void anAgentWithoutGoodIsSaidSoAndClearedMessagesRemoveTheDevice() {
        FleetView view = new FleetView("berth");
        view.onReported("old", b("{\"phase\":\"converged\",\"revision\":{\"desired\":1,\"applied\":1}}"));
        assertEquals(-1, view.device("old").orElseThrow().goodRevision(), "an older agent: no revision.good");
        assertEquals(null, view.device("old").orElseThrow().online(), "no online message seen");
        view.onReported("old", new byte[0]);
        assertTrue(view.device("old").isEmpty(), "both retained messages cleared: gone");
    }

    @Test
    void theTableAndTheJsonShowEveryColumn() {
        FleetView view = new FleetView("berth");
        view.onOnline("pi-1", b("{\"online\":true,\"labels\":{\"tier\":\"canary\"}}"));
        view.onReported("pi-1", b("{\"time\":\"2026-12-01T10:00:00Z\",\"phase\":\"converged\",\"labels\":"
                + "{\"tier\":\"canary\",\"a\":\"1\"},\"revision\":{\"desired\":2,\"applied\":2,\"good\":2},\"services\":{},"
                + "\"agent\":{\"version\":\"0.6.0\",\"update\":{\"revision\":2,\"version\":\"0.7.0\",\"state\":\"installing\"}}}"));
        view.onOnline("pi-2", b("{\"online\":false,\"labels\":{}}"));
        Instant now = Instant.parse("2026-12-01T10:02:00Z");
        String table = DeviceRows.table(List.copyOf(view.devices().values()), now);
        assertEquals("""
                DEVICE  ONLINE  PHASE      DESIRED  APPLIED  AGENT                      FAILING  LABELS           REPORTED
                pi-1    yes     converged  2        2        0.6.0 -> 0.7.0 installing  -        a=1,tier=canary  2m ago
                pi-2    no      -          -        -        -                          -        -                -
                """, table);
        String json = DeviceRows.json(List.copyOf(view.devices().values()), now);
        assertTrue(json.startsWith("[{\"id\":\"pi-1\",\"online\":true,\"phase\":\"converged\",\"revision\":{\"desired\":2,"
                + "\"applied\":2,\"good\":2},\"failing\":[],\"agent\":{\"version\":\"0.6.0\",\"update\":{\"revision\":2,"
                + "\"version\":\"0.7.0\",\"state\":\"installing\",\"error\":null,\"since\":null}},"
                + "\"labels\":{\"a\":\"1\",\"tier\":\"canary\"},"), json);
        assertTrue(json.contains("\"id\":\"pi-2\",\"online\":false,\"phase\":null,\"revision\":{\"desired\":0,"
                + "\"applied\":0,\"good\":0},\"failing\":[],\"agent\":{\"version\":null,\"update\":null}"), json);
        assertTrue(json.contains("\"reportAgeSeconds\":120"), json);
    }
}
