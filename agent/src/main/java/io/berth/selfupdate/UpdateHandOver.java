package io.berth.selfupdate;

import io.berth.model.AgentUpdate;
import io.berth.model.DesiredState;
import io.berth.selfupdate.UpdateFiles.Pending;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import org.tinylog.Logger;

/**
 * The start of one agent update, on the old agent: checks that it was installed from the berth
 * package, fetches the package the document names (size-bounded, into the update's directory),
 * checks that it holds the version the document names, writes {@code pending.json} and hands the
 * package to the updater script, started outside the agent's service. It says how the start went
 * ({@link Outcome}) and decides nothing else: whether to start, the wait for the updater's result,
 * the new agent's confirmation and the record of failures are {@link AgentUpdater}'s. What it
 * leaves behind on a failed start is cleared before it returns. Runs on the updater's thread.
 */
final class UpdateHandOver {
    /** The largest package fetched: a runtime and the agent are some tens of MiB. */
    static final long MAX_PACKAGE_BYTES = 256L << 20;
    static final String DOWNLOAD = "download.deb";
    static final String NOT_FROM_PACKAGE = "this agent was not installed from the berth package; update it by hand";

    /** How a start went. */
    sealed interface Outcome permits HandedOver, Failed, Stopped {}

    /** The updater was started, or may have been as the agent stopped: {@code pending.json} says what comes next. */
    record HandedOver() implements Outcome {}

    /** Not started, for {@code error}: nothing is left of it but the failure to record. */
    record Failed(String error) implements Outcome {}

    /** Not started because the agent is stopping ({@code when}): no fault of the update, which the next start decides afresh. */
    record Stopped(String when) implements Outcome {}

    private final UpdateFiles files;
    private final String running;
    private final Clock clock;
    private final AgentUpdater.Reports reports;
    private final AgentPackageSource source;
    private final Platform platform;
    private final Launcher launcher;
    private final UpdaterScript updater;
    private final BooleanSupplier closed;

    /** @param closed whether the agent is stopping: an updater started then would start the agent again */
    UpdateHandOver(UpdateFiles files, String running, Clock clock, AgentUpdater.Reports reports,
                   AgentPackageSource source, Platform platform, Launcher launcher, UpdaterScript updater,
                   BooleanSupplier closed) {
        this.files = files;
        this.running = running;
        this.clock = clock;
        this.reports = reports;
        this.source = source;
        this.platform = platform;
        this.launcher = launcher;
        this.updater = updater;
        this.closed = closed;
    }

    /** Starts the update of {@code target}'s revision to {@code agent}'s version, showing it as it goes. */
    Outcome start(long revision, AgentUpdate agent, DesiredState target) {
        String version = agent.version();
        if (!platform.installedFromPackage()) {
            return new Failed(NOT_FROM_PACKAGE);
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
            if (closed.getAsBoolean()) {
                return new Stopped(e.toString());
            }
            return new Failed("downloading the agent package " + agent.packageRef() + " for " + arch
                    + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        if (!version.equals(fetched.version())) {
            files.delete(DOWNLOAD);
            return new Failed("the package " + agent.packageRef() + " for " + arch + " holds version "
                    + fetched.version() + ", not " + version + ": push the package of " + version
                    + ", or name the version it holds");
        }
        Logger.info("agent package {} for {} fetched: version {}, {} bytes, sha256 {}", agent.packageRef(), arch,
                fetched.version(), fetched.size(), fetched.sha256());
        Pending pending = new Pending(revision, running, version, clock.instant(),
                UpdateRules.deadline(clock.instant(), agent));
        Path copy;
        try {
            files.removeResult();
            files.removeConfirmed();
            copy = updater.copy();
            if (closed.getAsBoolean()) {
                // a `systemctl stop berth` as the download ended: the updater would start the agent again
                files.delete(DOWNLOAD);
                return new Stopped("after the download");
            }
            files.writePending(pending);
        } catch (IOException | RuntimeException e) {
            files.delete(DOWNLOAD);
            return new Failed("cannot start the updater: " + updater.why(e));
        }
        show(new UpdateStatus(revision, version, UpdateStatus.INSTALLING, null, clock.instant()));
        reports.event(revision, version, "updating the agent from " + running + " to " + version + " ("
                + agent.packageRef() + "); it restarts into it, containers keep running");
        try {
            launcher.launch(revision, updater.command(copy, fetched.file(), version, agent.timeout(), platform.pid()));
        } catch (InterruptedIOException e) {
            // the unit may be queued already: pending.json stays, and the next start waits for the updater's word
            Logger.info("agent update to {} stopped with the agent while the updater was being started; it may "
                    + "run: the next start looks at {}", version, files.dir());
            return new HandedOver();
        } catch (IOException | RuntimeException e) {
            files.removePending();
            files.delete(DOWNLOAD);
            return new Failed("cannot start the updater: " + updater.why(e));
        }
        Logger.info("agent update to {} (revision {}) handed to the updater; this agent is restarted by it",
                version, revision);
        return new HandedOver();
    }

    private void show(UpdateStatus status) {
        reports.status(status.toJson());
    }
}
