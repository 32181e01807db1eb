package io.berth.selfupdate;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * The berth package's updater script as the agent runs it: a copy in the update's directory (dpkg
 * replaces the installed one while it runs), through bash (a state dir mounted noexec still runs
 * it), with the arguments the script takes.
 *
 * @param installed where the package installs it ({@link AgentUpdater#SCRIPT})
 * @param dir       the update's directory, given as {@code --dir}
 */
record UpdaterScript(Path installed, Path dir) {
    /** The copy's temporary name: removed at start as a leftover when no update is under way. */
    static final String TEMP = ".agent-update.tmp";

    /** Copies the installed script into {@code dir}; returns the copy. */
    Path copy() throws IOException {
        Path copy = dir.resolve("agent-update");
        Path temp = dir.resolve(TEMP);
        Files.copy(installed, temp, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx------"));
        Files.move(temp, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return copy;
    }

    /** The command line: exactly the arguments the berth package's script takes. */
    List<String> command(Path copy, Path deb, String version, Duration timeout, long agentPid) {
        return List.of("/bin/bash", copy.toString(), "--deb", deb.toString(), "--dir", dir.toString(), "--version",
                version, "--timeout", Long.toString(timeout.toSeconds()), "--agent-pid", Long.toString(agentPid));
    }

    /** What went wrong copying or starting it, said so that someone can act on it. */
    String why(Exception e) {
        if (e instanceof NoSuchFileException n && installed.toString().equals(n.getFile())) {
            return installed + " is missing; the berth package provides it: reinstall berth";
        }
        if (e instanceof FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : e.getClass().getSimpleName());
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
