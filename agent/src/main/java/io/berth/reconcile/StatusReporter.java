package io.berth.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineEvent;
import io.berth.engine.EngineInfo;
import io.berth.model.DesiredState;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import io.berth.model.RunState;
import io.berth.model.ServiceSpec;
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
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * Renders the reported-state document (PROTOCOL.md §4) and events (§5), and publishes the
 * report only when something a user would care about changed, at most once per
 * {@code minInterval} (always the latest), and at least once per {@code heartbeat}.
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

    private final String deviceId;
    private ObjectNode agentInfo;
    private final AgentClock clock;
    private final ScheduledExecutorService timer;
    private final Sink sink;
    private final Duration minInterval;
    private final HostFacts host;

    private Snapshot last = new Snapshot(null, 0, null, null, Map.of(), Map.of(), null, Set.of(), "starting");
    private ObservedState lastObserved;
    private ObjectNode rejected;
    private String source;
    private ObjectNode current;
    private ObjectNode lastSent;
    private ObjectNode lastSentHost;
    /** Monotonic; null: nothing sent yet. */
    private Instant lastSentAt;
    private ScheduledFuture<?> pendingFlush;
    private ObjectNode labels = JSON.createObjectNode();
    /** The last revision that converged and passed its trial (the rollback target): 0 when none. */
    private long goodRevision;
    private PublishListener publishListener = (s, good) -> { };

    public StatusReporter(String deviceId, String version, String profile, Clock clock, ScheduledExecutorService timer,
                          Sink sink, Duration minInterval, Duration heartbeat, HostFacts host) {
        this.deviceId = deviceId;
        this.clock = AgentClock.of(clock);
        this.timer = timer;
        this.sink = sink;
        this.minInterval = minInterval;
        this.host = host;
        this.agentInfo = JSON.createObjectNode()
                .put("version", version)
                .put("profile", profile)
                .putNull("arch")
                .put("startedAt", clock.instant().toString())
                .putNull("update");
        this.current = render(last);
        timer.scheduleAtFixedRate(Guarded.task("the report heartbeat", this::heartbeat), heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    public synchronized void publish(Snapshot snapshot) {
        if (snapshot.observed() != null) {
            lastObserved = snapshot.observed();
        }
        last = snapshot;
        current = render(snapshot);
        if (!current.equals(lastSent) || host.changedEnough(lastSentHost, host.read())) {
            scheduleFlush();
        }
        try {
            publishListener.published(snapshot, goodRevision);
        } catch (RuntimeException e) {
            Logger.warn(e, "a listener of the report failed");
        }
    }

    /** Records a rejected document and republishes. */
    public synchronized void rejected(Long revision, String reason, List<SpecError> errors) {
        ObjectNode node = JSON.createObjectNode();
        if (revision == null) {
            node.putNull("revision");
        } else {
            node.put("revision", revision);
        }
        node.put("reason", reason);
        ArrayNode list = node.putArray("errors");
        errors.forEach(e -> list.addObject().put("path", e.path()).put("message", e.message()));
        rejected = node;
        event(revision == null ? 0 : revision, EventType.REJECTED, null, reason);
        publish(last);
    }

    /** Where the accepted document came from ({@code mqtt}, {@code cli}); shown as {@code source}. */
    public synchronized void setSource(String source) {
        this.source = source;
        publish(last);
    }

    /** The device's labels (PROTOCOL.md §10), shown as {@code labels}; set once at start. */
    public synchronized void setLabels(Map<String, String> deviceLabels) {
        ObjectNode node = JSON.createObjectNode();
        new java.util.TreeMap<>(deviceLabels).forEach(node::put);
        labels = node;
        publish(last);
    }

    /**
     * The revision that last converged and passed its trial, shown as {@code revision.good}: a
     * fleet rollout counts a device done on a revision only once it is its good one.
     */
    public synchronized void setGood(long revision) {
        if (revision != goodRevision) {
            goodRevision = revision;
            publish(last);
        }
    }

    /**
     * The broker the link is connected to and its MQTT version, shown as {@code agent.broker} and
     * {@code agent.mqtt} (the node of a cluster in use, PROTOCOL.md §2). A new node, not the old
     * one changed: the last sent report shares it.
     */
    public synchronized void brokerInUse(String url, String protocol) {
        agentInfo = agentInfo.deepCopy().put("broker", url).put("mqtt", protocol);
        publish(last);
    }

    /** The device's Debian architecture ({@code amd64}, {@code arm64}, {@code armhf}), shown as {@code agent.arch}. */
    public synchronized void agentArch(String arch) {
        if (!java.util.Objects.equals(arch, agentInfo.path("arch").textValue())) {
            agentInfo = agentInfo.deepCopy().put("arch", arch);
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
        agentInfo = agentInfo.deepCopy();
        agentInfo.set("update", update == null ? JSON.nullNode() : update.deepCopy());
        publish(last);
    }

    /** An {@code agent-update} event (§5): the event fields plus the {@code version} it is about. */
    public void agentUpdateEvent(long revision, String version, String message) {
        sink.publishEvent(bytes(eventNode(revision, EventType.AGENT_UPDATE, null, message).put("version", version)));
    }

    /** Clears the last rejection (a newer document was accepted). */
    public synchronized void clearRejected() {
        rejected = null;
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

    private ObjectNode render(Snapshot s) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("device", deviceId);
        doc.set("labels", labels);
        doc.put("phase", s.phase());
        ObjectNode revision = doc.putObject("revision");
        if (s.rollback() != null) {
            revision.put("desired", s.rollback().revision()); // the services shown are the last good revision's
        } else if (s.desired() == null || s.desired().revision() == 0) {
            revision.putNull("desired");
        } else {
            revision.put("desired", s.desired().revision());
        }
        if (s.appliedRevision() == 0) {
            revision.putNull("applied");
        } else {
            revision.put("applied", s.appliedRevision());
        }
        if (goodRevision == 0) {
            revision.putNull("good");
        } else {
            revision.put("good", goodRevision);
        }
        doc.set("rejected", rejected);
        if (s.rollback() != null) {
            doc.putObject("rollback").put("revision", s.rollback().revision()).put("reason", s.rollback().reason());
        } else {
            doc.putNull("rollback");
        }
        doc.put("source", source);
        ObservedState observed = s.observed() != null ? s.observed() : lastObserved;
        ObjectNode services = doc.putObject("services");
        ObjectNode volumes = doc.putObject("volumes");
        Set<String> orphans = new TreeSet<>();
        if (observed != null) {
            // a managed volume no document names and no container mounts: a named volume that left the
            // document, or the anonymous volume of a removed service (never removed silently)
            Set<String> mounted = new TreeSet<>();
            observed.containers().forEach(c -> mounted.addAll(c.volumes().values()));
            observed.volumes().values().stream().filter(v -> v.managed() && !mounted.contains(v.name()))
                    .forEach(v -> orphans.add(v.name()));
        }
        if (s.desired() != null) {
            for (ServiceSpec spec : s.desired().services().values()) {
                services.set(spec.name(), renderService(spec, s, observed));
            }
            s.desired().volumes().keySet().forEach(name -> {
                orphans.remove(name);
                ObservedVolume v = observed == null ? null : observed.volumes().get(name);
                ObjectNode vol = volumes.putObject(name);
                vol.put("state", v == null ? "missing" : v.managed() ? "present" : "conflict");
                String failure = s.failures().get(FailureKey.volume(name));
                if (failure != null) {
                    vol.put("error", failure);
                } else if (v != null && !v.managed()) {
                    vol.put("error", "a volume of this name exists and was not created by Berth");
                }
            });
        }
        ArrayNode orphanList = doc.putObject("orphans").putArray("volumes");
        orphans.forEach(orphanList::add);
        doc.set("agent", agentInfo);
        ObjectNode engine = doc.putObject("engine");
        if (s.engine() != null) {
            engine.put("version", s.engine().version()).put("apiVersion", s.engine().apiVersion())
                    .put("arch", s.engine().arch());
        }
        if (s.engineProblem() != null) {
            engine.put("error", s.engineProblem());
        }
        return doc;
    }

    private ObjectNode renderService(ServiceSpec spec, Snapshot s, ObservedState observed) {
        ObjectNode node = JSON.createObjectNode();
        ObservedContainer c = observed == null ? null : observed.containerOf(spec);
        String blocked = s.blocked().get(spec.name());
        String failure = s.failures().get(FailureKey.service(spec.name()));
        String state;
        if (blocked != null) {
            state = "failed";
        } else if (s.pulling().contains(spec.name()) && (c == null || !c.isRunning())) {
            state = "pulling";
        } else if (c == null) {
            state = failure != null ? "failed" : "missing";
        } else {
            state = switch (c.status()) {
                case CREATED -> "created";
                case RUNNING, PAUSED -> "running";
                case RESTARTING -> "restarting";
                default -> spec.state() == RunState.STOPPED ? "stopped" : "exited";
            };
        }
        node.put("state", state);
        node.put("health", c == null ? "none" : c.health().keyword());
        node.put("image", spec.image());
        String imageId = c != null ? c.imageId() : observed == null ? null : observed.images().get(spec.image());
        node.put("imageId", imageId);
        node.put("container", c == null ? null : StepExecutor.shortId(c.id()));
        node.put("startedAt", c == null ? null : c.startedAt());
        // the engine's own restarts plus the agent's restarts of an unhealthy container
        node.put("restarts", (c == null ? 0 : c.restartCount()) + s.agentRestarts().getOrDefault(spec.name(), 0));
        if (c == null || c.exitCode() == null) {
            node.putNull("exitCode");
        } else {
            node.put("exitCode", c.exitCode());
        }
        if (c != null && c.oomKilled()) {
            node.put("oom", true);
        }
        node.put("error", blocked != null ? blocked : failure);
        return node;
    }

    private static byte[] bytes(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
