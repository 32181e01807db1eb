package io.berth.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One device as the operator sees it, from its retained {@code online} message and reported
 * document (PROTOCOL.md §2, §4). Immutable; the fleet view replaces it on every message.
 * {@code online} is null when no {@code online} message was seen; {@code report} null when no report.
 */
public record Device(String id, Boolean online, Instant onlineSince, Map<String, String> labels, JsonNode report) {

    public Device {
        labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels)); // sorted, as the table shows them
    }

    static Device unknown(String id) {
        return new Device(id, null, null, Map.of(), null);
    }

    public boolean isOnline() {
        return Boolean.TRUE.equals(online);
    }

    public String phase() {
        return report == null ? null : report.path("phase").asText(null);
    }

    /** {@code revision.desired}, 0 when none. */
    public long desiredRevision() {
        return report == null ? 0 : report.path("revision").path("desired").asLong(0);
    }

    public long appliedRevision() {
        return report == null ? 0 : report.path("revision").path("applied").asLong(0);
    }

    /**
     * {@code revision.good}: the revision that converged and passed its trial; -1 when the agent
     * does not report it (older agents), 0 when none yet.
     */
    public long goodRevision() {
        if (report == null) {
            return 0;
        }
        JsonNode good = report.path("revision").get("good");
        return good == null ? -1 : good.asLong(0);
    }

    /** The revision of the last rejected document, 0 when none. */
    public long rejectedRevision() {
        return report == null ? 0 : report.path("rejected").path("revision").asLong(0);
    }

    public String rejectedReason() {
        return report == null ? null : report.path("rejected").path("reason").asText(null);
    }

    /** The revision that was rolled back, 0 when none. */
    public long rolledBackRevision() {
        return report == null ? 0 : report.path("rollback").path("revision").asLong(0);
    }

    public String rollbackReason() {
        return report == null ? null : report.path("rollback").path("reason").asText(null);
    }

    /** The highest revision the device is known to have seen (desired, rejected or rolled back). */
    public long knownRevision() {
        return Math.max(desiredRevision(), Math.max(rejectedRevision(), rolledBackRevision()));
    }

    /** Services not running as desired: state not running/stopped/exited-as-wanted, unhealthy, or with an error. */
    public List<String> failingServices() {
        if (report == null) {
            return List.of();
        }
        Map<String, JsonNode> bad = new TreeMap<>();
        report.path("services").fields().forEachRemaining(e -> {
            JsonNode s = e.getValue();
            String state = s.path("state").asText();
            boolean failing = "failed".equals(state) || "restarting".equals(state) || "missing".equals(state)
                    || "unhealthy".equals(s.path("health").asText()) || !s.path("error").isNull() && s.has("error");
            if (failing) {
                bad.put(e.getKey(), s);
            }
        });
        return List.copyOf(bad.keySet());
    }

    /** The engine's architecture as reported ({@code engine.arch}: {@code x86_64}, {@code aarch64}…), or null. */
    public String engineArch() {
        return report == null ? null : report.path("engine").path("arch").asText(null);
    }

    /**
     * The Debian architecture the agent runs as ({@code agent.arch}: {@code amd64}, {@code arm64},
     * {@code armhf}, as dpkg says), or null when the report does not say (older agents): a 32-bit
     * system on a 64-bit kernel reports {@code aarch64} as {@link #engineArch()} but needs armhf.
     */
    public String agentArch() {
        return report == null ? null : report.path("agent").path("arch").asText(null);
    }

    /** The agent's version ({@code agent.version}), or null when the report does not say. */
    public String agentVersion() {
        return report == null ? null : report.path("agent").path("version").asText(null);
    }

    /**
     * The agent update under way or failed ({@code agent.update}, PROTOCOL.md §4), or null when
     * there is none (a successful one shows as the new {@link #agentVersion()}).
     *
     * @param revision the revision of the desired document that asked for it, 0 when not said
     * @param state    {@code downloading}, {@code installing} or {@code failed}
     */
    public record AgentUpdate(long revision, String version, String state, String error, String since) {
        public boolean failed() {
            return "failed".equals(state);
        }
    }

    public AgentUpdate agentUpdate() {
        JsonNode u = report == null ? null : report.path("agent").get("update");
        if (u == null || !u.isObject()) {
            return null;
        }
        return new AgentUpdate(u.path("revision").asLong(0), u.path("version").asText(null),
                u.path("state").asText(null), u.path("error").asText(null), u.path("since").asText(null));
    }

    /** When the report was made ({@code time}), or null. */
    public Instant reportTime() {
        if (report == null || !report.hasNonNull("time")) {
            return null;
        }
        try {
            return Instant.parse(report.get("time").asText());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** How old the last report is at {@code now}, or null when there is none. */
    public Duration reportAge(Instant now) {
        Instant t = reportTime();
        return t == null ? null : Duration.between(t, now).isNegative() ? Duration.ZERO : Duration.between(t, now);
    }
}
