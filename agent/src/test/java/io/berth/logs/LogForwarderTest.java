package io.berth.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.config.LogSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The buffer while the broker is away: bounded in memory, and no work per incoming line. */
class LogForwarderTest {

    private static final String CONTAINER = "4245f1a0b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d";
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir
    Path stateDir;

    /** A timer whose tasks stay queued for the length of a test (the first retry is 1 s away). */
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private static LogSettings limits(long bufferBytes) {
        return new LogSettings(200, 16 * 1024, 4096, bufferBytes, 1_000_000, 1L << 30, 0);
    }

    private static void feed(LogForwarder forwarder, int from, int to) {
        for (int i = from; i < to; i++) {
            forwarder.line(CONTAINER, "chatty", T0.plusMillis(i), "stdout", "line " + i);
        }
    }

    @Test
    void theBufferBoundsMemoryNotJustText() {
        long bufferBytes = 64 * 1024;
        LogForwarder forwarder = new LogForwarder(limits(bufferBytes), (service, batch) -> false,
                Clock.systemUTC(), timer, stateDir);
        feed(forwarder, 0, 10_000);
        LogForwarder.Stats stats = forwarder.stats();
        // "line 9999" is 9 characters: each buffered line costs its text plus the per-line objects
        long expected = bufferBytes / (9 + LogForwarder.LINE_OVERHEAD);
        assertTrue(stats.buffered() <= expected + 1 && stats.buffered() >= expected - 200,
                stats.buffered() + " lines buffered for " + bufferBytes + " bytes, expected about " + expected);
        assertEquals(10_000, stats.buffered() + stats.dropped(), "every line is buffered or counted as dropped");
    }

    @Test
    void whileTheBrokerIsAwayLinesWaitForTheRetryInsteadOfEachTryingToPublish() {
        AtomicInteger attempts = new AtomicInteger();
        AtomicBoolean brokerUp = new AtomicBoolean(false);
        List<byte[]> sent = new ArrayList<>();
        LogForwarder forwarder = new LogForwarder(limits(1024 * 1024), (service, batch) -> {
            attempts.incrementAndGet();
            if (brokerUp.get()) {
                sent.add(batch);
            }
            return brokerUp.get();
        }, Clock.systemUTC(), timer, stateDir);

        feed(forwarder, 0, 5_000); // 25 full batches' worth
        assertEquals(1, attempts.get(), "one failed publish, then only the scheduled retry tries again");
        // the periodic save of positions, and one retry: never one task per line
        assertTrue(timer.getQueue().size() <= 2, timer.getQueue().size() + " tasks queued");

        brokerUp.set(true);
        forwarder.flush(); // what the retry does when it runs
        assertEquals(5_000, forwarder.stats().published());
        assertEquals(0, forwarder.stats().buffered());
        assertEquals(25, sent.size(), "batches of at most 200 lines");

        feed(forwarder, 5_000, 5_200); // the broker is back: a full batch goes out at once again
        assertEquals(26, sent.size());
    }
}
