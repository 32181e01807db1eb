package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Doctor's and the support bundle's host commands. The test's own limit only stops a hang: the
 * bound under test is the command's timeout (reading the output before waiting for the command
 * held the caller for as long as the command ran).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostCommandTest {
    @TempDir
    Path dir;

    @Test
    void theOutputOfACommandThatSucceeds() {
        assertEquals("out\nerr\n", HostCommand.run(List.of("sh", "-c", "echo out; echo err >&2")));
        assertNull(HostCommand.run(List.of("sh", "-c", "echo out; exit 3")), "failed");
        assertNull(HostCommand.run(List.of("berth-no-such-command-" + ProcessHandle.current().pid())), "missing");
    }

    @Test
    void moreOutputThanAPipeHoldsIsReadWhole() {
        String out = HostCommand.run(List.of("sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a"));
        assertEquals(300_000, out.length());
        assertEquals("a".repeat(300_000), out);
    }

    @Test
    void aCommandThatHangsAfterPrintingIsStoppedAtTheTimeout() throws Exception {
        assertStopped("echo started; echo $$ > PID.new; mv PID.new PID; exec sleep 600");
    }

    @Test
    void theChildrenOfACommandThatHangsAreStoppedToo() throws Exception {
        assertStopped("sleep 600 & echo $! > PID.new; mv PID.new PID; echo started; wait");
    }

    /**
     * The script, which writes the id of the process that hangs to {@code PID}, gives null at
     * the timeout, and that process ends (a kill is asynchronous: waited for, within the test's
     * limit). No file: the command was stopped before it started that process.
     */
    private void assertStopped(String script) throws Exception {
        Path pidFile = dir.resolve("pid");
        assertNull(HostCommand.run(List.of("sh", "-c", script.replace("PID", pidFile.toString())),
                Duration.ofSeconds(1)));
        if (!Files.exists(pidFile)) {
            return;
        }
        var process = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
        if (process.isPresent()) {
            process.get().onExit().get();
            assertFalse(process.get().isAlive());
        }
    }
}
