package io.berth.actions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.DesiredState;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import io.berth.model.RunState;
import io.berth.model.ServiceSpec;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@code apply --dry-run}'s diff and the local overrides of {@code berth stop}, without an engine. */
class DryRunTest {
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    static final String IMAGE = "127.0.0.1:5000/demo/busybox:1";

    static DesiredState desired(String json) {
        ParsedDocument parsed = DocumentParser.parseJson(json.getBytes(StandardCharsets.UTF_8));
        if (parsed instanceof ParsedDocument.Invalid invalid) {
            throw new IllegalArgumentException(invalid.summary());
        }
        return ((ParsedDocument.Valid) parsed).state();
    }

    static final DesiredState V1 = desired("""
            {"revision": 1, "services": {
               "web": {"image": "%1$s", "environment": {"MODE": "a", "SECRET_TOKEN": "s3cret"}, "volumes": ["data:/d"]},
               "db": {"image": "%1$s"},
               "old": {"image": "%1$s"}},
             "volumes": {"data": {}}}""".formatted(IMAGE));
    static final DesiredState V2 = desired("""
            {"revision": 2, "services": {
               "web": {"image": "127.0.0.1:5000/demo/busybox:2", "environment": {"MODE": "b", "SECRET_TOKEN": "other"}},
               "db": {"image": "%1$s"},
               "new": {"image": "%1$s"}}}""".formatted(IMAGE));

    static ObservedContainer running(ServiceSpec spec, String status) {
        return new ObservedContainer("c-" + spec.name(), spec.containerName(), true, spec.name(), spec.hash(), 1,
                io.berth.model.ContainerStatus.of(status), io.berth.model.Health.NONE, null, "2026-11-22T09:00:00Z", 0,
                spec.image(), "sha256:a", false, Map.of());
    }

    static ObservedState observedOf(DesiredState state, String status) {
        List<ObservedContainer> containers = new ArrayList<>();
        state.services().values().forEach(s -> containers.add(running(s, status)));
        return new ObservedState(containers, Map.of("data", new ObservedVolume("data", true, "web"),
                "cache", new ObservedVolume("cache", true, "old")), Map.of(IMAGE, "sha256:a"), Map.of());
    }

    private static String row(JsonNode plan, String kind, String name) {
        for (JsonNode c : plan.path("changes")) {
            if (c.path("kind").asText().equals(kind) && c.path("name").asText().equals(name)) {
                return c.path("action").asText() + ": " + c.path("why").asText();
            }
        }
        return null;
    }

    @Test
    void theDiffSaysWhatChangesAndWhy() {
        JsonNode plan = DryRun.of(V2, V1, observedOf(V1, "running"), NOW);
        assertEquals(2, plan.path("revision").asLong());
        assertEquals("replace: image, environment.MODE, environment.SECRET_TOKEN, mounts changed", row(plan, "service", "web"));
        assertEquals("keep: unchanged", row(plan, "service", "db"));
        assertEquals("create: new service", row(plan, "service", "new"));
        assertEquals("remove: not in the document (container old)", row(plan, "service", "old"));
        assertTrue(row(plan, "volume", "data").startsWith("orphan: "), plan.toString());
        assertTrue(row(plan, "volume", "cache").startsWith("orphan: "), plan.toString());
        assertFalse(plan.toString().contains("s3cret") || plan.toString().contains("other"), "no values: " + plan);
        assertFalse(plan.path("firstSteps").isEmpty(), plan.toString());
    }

    @Test
    void stoppedAndExitedContainersAreStartedOrStopped() {
        JsonNode nothingRuns = DryRun.of(V1, V1, observedOf(V1, "exited"), NOW);
        assertEquals("start: it is exited", row(nothingRuns, "service", "db"));
        DesiredState stopped = LocalOverrides.NONE.with(1, List.of("db"), RunState.STOPPED).applyTo(V1);
        JsonNode plan = DryRun.of(stopped, V1, observedOf(V1, "running"), NOW);
        assertEquals("stop: state: stopped", row(plan, "service", "db"));
        assertEquals("keep: unchanged", row(plan, "service", "web"));
        assertEquals("create: new service", row(DryRun.of(V1, null, new ObservedState(List.of(), Map.of(), Map.of(),
                Map.of()), NOW), "service", "web"));
    }

    @Test
    void overridesHoldForTheirRevisionOnly() {
        LocalOverrides overrides = LocalOverrides.NONE.with(1, List.of("db", "web"), RunState.STOPPED)
                .with(1, List.of("web"), RunState.RUNNING);
        assertEquals(new TreeMap<>(Map.of("db", RunState.STOPPED, "web", RunState.RUNNING)), overrides.states());
        DesiredState applied = overrides.applyTo(V1);
        assertEquals(RunState.STOPPED, applied.services().get("db").state());
        assertEquals(V1.services().get("db").hash(), applied.services().get("db").hash(), "a stop never recreates");
        assertEquals(V2, overrides.applyTo(V2), "a newer revision decides again");
        assertEquals(Set.of("web"), overrides.with(2, List.of("web"), RunState.STOPPED).states().keySet(),
                "overrides of an older revision are dropped");
        assertEquals(overrides, LocalOverrides.parse(overrides.toJson()));
        assertEquals(LocalOverrides.NONE, LocalOverrides.parse("not json".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void eventsAreKeptBoundedAndFollowedWithoutLossOrRepeat() throws Exception {
        EventLog log = new EventLog();
        for (int i = 0; i < EventLog.CAPACITY + 10; i++) {
            log.add(("{\"time\":\"2026-11-22T10:00:" + String.format("%02d", i % 60) + "Z\",\"type\":\"e" + i + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(EventLog.CAPACITY, log.since(null).size());
        assertEquals("e10", log.since(null).get(0).path("type").asText(), "the oldest went first");
        List<String> seen = new ArrayList<>();
        try (AutoCloseable follow = log.follow(Instant.parse("2026-11-22T10:00:59Z"), e -> seen.add(e.path("type")
                .asText()))) {
            log.add("{\"time\":\"2026-11-22T10:01:00Z\",\"type\":\"live\"}".getBytes(StandardCharsets.UTF_8));
            log.add("garbage".getBytes(StandardCharsets.UTF_8));
        }
        log.add("{\"time\":\"2026-11-22T10:01:01Z\",\"type\":\"after\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals("live", seen.get(seen.size() - 1));
        assertTrue(seen.size() > 1 && seen.stream().filter("live"::equals).count() == 1, seen.toString());
    }
}
