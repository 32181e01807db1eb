package io.berth.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The test's own limits only stop a hang: the bounds under test are the commands' timeouts. */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ShortCommandTest {
    @Test
    void theExitCodeAndTheOutputOfBothStreams() throws Exception {
        assertEquals(new ShortCommand.Outcome(3, "out\nerr\n"), ShortCommand.run(List.of("sh", "-c",
                "echo out; echo err >&2; exit 3"), Duration.ofSeconds(10), 4096));
        assertEquals("ab", ShortCommand.run(List.of("printf", "abcdef"), Duration.ofSeconds(10), 2).output());
    }

    @Test
    void aCommandThatHangsIsStoppedAtItsTimeout() {
        ShortCommand.TimedOut e = assertThrows(ShortCommand.TimedOut.class,
                () -> ShortCommand.run(List.of("sleep", "600"), Duration.ofMillis(300), 4096));
        assertEquals("sleep did not finish within 0.3 s; it was stopped", e.getMessage());
    }

    @Test
    void anInterruptedCallerStopsWaitingAndKeepsItsInterrupt() {
        Thread.currentThread().interrupt();
        assertThrows(InterruptedIOException.class,
                () -> ShortCommand.run(List.of("sleep", "600"), Duration.ofSeconds(20), 4096));
        assertTrue(Thread.interrupted(), "the flag is set again");
    }
}
