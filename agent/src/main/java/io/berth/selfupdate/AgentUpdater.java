package io.berth.selfupdate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.AgentUpdate;
import io.berth.model.DesiredState;
import io.berth.selfupdate.UpdateFiles.Failure;
import io.berth.selfupdate.UpdateFiles.Pending;
import io.berth.selfupdate.UpdateFiles.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * The agent updating itself (PROTOCOL.md §3 {@code agent}): once a revision that names another
 * version is the device's good one (converged and past its trial), has {@link UpdateHandOver}
 * download its package and start the updater script outside the agent's service, which restarts
 * the agent into the new version; the new agent confirms once its first report is delivered, else
 * the updater puts the old one back. This class follows an update through those stages and
 * records how it ended. Loaded only when a document names another version, or an update is under
 * way at start. All work runs on one thread, made when there is work, so at most one update runs
 * at a time.
 *
 * <p>The records ({@link UpdateFiles}) and who removes them:
 * <ul>
 * <li>{@code pending.json}: written by the old agent before it starts the updater. The new agent
 *     writes {@code confirmed} and keeps {@code pending.json} until {@code result.json} says
 *     {@code installed}, or its deadline passes, or until its next start. It does not confirm once
 *     {@code result.json} says failed (the updater writes that before it puts the old agent back).
 *     The old agent removes it once the update failed (a failed result, or its deadline).</li>
 * <li>{@code result.json}: stays (what the last update came to) until the next update starts. A
 *     failed one that {@code failed.json} does not hold yet is recorded before its version is tried
 *     again, with or without {@code pending.json} (a confirmation that came too late dropped it):
 *     under the result's revision where it names one, else the document's.</li>
 * <li>{@code failed.json}: an update that failed is not tried again for its revision; kept in
 *     memory too, so that a record that cannot be written (a card remounted read-only) does not
 *     start the same update again.</li>
 * </ul>
 */
public final class AgentUpdater implements AutoCloseable {
    /** Where the berth package installs the updater script. */
    public static final Path SCRIPT = Path.of("/usr/lib/berth/agent-update");

    /** Where the update shows: the report's {@code agent.update} and {@code agent-update} events. */
    public interface Reports {
        /** The report's {@code agent.update}; null: none. */
        void status(ObjectNode update);

        void event(long revision, String version, String message);
    }

    /** CONFIRMED: the new agent wrote its confirmation and waits for the updater's result to drop its record. */
    private enum Stage { IDLE, WORKING, WAITING, CONFIRMING, CONFIRMED }

    private final UpdateFiles files;
    private final String running;
    private final Clock clock;
    private final Reports reports;
    private final UpdateHandOver handOver;
    private final Executor work;
    private volatile Stage stage = Stage.IDLE;
    /** The revision and version last decided about while idle: a report repeating them costs nothing. */
    private volatile String decided;
    private volatile boolean closed;
    /** How long a confirmed agent waits for the updater's result before it leaves it to the next report. */
    Duration resultWait = Duration.ofSeconds(30);

    /** The agent's: dpkg, systemd-run or setsid, the installed script, a thread of its own. */
    public AgentUpdater(Path stateDir, String running, Clock clock, Reports reports, AgentPackageSource source) {
        this(stateDir, running, clock, reports, source, new DebianPlatform(), new DetachedLauncher(
                DetachedLauncher.underSystemd(), stateDir.resolve(UpdateFiles.DIR).resolve("updater.log")), SCRIPT,
                null);
    }

    /** @param work where the work runs; null: a thread of its own, made when there is work */
    AgentUpdater(Path stateDir, String running, Clock clock, Reports reports, AgentPackageSource source,
                 Platform platform, Launcher launcher, Path script, Executor work) {
        this.files = new UpdateFiles(stateDir);
        this.running = running;
        this.clock = clock;
        this.reports = reports;
        this.handOver = new UpdateHandOver(files, running, clock, reports, source, platform, launcher,
                new UpdaterScript(script, files.dir()), () -> closed);
        this.work = work != null ? work : onDemandThread();
        if (!Files.exists(files.pendingFile())) {
            files.removeLeftovers(); // of an agent stopped mid-download: nothing else would ever remove them
        }
    }

    /**
     * At start, with {@code pending.json} there: this agent is the new one (it confirms once its
     * first report is delivered), or the update failed (recorded, not tried again), or the updater
     * is still at work (shown as installing; looked at again with each report).
     */
    public void resume() {
        Pending p = files.pending();
        if (p == null) {
            return;
        }
        Result result = files.result();
        UpdateRules.Verdict verdict = UpdateRules.pending(p, result, running, clock.instant(), log());
        if (verdict instanceof UpdateRules.Confirm) {
            boolean givenUp = result != null && result.failed() && result.version().equals(p.to());
            show(new UpdateStatus(p.revision(), p.to(), UpdateStatus.CONFIRMING, null, clock.instant()));
            if (p.to().equals(files.confirmed()) && !givenUp) {
                Logger.info("agent {} confirmed by an earlier run; done once the updater says installed", p.to());
                stage = Stage.CONFIRMED;
                settle();
                return;
            }
            Logger.info("agent {} started by an update from {} (revision {}); confirming once the report is "
                    + "delivered", p.to(), p.from(), p.revision());
            stage = Stage.CONFIRMING;
        } else if (verdict instanceof UpdateRules.Failed f) {
            failed(p, f.error());
        } else {
            stage = Stage.WAITING;
            show(new UpdateStatus(p.revision(), p.to(), UpdateStatus.INSTALLING, null, p.startedAt()));
        }
    }

    /**
     * A report was rendered for {@code target} (null: no document); {@code applied}: the revision
     * is the device's good one. Returns at once: the work runs on the updater's thread.
     */
    public void onReport(DesiredState target, boolean applied) {
        Stage now = stage;
        if (now == Stage.WAITING) {
            work.execute(this::recheck);
        } else if (now == Stage.CONFIRMED) {
            work.execute(this::settle);
        } else if (now == Stage.IDLE && applied && target != null) {
            AgentUpdate agent = target.agent();
            String key = target.revision() + "/" + (agent == null ? "" : agent.version());
            if (!key.equals(decided)) {
                decided = key;
                work.execute(() -> decide(target));
            }
        }
    }

    /** The broker acknowledged a report: the new agent is online and reported, so it confirms. */
    public void reportDelivered() {
        if (stage == Stage.CONFIRMING) {
            work.execute(this::confirm);
        }
    }

    private void decide(DesiredState target) {
        if (stage != Stage.IDLE) {
            return;
        }
        AgentUpdate agent = target.agent();
        if (agent != null && !agent.version().equals(running) && recordResult(target.revision(), agent.version())) {
            return;
        }
        UpdateRules.Decision decision = UpdateRules.applied(target.revision(), agent, running, files.failures());
        if (decision instanceof UpdateRules.ShowFailed f) {
            show(UpdateStatus.failed(f.failure()));
        } else if (decision instanceof UpdateRules.Start) {
            update(target.revision(), agent, target);
        } else {
            show(null);
        }
    }

    private void update(long revision, AgentUpdate agent, DesiredState target) {
        stage = Stage.WORKING;
        UpdateHandOver.Outcome outcome = handOver.start(revision, agent, target);
        if (outcome instanceof UpdateHandOver.Failed f) {
            fail(revision, agent.version(), f.error());
        } else if (outcome instanceof UpdateHandOver.Stopped s) {
            stopped(agent.version(), s.when());
        } else {
            stage = Stage.WAITING;
        }
    }

    private void stopped(String version, String when) {
        // no fault of the update, which the next start decides afresh
        Logger.info("agent update to {} stopped with the agent ({})", version, when);
        stage = Stage.IDLE;
    }

    /**
     * A failed {@code result.json} for {@code version} that no failure records yet (the old agent
     * back without {@code pending.json}: the new one confirmed too late and dropped it) is recorded
     * before that version is tried again, under the result's revision, else {@code revision}.
     * Returns whether it was recorded for {@code revision}: then it is shown, not tried.
     */
    private boolean recordResult(long revision, String version) {
        Result r = files.result();
        if (r == null || !r.failed() || !r.version().equals(version) || recorded(r.revision(), version)) {
            return false;
        }
        long of = r.revision() != null ? r.revision() : revision;
        fail(of, version, UpdateRules.error(of, r, log()));
        return of == revision;
    }

    /** While the updater works: its result, or the deadline, ends the wait. */
    private void recheck() {
        if (stage != Stage.WAITING) {
            return;
        }
        Pending p = files.pending();
        if (p == null) {
            stage = Stage.IDLE;
            decided = null;
            show(null);
            return;
        }
        if (UpdateRules.pending(p, files.result(), running, clock.instant(), log()) instanceof UpdateRules.Failed f) {
            failed(p, f.error());
        }
    }

    /**
     * The new agent, once its report was delivered: writes {@code confirmed}, unless the updater
     * already gave up (a failed {@code result.json}: it is putting the old agent back, which
     * records the failure).
     */
    private void confirm() {
        if (stage != Stage.CONFIRMING) {
            return;
        }
        Pending p = files.pending();
        if (p == null) {
            stage = Stage.IDLE;
            show(null);
            return;
        }
        Result result = files.result();
        if (result != null && result.failed() && result.version().equals(p.to())) {
            Logger.warn("the updater gave up on {} before this agent could confirm it ({}); it puts {} back",
                    p.to(), result.error(), p.from());
            return;
        }
        try {
            files.writeConfirmed(p.to());
        } catch (IOException e) {
            // the updater then puts the old agent back: say why
            Logger.error("cannot confirm the agent update ({}); the updater will revert it", e.getMessage());
            return;
        }
        // written first, read after: the updater writes a failed result before its last look at
        // the confirmation, so one of the two always sees the other, and the choice is the updater's
        stage = Stage.CONFIRMED;
        Logger.info("agent update to {} confirmed; done once the updater says installed", p.to());
        if (files.updaterRunning()) {
            files.awaitInstalled(p.to(), resultWait);
        }
        settle();
    }

    /**
     * The new agent, confirmed: done once the updater says installed, or once it is gone without a
     * word (killed; its {@code --resume} keeps a confirmed update) or the deadline passed. A failed
     * result means the updater is putting the old agent back: nothing to do but wait for that.
     */
    private void settle() {
        if (stage != Stage.CONFIRMED) {
            return;
        }
        Pending p = files.pending();
        if (p == null) {
            done(null);
            return;
        }
        Result result = files.result();
        boolean mine = result != null && result.version().equals(p.to());
        if (mine && result.failed()) {
            Logger.debug("the updater gave up on {} ({}); it puts {} back", p.to(), result.error(), p.from());
        } else if (mine || !files.updaterRunning() || !clock.instant().isBefore(p.deadline())) {
            done(p);
        }
    }

    /** The update is over for this agent; {@code p}: the one it installed, said in an event. */
    private void done(Pending p) {
        files.removePending(); // result.json stays: what the last update came to
        files.delete(UpdateHandOver.DOWNLOAD);
        stage = Stage.IDLE;
        decided = null;
        if (p != null) {
            Logger.info("agent update installed: {} (was {})", p.to(), p.from());
            reports.event(p.revision(), p.to(), "installed agent " + p.to() + " (was " + p.from() + ")");
        }
        show(null);
    }

    /** The update {@code p} failed: recorded, never tried again for its revision. */
    private void failed(Pending p, String error) {
        files.removePending();
        files.delete(UpdateHandOver.DOWNLOAD);
        fail(p.revision(), p.to(), error);
    }

    private void fail(long revision, String version, String error) {
        Failure failure = new Failure(revision, version, error, clock.instant());
        try {
            files.addFailure(failure);
        } catch (IOException e) {
            Logger.warn("cannot record the failed agent update in {}: {}; it is not tried again until the agent "
                    + "restarts", files.dir(), e.getMessage());
        }
        Logger.error("the agent update to {} (revision {}) failed: {}; it is not tried again for this revision",
                version, revision, error);
        stage = Stage.IDLE; // decided stays: the same revision's reports decide nothing again
        show(UpdateStatus.failed(failure));
        reports.event(revision, version, "the agent update to " + version + " failed: " + error);
    }

    /** Whether a failure of {@code version} (of {@code revision}; null: any) is recorded. */
    private boolean recorded(Long revision, String version) {
        return files.failures().stream().anyMatch(f -> f.version().equals(version)
                && (revision == null || f.revision() == revision));
    }

    private Path log() {
        return files.dir().resolve("update.log");
    }

    private void show(UpdateStatus status) {
        reports.status(status == null ? null : status.toJson());
    }

    private ExecutorService onDemandThread() {
        // a task that does not fit is dropped; a decision dropped is made again on the next report
        return new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(8), r -> {
            Thread t = new Thread(r, "berth-agent-update");
            t.setDaemon(true);
            return t;
        }, (task, pool) -> decided = null);
    }

    @Override
    public void close() {
        closed = true;
        if (work instanceof ExecutorService pool) {
            pool.shutdownNow();
        }
    }
}
