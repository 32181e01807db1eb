package io.berth.fleet.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.fleet.Device;
import io.berth.fleet.DeviceRows;
import io.berth.fleet.rollout.Rollout.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/**
 * How a rollout is shown: the record with each device's live state beside it (a device that
 * was offline when its wave ran shows here when it caught up). Never the document: it may hold
 * registry credentials.
 */
public final class RolloutView {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RolloutView() {}

    /** One line's worth: id, status, selector, progress counts, driver. */
    public static ObjectNode summary(Rollout r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id()).put("status", r.status()).put("reason", r.reason());
        o.put("selector", r.selector());
        if (r.devices() != null) {
            r.devices().forEach(o.putArray("devices")::add);
        }
        o.put("documentHash", r.documentHash());
        if (r.agentUpdate()) {
            o.set("agent", r.agent().block());
        }
        o.put("createdAt", r.createdAt()).put("updatedAt", r.updatedAt());
        o.put("waves", r.waves().size());
        o.put("wave", currentWave(r));
        ObjectNode counts = o.putObject("devicesByState");
        r.targets().values().forEach(t -> counts.put(t.state(), counts.path(t.state()).asInt(0) + 1));
        o.put("maxFailures", r.maxFailures()).put("waveTimeout", r.waveTimeout()).put("signKeyId", r.signKeyId());
        o.put("waveTimeoutSeconds", TargetJudge.timeout(r).toSeconds()); // an agent update's is at least its own
        if (r.lease() != null) {
            o.putObject("lease").put("owner", r.lease().owner()).put("until", r.lease().until());
        }
        o.put("revert", r.revert());
        return o;
    }

    /** The whole status: the summary, each wave, each device with its live state. */
    public static ObjectNode json(Rollout r, Map<String, Device> devices, Instant now) {
        ObjectNode o = summary(r);
        var waves = o.putArray("waveList");
        for (Rollout.Wave w : r.waves()) {
            ObjectNode wn = waves.addObject().put("size", w.size()).put("startedAt", w.startedAt())
                    .put("doneAt", w.doneAt());
            w.devices().forEach(wn.putArray("devices")::add);
        }
        ObjectNode targets = o.putObject("targets");
        r.targets().forEach((id, t) -> {
            ObjectNode tn = targets.putObject(id).put("wave", t.wave() + 1).put("revision", t.revision())
                    .put("state", t.state()).put("result", t.result()).put("updatedAt", t.updatedAt());
            if (t.revertRevision() > 0) {
                tn.put("revertRevision", t.revertRevision());
            }
            Device d = devices.get(id);
            if (d != null) {
                tn.set("device", DeviceRows.json(d, now));
                tn.put("now", live(t, d));
            }
        });
        return o;
    }

    public static String text(Rollout r, Map<String, Device> devices, Instant now) {
        StringBuilder s = new StringBuilder();
        s.append("rollout ").append(r.id()).append(": ").append(r.status())
                .append(r.reason() == null ? "" : " - " + r.reason()).append('\n');
        s.append("  ").append(r.selector() != null ? "selector " + r.selector() : "devices " + r.devices())
                .append(", ").append(what(r)).append(r.agentUpdate() ? " (package " + r.agent().packageRef()
                        + ", agent timeout " + r.agent().timeout() + ")" : "")
                .append(", max failures ").append(r.maxFailures()).append(", wave timeout ")
                .append(TargetJudge.timeout(r).toSeconds()).append(" s")
                .append(r.signKeyId() == null ? "" : ", signed by " + r.signKeyId()).append('\n');
        s.append("  driver: ").append(r.lease() != null && r.lease().heldAt(now) ? r.lease().owner() + " (lease until "
                + r.lease().until() + ")" : r.open() ? "none: run 'berth fleet rollout resume " + r.id() + "'" : "-")
                .append('\n');
        for (int i = 0; i < r.waves().size(); i++) {
            Rollout.Wave w = r.waves().get(i);
            s.append("  wave ").append(i + 1).append(" (").append(w.size()).append("): ")
                    .append(w.doneAt() != null ? "done" : w.startedAt() != null ? "running" : "waiting").append('\n');
            for (String id : w.devices()) {
                Target t = r.targets().get(id);
                Device d = devices.get(id);
                s.append(String.format("    %-20s %-10s rev %-5s %s%n", id, t.state(), t.revision() == 0 ? "-"
                        : Long.toString(t.revision()), (t.result() == null ? "" : t.result())
                        + (d == null ? "" : " [now: " + live(t, d) + "]")));
            }
        }
        return s.toString();
    }

    public static String table(Collection<Rollout> rollouts, Instant now) {
        StringBuilder s = new StringBuilder(String.format("%-28s %-10s %-26s %-6s %-30s %s%n", "ROLLOUT", "STATUS",
                "ROLLS OUT", "WAVE", "DEVICES", "UPDATED"));
        for (Rollout r : rollouts) {
            long done = r.targets().values().stream().filter(t -> Target.CONVERGED.equals(t.state())).count();
            long failed = r.failures();
            String updated = r.updatedAt() == null ? "-" : DeviceRows.age(Duration.between(Instant.parse(r.updatedAt()),
                    now).abs());
            s.append(String.format("%-28s %-10s %-26s %-6s %-30s %s%n", r.id(), r.status(), what(r),
                    currentWave(r) + "/" + r.waves().size(), r.targets().size() + " (" + done + " ok, " + failed
                    + " failed)", updated));
        }
        if (rollouts.isEmpty()) {
            s.append("(no rollouts)\n");
        }
        return s.toString();
    }

    /** What the rollout gives the devices: {@code document sha256:0123abcd} or {@code agent 0.7.0}. */
    private static String what(Rollout r) {
        if (r.agentUpdate()) {
            return "agent " + r.agent().version();
        }
        String hash = r.documentHash() == null ? "-" : r.documentHash();
        return "document " + hash.substring(0, Math.min(15, hash.length()));
    }

    /** The wave running (1-based), or the number of waves once all are done. */
    private static int currentWave(Rollout r) {
        for (int i = 0; i < r.waves().size(); i++) {
            if (r.waves().get(i).doneAt() == null) {
                return i + 1;
            }
        }
        return r.waves().size();
    }

    /** What the device says now about the rollout's revision. */
    private static String live(Target t, Device d) {
        String online = d.online() == null ? "?" : d.isOnline() ? "online" : "offline";
        Device.AgentUpdate update = d.agentUpdate();
        return online + ", " + (d.phase() == null ? "no report" : d.phase() + " " + d.appliedRevision()
                + (t.revision() > 0 && d.appliedRevision() == t.revision() ? " (this rollout's)" : "")
                + (d.agentVersion() == null ? "" : ", agent " + d.agentVersion())
                + (update == null ? "" : " (update to " + update.version() + " " + update.state() + ")"));
    }
}
