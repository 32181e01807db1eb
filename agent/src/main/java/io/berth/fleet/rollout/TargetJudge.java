package io.berth.fleet.rollout;

import io.berth.fleet.Device;
import io.berth.fleet.rollout.Rollout.Target;
import io.berth.fleet.rollout.Rollout.Wave;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Whether a published device is done, failed or still on its way, from what it reports (pure).
 *
 * <ul>
 *   <li>Done on revision R: it reports {@code converged} with R applied and as its good revision
 *   (agents that do not report {@code revision.good} count at converged); for an agent update,
 *   also with {@code agent.version} the rollout's version and no update of R under way (the new
 *   agent reports {@code confirming} until its confirmation is written).</li>
 *   <li>Failed: it rejected R, rolled R back, reported {@code failed} on R, reported the agent
 *   update of R failed, or is online and not done a wave timeout after its wave started (or after
 *   it came online, or after it was published, whichever is latest).</li>
 *   <li>An agent update restarts the agent: a device that took R and went offline before reporting
 *   the new version is updating, not away; it holds its wave, and fails when it is not back within
 *   the timeout (an update that leaves a device dark must halt the rollout, not spread).</li>
 *   <li>A device that reports the update of R under way (online, or offline since) is timed out no
 *   sooner than {@link Rollout.Agent#underWayTimeout()} after its wave started: the device itself
 *   allows the install its timeout + 10 minutes after the download.</li>
 * </ul>
 */
final class TargetJudge {
    private TargetJudge() {}

    /** The wave timeout: for an agent update at least {@link Rollout.Agent#leastWaveTimeout()}. */
    static Duration timeout(Rollout r) {
        Duration wave = r.waveTimeoutDuration();
        if (!r.agentUpdate()) {
            return wave;
        }
        Duration agent = r.agent().leastWaveTimeout();
        return agent.compareTo(wave) > 0 ? agent : wave;
    }

    /** A published device's result, or null while it is still on its way. */
    static Target judge(Rollout r, Target t, Device d, Instant waveStart, Instant now) {
        Duration timeout = timeout(r);
        long rev = t.revision();
        if (d == null || d.report() == null) {
            return d != null && d.isOnline() && !now.isBefore(start(waveStart, d).plus(timeout))
                    ? t.with(Target.FAILED, "timed out: online but no report within " + timeout.toSeconds() + " s", now)
                    : null;
        }
        if (d.rejectedRevision() == rev) {
            return t.with(Target.FAILED, "rejected: " + d.rejectedReason(), now);
        }
        if (d.rolledBackRevision() == rev) {
            return t.with(Target.FAILED, "rolled back: " + d.rollbackReason(), now);
        }
        if (d.desiredRevision() == rev && "failed".equals(d.phase())) {
            return t.with(Target.FAILED, "failed on the device: " + String.join(", ", d.failingServices()), now);
        }
        Device.AgentUpdate update = d.agentUpdate();
        if (r.agentUpdate() && update != null && update.revision() == rev && update.failed()) {
            return t.with(Target.FAILED, "agent update failed: " + update.error(), now);
        }
        boolean good = d.goodRevision() < 0 || d.goodRevision() >= rev;
        boolean converged = "converged".equals(d.phase()) && d.appliedRevision() >= rev
                && d.desiredRevision() == d.appliedRevision() && good;
        boolean underWay = underWay(r, t, d);
        if (converged && (!r.agentUpdate() || r.agent().version().equals(d.agentVersion()) && !underWay)) {
            return t.with(Target.CONVERGED, "converged on revision " + d.appliedRevision()
                    + (r.agentUpdate() ? " with agent " + d.agentVersion() : ""), now);
        }
        Instant deadline = start(waveStart, d).plus(timeout);
        if (underWay && waveStart.plus(r.agent().underWayTimeout()).isAfter(deadline)) {
            // the device gives the install its timeout + 10 minutes after the download: not given up before
            timeout = r.agent().underWayTimeout();
            deadline = waveStart.plus(timeout);
        }
        boolean expired = !now.isBefore(deadline);
        if (d.isOnline() && expired) {
            return t.with(Target.FAILED, "timed out: not " + (converged ? "on agent " + r.agent().version()
                    : "converged") + " within " + timeout.toSeconds() + " s (phase " + d.phase() + ", applied "
                    + d.appliedRevision() + (d.goodRevision() >= 0 && d.appliedRevision() == rev && !good
                    ? ", still on trial" : "") + (r.agentUpdate() ? ", agent " + d.agentVersion()
                    + (update == null ? "" : ", update " + update.state()) : "") + ")", now);
        }
        if (!d.isOnline() && expired && updating(r, t, d)) {
            return t.with(Target.FAILED, "went offline during the agent update (it took revision " + rev
                    + ", last reported agent " + d.agentVersion() + ") and was not back within "
                    + timeout.toSeconds() + " s", now);
        }
        return null;
    }

    /**
     * An agent update's device that reports the update of {@code t}'s revision under way:
     * {@code downloading}, {@code installing}, or {@code confirming} (the new agent runs, and may
     * still be reverted until its confirmation is written).
     */
    private static boolean underWay(Rollout r, Target t, Device d) {
        Device.AgentUpdate update = d.agentUpdate();
        return r.agentUpdate() && update != null && !update.failed()
                && (update.revision() == t.revision() || update.revision() == 0);
    }

    /** An agent update's device that took its revision and is not on the new version (confirmed) yet. */
    private static boolean updating(Rollout r, Target t, Device d) {
        if (!r.agentUpdate()) {
            return false;
        }
        if (underWay(r, t, d)) {
            return true;
        }
        if (r.agent().version().equals(d.agentVersion())) {
            return false;
        }
        Device.AgentUpdate update = d.agentUpdate();
        return d.knownRevision() >= t.revision() || update != null && update.revision() == t.revision();
    }

    /** The result of a target whose document was published a second time (see {@link #notTaken}). */
    static final String PUBLISHED_AGAIN = "published again revision ";

    /** How long a device that connected again after its document was published has to take it. */
    static final Duration RECONNECTED_GRACE = Duration.ofSeconds(15);

    /**
     * Whether an online device that reports has not taken {@code t}'s revision (nor refused it),
     * and was not given it again yet: its delivery may have been lost, and an agent learns of a
     * revision only from a delivery (or at its next connection). Asked half a wave timeout after
     * the document was published; for a device that connected again after that (a broker node
     * lost under it: a delivery in that moment was seen lost on a NATS cluster), already
     * {@link #RECONNECTED_GRACE} after it came back. Publishing the same document again is a no-op
     * where it did arrive.
     */
    static boolean notTaken(Rollout r, Target t, Device d, Instant waveStart, Instant now) {
        if (d == null || !d.isOnline() || d.report() == null || d.desiredRevision() >= t.revision()
                || d.rejectedRevision() == t.revision() || t.result() != null && t.result().startsWith(PUBLISHED_AGAIN)) {
            return false;
        }
        Duration half = timeout(r).dividedBy(2);
        boolean back = d.onlineSince() != null && d.onlineSince().isAfter(waveStart);
        Instant due = back ? d.onlineSince().plus(half.compareTo(RECONNECTED_GRACE) < 0 ? half : RECONNECTED_GRACE)
                : waveStart.plus(half);
        return !now.isBefore(due);
    }

    /** The wave timeout counts from the wave's start, or from when a device that was away came back. */
    private static Instant start(Instant waveStart, Device d) {
        return d.onlineSince() != null && d.onlineSince().isAfter(waveStart) ? d.onlineSince() : waveStart;
    }

    /**
     * Whether each of a wave's devices is done, failed, or away (offline, and for an agent update
     * not restarting into it: those are judged at the timeout).
     */
    static boolean waveDone(Rollout r, Wave w, Map<String, Target> targets, Map<String, Device> devices) {
        for (String id : w.devices()) {
            Target t = targets.get(id);
            String s = t.state();
            Device d = devices.get(id);
            boolean away = d == null || !d.isOnline() && !updating(r, t, d);
            if (!Target.CONVERGED.equals(s) && !Target.FAILED.equals(s) && !(Target.PUBLISHED.equals(s) && away)) {
                return false;
            }
        }
        return true;
    }
}
