package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** §5 events: pull-progress alone carries bytes/totalBytes, and goes out as a transient event (never queued). */
class StatusReporterEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void pullProgressIsTransientAndCarriesBothFigures() throws Exception {
        List<JsonNode> queued = new CopyOnWriteArrayList<>();
        List<JsonNode> transient_ = new CopyOnWriteArrayList<>();
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        try {
            StatusReporter reporter = new StatusReporter("dev", "test", "generic", Clock.systemUTC(), timer,
                    new StatusReporter.Sink() {
                        @Override
                        public void publishReport(byte[] json) {
                        }

                        @Override
                        public void publishEvent(byte[] json) {
                            queued.add(read(json));
                        }

                        @Override
                        public void publishTransientEvent(byte[] json) {
                            transient_.add(read(json));
                        }
                    }, Duration.ofSeconds(1), Duration.ofHours(1), new HostFacts(dir, Long.MAX_VALUE, Long.MAX_VALUE));
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

    private static JsonNode read(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
