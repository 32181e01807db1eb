package io.berth.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A short command of the host that doctor and the support bundle read (df, timedatectl,
 * journalctl), bounded in time and in output. Its output is read on a thread of its own while
 * the caller waits for the command with a timeout, so a command that hangs (df on a stale
 * mount, timedatectl without D-Bus), or that leaves a child holding its output open, ends the
 * wait at the timeout instead of holding the CLI for as long as it runs; and a command that
 * prints more than a pipe holds (2000 journal lines) is not blocked by a caller that waits
 * before reading. A command that does not end in time is stopped, with its children.
 */
final class HostCommand {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** At most this much output is read; a command that prints more fails on its closed pipe (null). */
    static final int MAX_BYTES = 1 << 20;

    private HostCommand() {}

    /** Its output when it ends with 0 within {@link #TIMEOUT}, or null (missing, failed, hung). */
    static String run(List<String> command) {
        return run(command, TIMEOUT);
    }

    static String run(List<String> command, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
        } catch (IOException e) {
            return null;
        }
        CompletableFuture<byte[]> output = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                output.complete(in.readNBytes(MAX_BYTES));
            } catch (IOException e) {
                output.completeExceptionally(e);
            }
        }, "berth-command");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return null;
            }
            // it ended; a child of it may still hold the pipe open: wait for EOF until the deadline only
            byte[] bytes = output.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return p.exitValue() == 0 ? new String(bytes, StandardCharsets.UTF_8) : null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
