package io.berth.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineEvent;
import io.berth.engine.EngineInfo;
import io.berth.model.DesiredState;
import io.berth.model.ObservedState;
import io.berth.plan.FailureKey;
import io.berth.plan.Rollback;
import io.berth.spec.SpecError;
import io.berth.support.AgentClock;
import io.berth.support.Guarded;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * Publishes the reported-state document (PROTOCOL.md §4) only when something a user would care
 * about changed, at most once per {@code minInterval} (always the latest), and at least once per
 * {@code heartbeat}; renders and sends events (§5). What the document says is built by
 * {@link ReportDocument}.
 */
public final class StatusReporter {

    /** Where reports and events go (the MQTT link, in the agent). */
    public interface Sink {
        void publishReport(byte[] json);

        void publishEvent(byte[] json);

        /**
         * An event worth nothing later (pull progress): sent if the broker is there, dropped rather
         * than queued while it is away, so a long offline pull cannot push real events out of the queue.
         */
        default void publishTransientEvent(byte[] json) {
            publishEvent(json);
        }
    }

    /** Sees every snapshot published, with the revision shown as {@code revision.good} then (0: none). */
    public interface PublishListener {
        void published(Snapshot snapshot, long goodRevision);
    }

    /** Everything the report says, as the reconciler last saw it. {@code observed} null: unknown (engine away). */
    public record Snapshot(DesiredState desired, long appliedRevision, String engineProblem, EngineInfo engine,
                           Map<String, String> blocked, Map<FailureKey, String> failures, ObservedState observed,
                           Set<String> pulling, String phase, Map<String, Integer> agentRestarts,
                           Rollback rollback) {

        public Snapshot(DesiredState desired, long appliedRevision, String engineProblem, EngineInfo engine,
                        Map<String, String> blocked, Map<FailureKey, String> failures, ObservedState observed,
                        Set<String> pulling, String phase, Map<String, Integer> agentRestarts) {
            this(desired, appliedRevision, engineProblem, engine, blocked, failures, observed, pulling, phase,
                    agentRestarts, null);
        }

        public Snapshot(DesiredState desired, long appliedRevision, String engineProblem, EngineInfo engine,
                        Map<String, String> blocked, Map<FailureKey, String> failures, ObservedState observed,
                        Set<String> pulling, String phase) {
            this(desired, appliedRevision, engineProblem, engine, blocked, failures, observed, pulling, phase, Map.of());
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReportDocument document;
    private final AgentClock clock;
    private final ScheduledExecutorService timer;
    private final Sink sink;
    private final Duration minInterval;
    private final HostFacts host;

    private Snapshot last = new Snapshot(null, 0, null, null, Map.of(), Map.of(), null, Set.of(), "starting");
    private ObjectNode current;
    private ObjectNode lastSent;
    private ObjectNode lastSentHost;
    /** Monotonic; null: nothing sent yet. */
    private Instant lastSentAt;
    private ScheduledFuture<?> pendingFlush;
    private PublishListener publishListener = (s, good) -> { };

    public StatusReporter(String deviceId, String version, String profile, Clock clock, ScheduledExecutorService timer,
                          Sink sink, Duration minInterval, Duration heartbeat, HostFacts host) {
        this.document = new ReportDocument(deviceId, version, profile, clock.instant().toString());
        this.clock = AgentClock.of(clock);
        this.timer = timer;
        this.sink = sink;
        this.minInterval = minInterval;
        this.host = host;
        this.current = document.render(last);
        timer.scheduleAtFixedRate(Guarded.task("the report heartbeat", this::heartbeat), heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    public synchronized void publish(Snapshot snapshot) {
        last = snapshot;
        current = document.render(snapshot);
        if (!current.equals(lastSent) || host.changedEnough(lastSentHost, host.read())) {
            scheduleFlush();
        }
        try {
            publishListener.published(snapshot, document.goodRevision());
        } catch (RuntimeException e) {
            Logger.warn(e, "a listener of the report failed");
        }
    }

    /** Records a rejected document and republishes. */
    public synchronized void rejected(Long revision, String reason, List<SpecError> errors) {
        document.rejected(revision, reason, errors);
        event(revision == null ? 0 : revision, EventType.REJECTED, null, reason);
        publish(last);
    }

    /** Where the accepted document came from ({@code mqtt}, {@code cli}); shown as {@code source}. */
    public synchronized void setSource(String source) {
        document.source(source);
        publish(last);
    }

    /** The device's labels (PROTOCOL.md §10), shown as {@code labels}; set once at start. */
    public synchronized void setLabels(Map<String, String> deviceLabels) {
        document.labels(deviceLabels);
        publish(last);
    }

    /**
     * The revision that last converged and passed its trial, shown as {@code revision.good}: a
     * fleet rollout counts a device done on a revision only once it is its good one.
     */
    public synchronized void setGood(long revision) {
        if (revision != document.goodRevision()) {
            document.goodRevision(revision);
            publish(last);
        }
    }

    /**
     * The broker the link is connected to and its MQTT version, shown as {@code agent.broker} and
     * {@code agent.mqtt} (the node of a cluster in use, PROTOCOL.md §2). A new node, not the old
     * one changed: the last sent report shares it.
     */
    public synchronized void brokerInUse(String url, String protocol) {
        document.broker(url, protocol);
        publish(last);
    }

    /** The device's Debian architecture ({@code amd64}, {@code arm64}, {@code armhf}), shown as {@code agent.arch}. */
    public synchronized void agentArch(String arch) {
        if (document.arch(arch)) {
            publish(last);
        }
    }

    /**
     * Called with every snapshot published, under this reporter's lock: return at once (the agent
     * update hands its work to a thread of its own).
     */
    public synchronized void onPublish(PublishListener listener) {
        this.publishListener = listener;
    }

    /**
     * The agent update under way or failed, shown as {@code agent.update} (PROTOCOL.md §4); null
     * shows {@code null}. A new node, not the old one changed: the last sent report shares it.
     */
    public synchronized void agentUpdate(ObjectNode update) {
        document.agentUpdate(update);
        publish(last);
    }

    /** An {@code agent-update} event (§5): the event fields plus the {@code version} it is about. */
    public void agentUpdateEvent(long revision, String version, String message) {
        sink.publishEvent(bytes(eventNode(revision, EventType.AGENT_UPDATE, null, message).put("version", version)));
    }

    /** Clears the last rejection (a newer document was accepted). */
    public synchronized void clearRejected() {
        document.clearRejected();
    }

    /** The latest report, as it would be published now. */
    public synchronized ObjectNode latest() {
        ObjectNode copy = current.deepCopy();
        stamp(copy);
        return copy;
    }

    public void event(long revision, EventType type, String service, String message) {
        sink.publishEvent(bytes(eventNode(revision, type, service, message)));
    }

    /**
     * What the engine's stream says that is an event of its own (§5): a container died
     * ({@code died}, with {@code exitCode} and {@code oom}) or its health changed ({@code health}).
     */
    public void engineEvent(EngineEvent e) {
        String container = StepExecutor.shortId(e.containerId());
        if (e.kind() == EngineEvent.Kind.DIED) {
            ObjectNode event = eventNode(e.revision(), EventType.DIED, e.service(), "container " + container
                    + " exited" + (e.exitCode() == null ? "" : " with code " + e.exitCode())
                    + (e.oom() ? ", killed for want of memory" : ""));
            if (e.exitCode() == null) {
                event.putNull("exitCode");
            } else {
                event.put("exitCode", e.exitCode());
            }
            event.put("oom", e.oom());
            sink.publishEvent(bytes(event));
        } else if (e.kind() == EngineEvent.Kind.HEALTH) {
            ObjectNode event = eventNode(e.revision(), EventType.HEALTH, e.service(), "container " + container
                    + " is " + e.health().keyword());
            event.put("health", e.health().keyword());
            sink.publishEvent(bytes(event));
        }
    }

    /** A {@code pull-progress} event (§5): the event fields plus {@code bytes} and {@code totalBytes}. */
    public void pullProgress(long revision, String service, String message, long bytes, long totalBytes) {
        ObjectNode event = eventNode(revision, EventType.PULL_PROGRESS, service, message)
                .put("bytes", bytes)
                .put("totalBytes", totalBytes);
        sink.publishTransientEvent(bytes(event));
    }

    private ObjectNode eventNode(long revision, EventType type, String service, String message) {
        ObjectNode event = JSON.createObjectNode()
                .put("time", clock.instant().toString())
                .put("revision", revision)
                .put("type", type.wire());
        if (service != null) {
            event.put("service", service);
        }
        event.put("message", message);
        return event;
    }

    /** Called under this reporter's lock. */
    private void scheduleFlush() {
        if (pendingFlush != null) {
            return; // one is scheduled and has not started: it sends what is current then
        }
        long wait = lastSentAt == null ? 0 : clock.until(lastSentAt.plus(minInterval)).toMillis();
        pendingFlush = timer.schedule(this::flush, wait, TimeUnit.MILLISECONDS);
    }

    private synchronized void flush() {
        // from here on a change schedules a flush of its own: one made while this one sends (the
        // future not done yet) was lost until the heartbeat
        pendingFlush = null;
        if (current.equals(lastSent) && !host.changedEnough(lastSentHost, host.read())) {
            return;
        }
        send();
    }

    private synchronized void heartbeat() {
        send();
    }

    private void send() {
        ObjectNode doc = current.deepCopy();
        stamp(doc);
        lastSent = current;
        lastSentHost = (ObjectNode) doc.get("host");
        lastSentAt = clock.monotonic();
        try {
            sink.publishReport(bytes(doc));
        } catch (RuntimeException e) {
            Logger.warn(e, "publishing the report failed");
        }
    }

    /** Adds what changes all the time and is not worth a publish of its own. */
    private void stamp(ObjectNode doc) {
        doc.put("time", clock.instant().toString());
        doc.set("host", host.read());
    }

    private static byte[] bytes(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
