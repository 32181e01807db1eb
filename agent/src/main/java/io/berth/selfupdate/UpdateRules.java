package io.berth.selfupdate;

import io.berth.model.AgentUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What to do about an agent update, decided from records and versions only (no I/O, no clock). */
final class UpdateRules {
    /**
     * The time the updater has, beyond the document's timeout, to save the installed package and
     * install the new one before the new agent's timeout starts: the old agent's deadline is both.
     */
    static final Duration INSTALL_ALLOWANCE = Duration.ofMinutes(10);

    private UpdateRules() {}

    /** What an applied revision asks of the agent. */
    sealed interface Decision permits Nothing, Start, ShowFailed {}

    /** The agent runs the version asked for, or none is asked for: {@code agent.update} is null. */
    record Nothing() implements Decision {}

    /** Download and install {@code agent.version}. */
    record Start() implements Decision {}

    /** This revision's update failed before: shown, not tried again. */
    record ShowFailed(UpdateFiles.Failure failure) implements Decision {}

    /**
     * A revision was applied (converged or degraded) while no update is under way.
     *
     * @param agent   the revision's {@code agent}, or null
     * @param running the version this agent runs
     * @param failed  the updates that failed ({@code failed.json})
     */
    static Decision applied(long revision, AgentUpdate agent, String running, List<UpdateFiles.Failure> failed) {
        if (agent == null || agent.version().equals(running)) {
            return new Nothing();
        }
        for (UpdateFiles.Failure f : failed) {
            if (f.revision() == revision && f.version().equals(agent.version())) {
                return new ShowFailed(f);
            }
        }
        return new Start();
    }

    /** What a {@code pending.json} found at start (or on a later report) means. */
    sealed interface Verdict permits Confirm, Failed, UnderWay {}

    /** The new agent runs: confirm once its first report is delivered. */
    record Confirm() implements Verdict {}

    /** The update failed, for this reason. */
    record Failed(String error) implements Verdict {}

    /** The updater is still at work (this agent is the old one, the deadline is ahead): wait. */
    record UnderWay() implements Verdict {}

    /**
     * @param result    the updater's {@code result.json}, or null
     * @param now       wall-clock time (the deadline is one)
     * @param updateLog the updater's log ({@code update.log}), named in messages
     */
    static Verdict pending(UpdateFiles.Pending p, UpdateFiles.Result result, String running, Instant now,
                           Path updateLog) {
        if (running.equals(p.to())) {
            return new Confirm();
        }
        if (result != null && result.failed() && result.version().equals(p.to())) {
            return new Failed(error(p.revision(), result, updateLog));
        }
        if (!now.isBefore(p.deadline())) {
            // the updater writes result.json whatever happens: silence means it never ran, or died
            Duration all = Duration.between(p.startedAt(), p.deadline());
            return new Failed("no word from the updater within " + human(all) + " (the "
                    + human(all.minus(INSTALL_ALLOWANCE)) + " timeout plus " + human(INSTALL_ALLOWANCE)
                    + " to install); this agent (" + running + ") runs: see " + whereToLook(p.revision(), updateLog));
        }
        if (running.equals(p.from())) {
            return new UnderWay();
        }
        return new Failed("the agent now runs " + running + ", neither " + p.from() + " nor " + p.to()
                + ": it was changed by other means while the update was under way");
    }

    /** A failed result's error, or where to look when it gives none. */
    static String error(long revision, UpdateFiles.Result result, Path updateLog) {
        return result.error() == null || result.error().isBlank()
                ? "the updater gave no reason (see " + whereToLook(revision, updateLog) + ")" : result.error();
    }

    private static String whereToLook(long revision, Path updateLog) {
        return "journalctl -u berth-agent-update-" + revision + " or " + updateLog;
    }

    /** The old agent gives the update up at this time (pending.json's {@code deadline}). */
    static Instant deadline(Instant startedAt, AgentUpdate agent) {
        return startedAt.plus(agent.timeout()).plus(INSTALL_ALLOWANCE);
    }

    /** {@code 15m}, {@code 90s}, {@code 1h}: as a document would write it. */
    static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 && s > 0 ? s / 60 + "m" : s + "s";
    }
}
