package io.berth.selfupdate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.AgentUpdate;
import io.berth.model.DesiredState;
import io.berth.selfupdate.UpdateFiles.Failure;
import io.berth.selfupdate.UpdateFiles.Pending;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * The agent updating itself (PROTOCOL.md §3 {@code agent}): once a revision that names another
 * version is applied, downloads its package, starts the updater script outside the agent's service
 * and lets it restart the agent into the new version; the new agent confirms once its first report
 * is delivered, else the updater puts the old one back. Loaded only when a document names another
 * version, or an update is under way at start. All work runs on one thread, made when there is
 * work, so at most one update runs at a time.
 */
public final class AgentUpdater implements AutoCloseable {
    /** Where the berth package installs the updater script. */
    public static final Path SCRIPT = Path.of("/usr/lib/berth/agent-update");
    /** The largest package fetched: a runtime and the agent are some tens of MiB. */
    static final long MAX_PACKAGE_BYTES = 256L << 20;
    static final String DOWNLOAD = "download.deb";
    static final String NOT_FROM_PACKAGE = "this agent was not installed from the berth package; update it by hand";

    /** Where the update shows: the report's {@code agent.update} and {@code agent-update} events. */
    public interface Reports {
        /** The report's {@code agent.update}; null: none. */
        void status(ObjectNode update);

        void event(long revision, String version, String message);
    }

    private enum Stage { IDLE, WORKING, WAITING, CONFIRMING }

    private final UpdateFiles files;
    private final String running;
    private final Clock clock;
    private final Reports reports;
    private final AgentPackageSource source;
    private final Platform platform;
    private final Launcher launcher;
    private final Path script;
    private final Executor work;
    private volatile Stage stage = Stage.IDLE;
    /** The revision and version last decided about while idle: a report repeating them costs nothing. */
    private volatile String decided;
    private volatile boolean closed;

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
        this.source = source;
        this.platform = platform;
        this.launcher = launcher;
        this.script = script;
        this.work = work != null ? work : onDemandThread();
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
        UpdateRules.Verdict verdict = UpdateRules.pending(p, files.result(), running, clock.instant());
        if (verdict instanceof UpdateRules.Confirm) {
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
     * converged or is degraded. Returns at once: the work runs on the updater's thread.
     */
    public void onReport(DesiredState target, boolean applied) {
        Stage now = stage;
        if (now == Stage.WAITING) {
            work.execute(this::recheck);
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
        String version = agent.version();
        if (!platform.installedFromPackage()) {
            fail(revision, version, NOT_FROM_PACKAGE);
            return;
        }
        show(new UpdateStatus(revision, version, UpdateStatus.DOWNLOADING, null, clock.instant()));
        String arch = platform.debArch();
        Path download = files.dir().resolve(DOWNLOAD);
        AgentPackageSource.Fetched fetched;
        try {
            Files.createDirectories(files.dir());
            fetched = source.fetch(agent.packageRef(), arch, target.registries().get(agent.registry()), download,
                    MAX_PACKAGE_BYTES);
        } catch (Exception e) {
            files.delete(DOWNLOAD);
            if (closed) {
                // the agent is stopping: no fault of the update, which the next start decides afresh
                Logger.info("agent update to {} stopped with the agent: {}", version, e.toString());
                return;
            }
            fail(revision, version, "downloading the agent package " + agent.packageRef() + " for " + arch
                    + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return;
        }
        if (!version.equals(fetched.version())) {
            files.delete(DOWNLOAD);
            fail(revision, version, "the package " + agent.packageRef() + " for " + arch + " holds version "
                    + fetched.version() + ", not " + version + ": push the package of " + version
                    + ", or name the version it holds");
            return;
        }
        Logger.info("agent package {} for {} fetched: version {}, {} bytes, sha256 {}", agent.packageRef(), arch,
                fetched.version(), fetched.size(), fetched.sha256());
        show(new UpdateStatus(revision, version, UpdateStatus.INSTALLING, null, clock.instant()));
        reports.event(revision, version, "updating the agent from " + running + " to " + version + " ("
                + agent.packageRef() + "); it restarts into it, containers keep running");
        Pending pending = new Pending(revision, running, version, clock.instant(),
                UpdateRules.deadline(clock.instant(), agent));
        try {
            files.removeResult();
            files.removeConfirmed();
            files.writePending(pending);
            launcher.launch(revision, command(copyScript(), fetched.file(), version, agent));
        } catch (IOException | RuntimeException e) {
            files.removePending();
            fail(revision, version, "cannot start the updater " + script + ": " + e.getMessage());
            return;
        }
        Logger.info("agent update to {} (revision {}) handed to the updater; this agent is restarted by it",
                version, revision);
        stage = Stage.WAITING;
    }

    /** The updater's command line (the berth package's script takes exactly these). */
    List<String> command(Path copy, Path deb, String version, AgentUpdate agent) {
        return List.of(copy.toString(), "--deb", deb.toString(), "--dir", files.dir().toString(), "--version",
                version, "--timeout", Long.toString(agent.timeout().toSeconds()), "--agent-pid",
                Long.toString(platform.pid()));
    }

    /** A copy in the state dir runs: dpkg replaces the installed script while it runs. */
    private Path copyScript() throws IOException {
        Path copy = files.dir().resolve("agent-update");
        Path temp = files.dir().resolve(".agent-update.tmp");
        Files.copy(script, temp, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx------"));
        Files.move(temp, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return copy;
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
        if (UpdateRules.pending(p, files.result(), running, clock.instant()) instanceof UpdateRules.Failed f) {
            failed(p, f.error());
        }
    }

    private void confirm() {
        if (stage != Stage.CONFIRMING) {
            return;
        }
        Pending p = files.pending();
        try {
            if (p != null) {
                files.writeConfirmed(p.to());
            }
        } catch (IOException e) {
            // the updater then puts the old agent back: say why
            Logger.error("cannot confirm the agent update ({}); the updater will revert it", e.getMessage());
            return;
        }
        stage = Stage.IDLE;
        decided = null;
        files.removePending();
        files.delete(DOWNLOAD);
        if (p != null) {
            Logger.info("agent update confirmed: {} (was {})", p.to(), p.from());
            reports.event(p.revision(), p.to(), "installed agent " + p.to() + " (was " + p.from() + ")");
        }
        show(null);
    }

    /** The update {@code p} failed: recorded, never tried again for its revision. */
    private void failed(Pending p, String error) {
        files.removePending();
        files.delete(DOWNLOAD);
        fail(p.revision(), p.to(), error);
    }

    private void fail(long revision, String version, String error) {
        Failure failure = new Failure(revision, version, error, clock.instant());
        try {
            files.addFailure(failure);
        } catch (IOException e) {
            Logger.warn("cannot record the failed agent update in {}: {}", files.dir(), e.getMessage());
        }
        Logger.error("the agent update to {} (revision {}) failed: {}; it is not tried again for this revision",
                version, revision, error);
        stage = Stage.IDLE;
        decided = null;
        show(UpdateStatus.failed(failure));
        reports.event(revision, version, "the agent update to " + version + " failed: " + error);
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
