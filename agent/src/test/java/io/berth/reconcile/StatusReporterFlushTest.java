package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A change made while a report is being sent is sent too, not left for the heartbeat. */
class StatusReporterFlushTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aChangeWhileAReportIsSentIsSentNext() throws Exception {
        LinkedBlockingQueue<JsonNode> sent = new LinkedBlockingQueue<>();
        List<StatusReporter> self = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        try {
            StatusReporter reporter = new StatusReporter("dev", "0.1.0", "generic", Clock.systemUTC(), timer,
                    new StatusReporter.Sink() {
                        @Override
                        public void publishReport(byte[] json) {
                            try {
                                sent.add(JSON.readTree(json));
                            } catch (java.io.IOException e) {
                                throw new AssertionError(e);
                            }
                            if (calls.incrementAndGet() == 1) {
                                // another thread's change, as it lands between the send and the end of the flush
                                self.get(0).agentUpdate(JSON.createObjectNode().put("state", "failed"));
                            }
                        }

                        @Override
                        public void publishEvent(byte[] json) {
                        }
                    }, Duration.ofMillis(10), Duration.ofHours(1), new HostFacts(dir, Long.MAX_VALUE, Long.MAX_VALUE));
            self.add(reporter);
            reporter.publish(new StatusReporter.Snapshot(null, 0, null, null, Map.of(), Map.of(), null, Set.of(),
                    "converged"));
            JsonNode first = sent.poll(30, TimeUnit.SECONDS);
            assertTrue(first != null && first.path("agent").path("update").isNull(), String.valueOf(first));
            JsonNode second = sent.poll(30, TimeUnit.SECONDS);
            assertTrue(second != null, "the change was never sent");
            assertEquals("failed", second.path("agent").path("update").path("state").asText());
        } finally {
            timer.shutdownNow();
        }
    }
}
