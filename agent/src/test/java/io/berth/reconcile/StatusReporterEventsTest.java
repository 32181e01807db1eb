package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** §5 events: pull-progress alone carries bytes/totalBytes, and goes out as a transient event (never queued). */
class StatusReporterEventsTest {
    @TempDir
    Path dir;

    @Test
    void pullProgressIsTransientAndCarriesBothFigures() throws Exception {
        RecordingSink sink = new RecordingSink();
        List<JsonNode> queued = sink.events;
        List<JsonNode> transient_ = sink.transientEvents;
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        try {
            StatusReporter reporter = sink.reporter("test", Clock.systemUTC(), timer, dir);
            reporter.pullProgress(4, "web", "pulling x:1: 1.0 of 2.0 MiB", 1 << 20, 2 << 20);
            reporter.event(4, EventType.PULLED, "web", "pulled x:1");
            assertEquals(1, transient_.size());
            JsonNode progress = transient_.get(0);
            assertEquals("pull-progress", progress.path("type").asText());
            assertEquals(4, progress.path("revision").asLong());
            assertEquals("web", progress.path("service").asText());
            assertEquals(1 << 20, progress.path("bytes").asLong());
            assertEquals(2 << 20, progress.path("totalBytes").asLong());
            assertEquals(List.of("time", "revision", "type", "service", "message", "bytes", "totalBytes"),
                    iterable(progress));
            assertEquals(1, queued.size());
            assertFalse(queued.get(0).has("bytes") || queued.get(0).has("totalBytes"));
        } finally {
            timer.shutdownNow();
        }
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
