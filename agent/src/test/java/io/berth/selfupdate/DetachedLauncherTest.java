package io.berth.selfupdate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.it.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetachedLauncherTest {
    @TempDir
    Path dir;

    @Test
    void underSystemdATransientUnitNamedAfterTheRevision() {
        assertEquals(List.of("systemd-run", "--unit=berth-agent-update-12", "--collect", "--quiet", "--no-block",
                "-p", "KillMode=mixed", "-p", "TimeoutStopSec=5min", "/s/agent-update", "--deb", "/s/x.deb"), DetachedLauncher.detached(true, 12,
                List.of("/s/agent-update", "--deb", "/s/x.deb")));
    }

    @Test
    void elseASessionOfItsOwn() {
        assertEquals(List.of("setsid", "/s/agent-update", "--version", "0.2.0"),
                DetachedLauncher.detached(false, 12, List.of("/s/agent-update", "--version", "0.2.0")));
    }

    @Test
    void withoutSystemdTheScriptRunsInANewSessionWithItsOutputInTheLog() throws Exception {
        Path script = dir.resolve("script");
        Path marker = dir.resolve("marker");
        // the session id of the script's shell is its own pid when setsid gave it a new session
        Files.writeString(script, "#!/bin/sh\necho \"args: $*\"\nps -o sid= -p $$ | tr -d ' ' > " + marker + ".tmp\n"
                + "echo $$ >> " + marker + ".tmp\nmv " + marker + ".tmp " + marker + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Path log = dir.resolve("logs/updater.log");
        new DetachedLauncher(false, log).launch(3, List.of(script.toString(), "--version", "0.2.0"));
        Await.until("the script's marker", () -> Files.exists(marker), Duration.ofSeconds(30),
                () -> "log: " + (Files.exists(log) ? read(log) : "none"));
        List<String> ids = Files.readAllLines(marker);
        assertEquals(ids.get(1), ids.get(0), "the script leads a session of its own: " + ids);
        assertTrue(Files.readString(log).contains("args: --version 0.2.0"), Files.readString(log));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
