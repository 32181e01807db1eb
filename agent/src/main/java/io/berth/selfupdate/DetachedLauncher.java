package io.berth.selfupdate;

import io.berth.support.ShortCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the updater as a transient systemd unit when the agent runs under systemd (restarting the
 * agent's service would otherwise kill it with the service's control group), else in a session of
 * its own ({@code setsid}), which outlives the agent's exit under any supervisor.
 */
final class DetachedLauncher implements Launcher {
    private static final Duration SYSTEMD_RUN_TIMEOUT = Duration.ofSeconds(30);
    private final boolean systemd;
    private final Path log;

    /** @param log where the script's output goes without systemd (with it: the journal) */
    DetachedLauncher(boolean systemd, Path log) {
        this.systemd = systemd;
        this.log = log;
    }

    /** Whether this process runs as a systemd service: systemd sets {@code INVOCATION_ID} for its services. */
    static boolean underSystemd() {
        return System.getenv("INVOCATION_ID") != null && Files.isDirectory(Path.of("/run/systemd/system"));
    }

    /** The command line that starts {@code command} detached. */
    static List<String> detached(boolean systemd, long revision, List<String> command) {
        List<String> out = new ArrayList<>();
        if (systemd) {
            // at a shutdown SIGTERM goes to the script alone (it lets dpkg finish, which ignores it) and
            // dpkg has 5 minutes before the rest of the unit is killed
            out.addAll(List.of("systemd-run", "--unit=berth-agent-update-" + revision, "--collect", "--quiet",
                    "--no-block", "-p", "KillMode=mixed", "-p", "TimeoutStopSec=5min"));
        } else {
            out.add("setsid");
        }
        out.addAll(command);
        return out;
    }

    @Override
    public void launch(long revision, List<String> command) throws IOException {
        if (systemd) {
            // systemd-run --no-block returns once the unit is queued: its exit code says whether it was
            // (not whether the script ran: its own result.json says that)
            ShortCommand.Outcome out = ShortCommand.run(detached(true, revision, command), SYSTEMD_RUN_TIMEOUT, 4096);
            if (out.exitCode() != 0) {
                throw new IOException("systemd-run exited with " + out.exitCode()
                        + (out.output().isBlank() ? "" : ": " + out.output().strip()));
            }
        } else {
            Files.createDirectories(log.getParent());
            new ProcessBuilder(detached(false, revision, command))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        }
    }
}
