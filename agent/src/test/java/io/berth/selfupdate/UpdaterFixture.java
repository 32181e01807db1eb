package io.berth.selfupdate;

import static io.berth.spec.SpecFixtures.desired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.DesiredState;
import io.berth.model.RegistryAuth;
import io.berth.selfupdate.UpdateFiles.Failure;
import io.berth.selfupdate.UpdateFiles.Pending;
import io.berth.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake clock, package source, platform and launcher the agent update's tests share. */
abstract class UpdaterFixture {
    static final String REF = "127.0.0.1:5000/berth/agent@sha256:" + "ab".repeat(32);
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path state;

    final MutableClock clock = new MutableClock(T0);
    final List<JsonNode> statuses = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final List<String> fetches = new ArrayList<>();
    final List<List<String>> launches = new ArrayList<>();
    String packageVersion = "0.2.0";
    Exception fetchError;
    IOException launchError;
    boolean fromPackage = true;
    Path script;
    /** Where the updater's work runs: at once by default; {@link #queued()} queues it as its own thread does. */
    Executor work = Runnable::run;
    final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    /** How long a confirmed agent waits for result.json: not at all, unless a test says so. */
    Duration resultWait = Duration.ZERO;
    /** Runs after each status shown: the real reporter republishes, and the report reaches the updater again. */
    Runnable onStatus = () -> { };

    /** A stand-in for the updater script while it runs (its command line names agent-update), else null. */
    Process updater;

    @AfterEach
    void stopUpdater() {
        if (updater != null) {
            updater.destroyForcibly();
        }
    }

    /** The updater runs: its pid in {@code lock}, as the script writes it. */
    void updaterRuns() throws IOException {
        updater = new ProcessBuilder("bash", "-c", "sleep 120; :", "agent-update").start();
        Files.createDirectories(files().dir());
        Files.writeString(files().dir().resolve("lock"), updater.pid() + "\n");
    }

    @BeforeEach
    void script() throws IOException {
        script = state.resolve("usr-lib-berth-agent-update");
        Files.writeString(script, "#!/bin/sh\n# the berth package's updater\n");
    }

    AgentUpdater.Reports reports() {
        return new AgentUpdater.Reports() {
            @Override
            public void status(ObjectNode update) {
                statuses.add(update == null ? null : update.deepCopy());
                onStatus.run();
            }

            @Override
            public void event(long revision, String version, String message) {
                events.add(revision + " " + version + ": " + message);
            }
        };
    }

    AgentUpdater updater(String running) {
        AgentUpdater.Reports reports = reports();
        AgentPackageSource source = (ref, arch, auth, target, maxBytes) -> {
            fetches.add(ref + " " + arch + " " + (auth == null ? "-" : auth.username() + ":" + auth.password().reveal())
                    + " " + target.getFileName() + " " + maxBytes);
            if (fetchError != null) {
                throw fetchError;
            }
            Files.writeString(target, "deb");
            return new AgentPackageSource.Fetched(target, "sha256:" + "cd".repeat(32), 3, packageVersion);
        };
        Platform platform = platform();
        Launcher launcher = (revision, command) -> {
            if (launchError != null) {
                throw launchError;
            }
            launches.add(new ArrayList<>(List.of("r" + revision)));
            launches.get(launches.size() - 1).addAll(command);
        };
        AgentUpdater u = new AgentUpdater(state, running, clock, reports, source, platform, launcher, script,
                r -> work.execute(r));
        u.resultWait = resultWait;
        return u;
    }

    /** From now on the work is queued, as on the updater's own thread, and runs in {@link #drain}. */
    void queued() {
        work = queue::add;
    }

    /** Runs the queued work, and the work it queues, up to {@code max} tasks; returns how many ran. */
    int drain(int max) {
        int ran = 0;
        while (!queue.isEmpty() && ran < max) {
            queue.poll().run();
            ran++;
        }
        return ran;
    }

    Platform platform() {
        return new Platform() {
            @Override
            public String debArch() {
                return "arm64";
            }

            @Override
            public boolean installedFromPackage() {
                return fromPackage;
            }

            @Override
            public long pid() {
                return 4242;
            }
        };
    }

    static DesiredState doc(long revision, String version) {
        return desired("{\"revision\": " + revision + ", \"services\": {}, \"registries\": {\"127.0.0.1:5000\": "
                + "{\"username\": \"u\", \"password\": \"p\"}}" + (version == null ? "" : ", \"agent\": {\"version\": \""
                + version + "\", \"package\": \"" + REF + "\", \"timeout\": \"2m\"}") + "}");
    }

    /** An agent running {@code running} starts at {@code now} with revision 7's update 0.1.0 → 0.2.0 pending. */
    AgentUpdater resumeWithPending(String running, Instant now) throws IOException {
        if (files().pending() == null) {
            files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        }
        clock.at(now);
        AgentUpdater u = updater(running);
        u.resume();
        return u;
    }

    UpdateFiles files() {
        return new UpdateFiles(state);
    }

    List<String> states() {
        return statuses.stream().map(s -> s == null ? "null" : s.path("state").asText()).toList();
    }
}
