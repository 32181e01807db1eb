package io.berth.selfupdate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the updater as a transient systemd unit when the agent runs under systemd (restarting the
 * agent's service would otherwise kill it with the service's control group), else in a session of
 * its own ({@code setsid}), which outlives the agent's exit under any supervisor.
 */
final class DetachedLauncher implements Launcher {
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
            out.addAll(List.of("systemd-run", "--unit=berth-agent-update-" + revision, "--collect", "--quiet",
                    "--no-block"));
        } else {
            out.add("setsid");
        }
        out.addAll(command);
        return out;
    }

    @Override
    public void launch(long revision, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(detached(systemd, revision, command))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        if (systemd) {
            // systemd-run returns once the unit is queued: its exit code says whether it was
            Process p = builder.redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("systemd-run did not return within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting the updater", e);
            }
            if (p.exitValue() != 0) {
                throw new IOException("systemd-run exited with " + p.exitValue() + (out.isEmpty() ? "" : ": " + out));
            }
        } else {
            Files.createDirectories(log.getParent());
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        }
    }
}
