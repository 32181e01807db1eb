package io.berth.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The docker CLI, for tests to look at and arrange the engine independently of the agent. */
final class DockerCli {
    private DockerCli() {}

    record Result(int exitCode, String out, String err) {}

    static Result run(String... args) {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("docker " + String.join(" ", args) + " timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip(),
                    new String(err, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run docker: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs docker and returns stdout; fails the test on a non-zero exit. */
    static String ok(String... args) {
        Result r = run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("docker " + String.join(" ", args) + " failed: " + r.err());
        }
        return r.out();
    }

    /** {@code docker inspect -f FORMAT NAME}, or null when there is no such object. */
    static String inspect(String name, String format) {
        Result r = run("inspect", "-f", format, name);
        return r.exitCode() == 0 ? r.out() : null;
    }

    /** Removes the container with its anonymous volumes ({@code -v}; named volumes stay). */
    static void removeContainer(String name) {
        run("rm", "-f", "-v", name); // -v: its anonymous volumes too (named ones stay)
    }

    static void removeNetwork(String name) {
        run("network", "rm", name);
    }

    static void removeVolume(String name) {
        run("volume", "rm", "-f", name);
    }
}
