package io.berth.fleet.rollout;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.Durations;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A rollout's whole state (PROTOCOL.md §10), one retained JSON document on
 * {@code {p}/_fleet/rollouts/{id}}: written before every change the rollout makes, so any
 * operator machine can show it or take it over. Immutable; {@link RolloutPlanner} returns the
 * next one. Times are ISO-8601 strings, as they are in the JSON.
 *
 * @param status      {@code running}, {@code paused}, {@code halted}, {@code completed} or {@code aborted}
 * @param document    the document rolled out, without {@code revision}, {@code target} and {@code signature};
 *                    null for an agent update
 * @param agent       for an agent update ({@code berth fleet agent-update}): the {@code agent} block each
 *                    device's own retained document gets, as its next revision; null for a document rollout
 * @param targets     each selected device, by id: its wave, its revision and its result
 * @param previous    the documents the devices had before (by hash, deduplicated), for {@code abort --revert}
 * @param version     how many times the record was written: a driver's write is based on the version it saw
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Rollout(String id, String status, String reason, String selector, List<String> devices,
                      String documentHash, JsonNode document, Agent agent, List<Wave> waves, int maxFailures,
                      String waveTimeout, String signKeyId, String createdAt, String updatedAt, Lease lease,
                      Map<String, Target> targets, Map<String, JsonNode> previous, boolean revert, long version) {

    public static final String RUNNING = "running";
    public static final String PAUSED = "paused";
    public static final String HALTED = "halted";
    public static final String COMPLETED = "completed";
    public static final String ABORTED = "aborted";

    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public Rollout {
        devices = devices == null ? null : List.copyOf(devices);
        waves = List.copyOf(waves);
        targets = java.util.Collections.unmodifiableMap(new TreeMap<>(targets));
        previous = java.util.Collections.unmodifiableMap(new TreeMap<>(previous == null ? Map.of() : previous));
    }

    /**
     * One wave: the devices it holds, in order; {@code startedAt} once its devices were given the
     * document, {@code doneAt} once its online devices converged or failed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Wave(String size, List<String> devices, String startedAt, String doneAt) {
        public Wave {
            devices = List.copyOf(devices);
        }

        Wave started(Instant now) {
            return new Wave(size, devices, now.toString(), doneAt);
        }

        Wave done(Instant now) {
            return new Wave(size, devices, startedAt, now.toString());
        }
    }

    /**
     * One device. {@code state}: {@code pending} (not touched), {@code publishing} (its document is
     * about to be published: on resume, the retained document tells whether it was), {@code published}
     * (waiting for the device), {@code converged}, {@code failed}; after {@code abort --revert}:
     * {@code reverting}, {@code reverted}, or {@code kept} (nothing to give back).
     *
     * @param previous the hash of the document the device had before ({@link Rollout#previous}), null when none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Target(int wave, long revision, String state, String result, String previous,
                         long revertRevision, String updatedAt) {
        public static final String PENDING = "pending";
        public static final String PUBLISHING = "publishing";
        public static final String PUBLISHED = "published";
        public static final String CONVERGED = "converged";
        public static final String FAILED = "failed";
        public static final String REVERTING = "reverting";
        public static final String REVERTED = "reverted";
        public static final String KEPT = "kept";

        Target with(String newState, String newResult, Instant now) {
            return new Target(wave, revision, newState, newResult, previous, revertRevision, now.toString());
        }

        /** Whether the rollout has (or may have) changed this device's desired document. */
        boolean touched() {
            return !PENDING.equals(state);
        }
    }

    /**
     * An agent update's {@code agent} block (PROTOCOL.md §3): the version the devices should run,
     * the package reference pinned by digest, and how long the new agent has to come back.
     */
    public record Agent(String version, @JsonProperty("package") String packageRef, String timeout) {
        /** The block as it goes into a desired document. */
        public ObjectNode block() {
            ObjectNode o = JSON.createObjectNode();
            o.put("version", version).put("package", packageRef).put("timeout", timeout);
            return o;
        }

        /** What an update needs beyond the agent's own timeout: the download, dpkg, a restart, a report. */
        public static final Duration MARGIN = Duration.ofMinutes(2);

        /** The shortest wave timeout that leaves room for the update: its timeout + {@link #MARGIN}. */
        public Duration leastWaveTimeout() {
            return timeoutDuration().plus(MARGIN);
        }

        /**
         * What the device allows an update beyond its timeout for the install after the download
         * (the updater's deadline is the timeout plus this), and what the fleet allows the download.
         */
        public static final Duration INSTALL_ALLOWANCE = Duration.ofMinutes(10);
        public static final Duration DOWNLOAD_ALLOWANCE = Duration.ofMinutes(10);

        /**
         * How long after its wave started a device that reports this update under way
         * ({@code downloading}, {@code installing}, {@code confirming}) is given before it is timed
         * out: its timeout + {@link #INSTALL_ALLOWANCE} + {@link #DOWNLOAD_ALLOWANCE}, so the fleet
         * never gives up on a device the device itself has not given up on.
         */
        public Duration underWayTimeout() {
            return timeoutDuration().plus(INSTALL_ALLOWANCE).plus(DOWNLOAD_ALLOWANCE);
        }

        /** {@code timeout} as a duration; the protocol's default of 5 minutes when absent or unreadable. */
        public Duration timeoutDuration() {
            Duration d = Durations.parse(timeout);
            return d == null ? Duration.ofMinutes(5) : d;
        }
    }

    /** Who drives the rollout, and until when unless renewed (see docs/fleet.md, "Two drivers"). */
    public record Lease(String owner, String until) {
        public boolean heldAt(Instant now) {
            return owner != null && until != null && Instant.parse(until).isAfter(now);
        }
    }

    public boolean open() {
        return RUNNING.equals(status) || PAUSED.equals(status) || revertPending();
    }

    /** An aborted rollout with {@code --revert} whose devices are not all given back yet. */
    public boolean revertPending() {
        return ABORTED.equals(status) && revert && targets.values().stream().anyMatch(t ->
                !Target.REVERTED.equals(t.state()) && !Target.KEPT.equals(t.state()) && !Target.PENDING.equals(t.state()));
    }

    public Duration waveTimeoutDuration() {
        return Duration.parse(waveTimeout);
    }

    /** Whether this rollout updates the agent ({@link #agent}) rather than rolling out one document. */
    public boolean agentUpdate() {
        return agent != null;
    }

    public long failures() {
        return targets.values().stream().filter(t -> Target.FAILED.equals(t.state())).count();
    }

    Rollout withStatus(String newStatus, String newReason) {
        return new Rollout(id, newStatus, newReason, selector, devices, documentHash, document, agent, waves,
                maxFailures, waveTimeout, signKeyId, createdAt, updatedAt, lease, targets, previous, revert, version);
    }

    Rollout withRevert(boolean newRevert) {
        return new Rollout(id, status, reason, selector, devices, documentHash, document, agent, waves, maxFailures,
                waveTimeout, signKeyId, createdAt, updatedAt, lease, targets, previous, newRevert, version);
    }

    Rollout with(List<Wave> newWaves, Map<String, Target> newTargets, Map<String, JsonNode> newPrevious) {
        return new Rollout(id, status, reason, selector, devices, documentHash, document, agent, newWaves, maxFailures,
                waveTimeout, signKeyId, createdAt, updatedAt, lease, newTargets, newPrevious, revert, version);
    }

    /** The record as written: stamped, leased to {@code owner} until {@code until}, one version on. */
    public Rollout written(Instant now, String owner, Instant until) {
        return new Rollout(id, status, reason, selector, devices, documentHash, document, agent, waves, maxFailures,
                waveTimeout, signKeyId, createdAt, now.toString(), owner == null ? null : new Lease(owner,
                until.toString()), targets, previous, revert, version + 1);
    }

    /** Whether two records say the same, apart from when and by whom they were written. */
    public boolean sameAs(Rollout other) {
        return other != null && normalized().equals(other.normalized());
    }

    private Rollout normalized() {
        return new Rollout(id, status, reason, selector, devices, documentHash, document, agent, waves, maxFailures,
                waveTimeout, signKeyId, createdAt, null, null, targets, previous, revert, 0);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a rollout record: " + e.getMessage(), e);
        }
    }

    public static Rollout fromJson(byte[] json) throws IOException {
        return JSON.readValue(json, Rollout.class);
    }
}
