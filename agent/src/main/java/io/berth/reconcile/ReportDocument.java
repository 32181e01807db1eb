package io.berth.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import io.berth.model.RunState;
import io.berth.model.ServiceSpec;
import io.berth.plan.FailureKey;
import io.berth.spec.SpecError;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds the reported-state document (PROTOCOL.md §4) from a {@link StatusReporter.Snapshot} and
 * the facts that outlive a snapshot: the device's labels, where the accepted document came from,
 * the last rejection, the good revision, the agent's own facts and the last state observed (a pass
 * that could not observe shows the one before). It only builds: when a document is sent, and
 * whether it changed enough to be, is {@link StatusReporter}'s job. A changed fact is a new node,
 * never the old one changed, since the last sent document shares it. Not thread-safe: the
 * reporter calls it under its lock.
 */
final class ReportDocument {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String deviceId;
    private ObjectNode agentInfo;
    private ObjectNode labels = JSON.createObjectNode();
    private ObjectNode rejected;
    private String source;
    /** The last revision that converged and passed its trial (the rollback target): 0 when none. */
    private long goodRevision;
    private ObservedState lastObserved;

    ReportDocument(String deviceId, String version, String profile, String startedAt) {
        this.deviceId = deviceId;
        this.agentInfo = JSON.createObjectNode()
                .put("version", version)
                .put("profile", profile)
                .putNull("arch")
                .put("startedAt", startedAt)
                .putNull("update");
    }

    /** A rejected document, shown as {@code rejected} until {@link #clearRejected()}. */
    void rejected(Long revision, String reason, List<SpecError> errors) {
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
    }

    void clearRejected() {
        rejected = null;
    }

    void source(String source) {
        this.source = source;
    }

    void labels(Map<String, String> deviceLabels) {
        ObjectNode node = JSON.createObjectNode();
        new TreeMap<>(deviceLabels).forEach(node::put);
        labels = node;
    }

    long goodRevision() {
        return goodRevision;
    }

    void goodRevision(long revision) {
        goodRevision = revision;
    }

    void broker(String url, String protocol) {
        agentInfo = agentInfo.deepCopy().put("broker", url).put("mqtt", protocol);
    }

    /** Returns whether the architecture shown changed. */
    boolean arch(String arch) {
        if (Objects.equals(arch, agentInfo.path("arch").textValue())) {
            return false;
        }
        agentInfo = agentInfo.deepCopy().put("arch", arch);
        return true;
    }

    /** {@code agent.update}; null shows {@code null}. */
    void agentUpdate(ObjectNode update) {
        agentInfo = agentInfo.deepCopy();
        agentInfo.set("update", update == null ? JSON.nullNode() : update.deepCopy());
    }

    /**
     * The document for {@code s}, without what changes all the time ({@code time}, {@code host}):
     * the reporter stamps those on the copy it sends.
     */
    ObjectNode render(StatusReporter.Snapshot s) {
        if (s.observed() != null) {
            lastObserved = s.observed();
        }
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

    private ObjectNode renderService(ServiceSpec spec, StatusReporter.Snapshot s, ObservedState observed) {
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
}
