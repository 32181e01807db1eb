package io.berth.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The report sink the reporter's and the reconciler's tests share: keeps every event published,
 * parsed, and the transient ones (pull progress) apart; reports are not kept.
 */
final class RecordingSink implements StatusReporter.Sink {
    private static final ObjectMapper JSON = new ObjectMapper();

    final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());
    final List<JsonNode> transientEvents = Collections.synchronizedList(new ArrayList<>());

    /**
     * A reporter of device {@code dev} running {@code version} that publishes here, at most once a
     * second, with an hourly heartbeat and host facts that never change enough to publish.
     */
    StatusReporter reporter(String version, Clock clock, ScheduledExecutorService timer, Path dir) {
        return new StatusReporter("dev", version, "test", clock, timer, this, Duration.ofSeconds(1),
                Duration.ofHours(1), new HostFacts(dir, Long.MAX_VALUE, Long.MAX_VALUE));
    }

    @Override
    public void publishReport(byte[] json) {
    }

    @Override
    public void publishEvent(byte[] json) {
        events.add(read(json));
    }

    @Override
    public void publishTransientEvent(byte[] json) {
        transientEvents.add(read(json));
    }

    private static JsonNode read(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
