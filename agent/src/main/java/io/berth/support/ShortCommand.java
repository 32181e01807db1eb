package io.berth.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process that prints little (dpkg, systemd-run) run with a bound on its time: it is
 * waited for first and its output read once it ended, so a hung command cannot hold the caller
 * past the timeout (reading first would wait for as long as the command runs). Its output must
 * fit a pipe's buffer (64 KiB on Linux): a command that prints more blocks, and is stopped at the
 * timeout like one that hangs.
 */
public final class ShortCommand {
    private ShortCommand() {}

    /** The command did not end in time, and was stopped. */
    public static final class TimedOut extends IOException {
        TimedOut(String message) {
            super(message);
        }
    }

    /** How it ended: its exit code and its output (stdout and stderr), at most the bytes asked for. */
    public record Outcome(int exitCode, String output) {}

    /**
     * @throws InterruptedIOException when the caller was interrupted (the command is stopped; the
     *                                thread's interrupt flag is set again)
     * @throws TimedOut              when it did not end within {@code timeout} (it is stopped)
     * @throws IOException            when it cannot start (not installed, not executable)
     */
    public static Outcome run(List<String> command, Duration timeout, int maxBytes) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new TimedOut(command.get(0) + " did not finish within " + timeout.toMillis() / 1000.0
                        + " s; it was stopped");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + command.get(0));
        }
        // it ended: what it printed is buffered, and reading what is there cannot block
        InputStream in = p.getInputStream();
        byte[] out = in.readNBytes(Math.min(maxBytes, in.available()));
        return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
