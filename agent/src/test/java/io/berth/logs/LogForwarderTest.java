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

    /** What a publisher saw: lines delivered and drops counted, from the batches themselves. */
    private static final class Received implements LogForwarder.Publisher {
        final java.util.concurrent.atomic.AtomicLong lines = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public boolean publish(String service, byte[] batch) {
            try {
                var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(batch);
                lines.addAndGet(node.path("lines").size());
                dropped.addAndGet(node.path("dropped").asLong());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return true;
        }
    }

    @Test
    void evenlyPacedLinesAboveTheLimitDeliverTheLimitAndCountTheRest() {
        io.berth.support.FakeClock clock = new io.berth.support.FakeClock();
        Received received = new Received();
        // 100 lines a second allowed; 1000 a second printed, one every millisecond, for 10 s
        LogForwarder forwarder = new LogForwarder(new LogSettings(200, 16 * 1024, 4096, 1 << 20, 100, 1L << 30, 0),
                received, clock, timer, stateDir);
        int printed = 10_000;
        for (int i = 0; i < printed; i++) {
            clock.advance(java.time.Duration.ofMillis(1));
            forwarder.line(CONTAINER, "chatty", T0.plusMillis(i), "stdout", "line " + i);
        }
        forwarder.flush();
        long delivered = received.lines.get();
        // a second's worth at the start, then 100 a second: 1,100 give or take a line
        assertTrue(delivered >= 1_090 && delivered <= 1_101, delivered + " lines delivered, expected about 1,100");
        assertEquals(printed, delivered + received.dropped.get(), "every line delivered or counted as dropped");
    }

    @Test
    void theByteLimitKeepsItsFractionsToo() {
        io.berth.support.FakeClock clock = new io.berth.support.FakeClock();
        Received received = new Received();
        // 1,000 bytes a second; lines of 10 bytes every 5 ms (2,000 bytes a second) for 10 s
        LogForwarder forwarder = new LogForwarder(new LogSettings(200, 16 * 1024, 4096, 1 << 20, 1_000_000, 1_000, 0),
                received, clock, timer, stateDir);
        for (int i = 0; i < 2_000; i++) {
            clock.advance(java.time.Duration.ofMillis(5));
            forwarder.line(CONTAINER, "chatty", T0.plusMillis(5L * i), "stdout", "0123456789");
        }
        forwarder.flush();
        long delivered = received.lines.get();
        assertTrue(delivered >= 1_090 && delivered <= 1_101, delivered + " lines of 10 bytes delivered, expected about 1,100");
        assertEquals(2_000, delivered + received.dropped.get());
    }

    @Test
    void aDroppedLineSchedulesTheFlushThatPublishesItsCount() throws Exception {
        io.berth.support.FakeClock clock = new io.berth.support.FakeClock();
        Received received = new Received();
        LogForwarder forwarder = new LogForwarder(new LogSettings(200, 16 * 1024, 4096, 1 << 20, 1, 1L << 30, 0),
                received, clock, timer, stateDir);
        forwarder.line(CONTAINER, "chatty", T0, "stdout", "the one line this second allows");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (received.lines.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50); // its own timer publishes it (within a second); nothing is scheduled after that
        }
        assertEquals(1, received.lines.get());
        for (int i = 1; i <= 5; i++) {
            forwarder.line(CONTAINER, "chatty", T0.plusMillis(i), "stdout", "over the limit " + i);
        }
        // no line passes after these, and nobody calls flush: the forwarder's own timer must
        deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (received.dropped.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(5, received.dropped.get(), "the five dropped lines are counted in a published batch");
    }

    @Test
    void aReplayedSegmentIsDroppedAndCountedNotForwardedTwice() {
        List<String> forwarded = new ArrayList<>();
        LogForwarder forwarder = new LogForwarder(limits(1024 * 1024), (service, batch) -> {
            try {
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(batch).path("lines")
                        .forEach(l -> forwarded.add(l.path("line").asText()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return true;
        }, Clock.systemUTC(), timer, stateDir);
        feed(forwarder, 0, 100);
        // json-file's follower re-reads part of a rotated file: lines 60..99 come again, then new ones
        feed(forwarder, 60, 150);
        forwarder.flush();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            expected.add("line " + i);
        }
        assertEquals(expected, forwarded, "each line once, in order");
        assertEquals(40, forwarder.stats().duplicates(), "the replayed lines are counted");
        assertEquals(150, forwarder.stats().received());
    }

    @Test
    void stdoutAndStderrAreJudgedApartForDuplicates() {
        List<String> forwarded = new ArrayList<>();
        LogForwarder forwarder = new LogForwarder(limits(1024 * 1024), (service, batch) -> {
            try {
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(batch).path("lines")
                        .forEach(l -> forwarded.add(l.path("stream").asText() + " " + l.path("line").asText()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return true;
        }, Clock.systemUTC(), timer, stateDir);
        // dockerd stamps each stream as it reads it: in the file a stderr line may come after a later
        // stdout one; it is no duplicate
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(2), "stdout", "out 1");
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(1), "stderr", "err 1");
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(3), "stderr", "err 2");
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(3), "stdout", "out 2");
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(3), "stdout", "out 2");
        forwarder.flush();
        assertEquals(List.of("stdout out 1", "stderr err 1", "stderr err 2", "stdout out 2"), forwarded);
        assertEquals(1, forwarder.stats().duplicates());
    }

    /** A follow resumes from the container's latest line, and both streams start over from there. */
    @Test
    void aResumedStreamStartsBothStreamsFromTheLatestLine() {
        List<String> forwarded = new ArrayList<>();
        List<Instant> follows = new ArrayList<>();
        LogForwarder forwarder = new LogForwarder(limits(1024 * 1024), (service, batch) -> {
            try {
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(batch).path("lines")
                        .forEach(l -> forwarded.add(l.path("t").asText() + " " + l.path("line").asText()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return true;
        }, Clock.systemUTC(), timer, stateDir);
        forwarder.attach(new io.berth.engine.LogStreams() {
            @Override
            public void follow(String containerId, String service, Instant since) {
                follows.add(since);
            }

            @Override
            public void unfollow(String containerId) {}

            @Override
            public int following() {
                return 0;
            }

            @Override
            public void close() {}
        });
        List<io.berth.model.ObservedContainer> running = List.of(new io.berth.model.ObservedContainer(CONTAINER, "chatty",
                true, "chatty", "h", 1, io.berth.model.ContainerStatus.RUNNING, io.berth.model.Health.NONE, null, null, 0,
                "img", "sha256:1", false, java.util.Map.of()));
        forwarder.track(running);
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(5), "stdout", "out 5");
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(3), "stderr", "err 3");
        forwarder.ended(CONTAINER, "the log stream ended");
        forwarder.track(running);
        // the engine gives lines at or after the resume point, of both streams
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(4), "stderr", "err 4 (before the resume point: seen)");
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(5), "stdout", "out 5 (again)");
        forwarder.line(CONTAINER, "chatty", T0.plusMillis(6), "stderr", "err 6");
        forwarder.flush();
        assertEquals(List.of(Instant.EPOCH, T0.plusMillis(5)), follows, "from the start, then from the latest line");
        assertEquals(List.of("2026-11-23T10:00:00.005Z out 5", "2026-11-23T10:00:00.003Z err 3",
                "2026-11-23T10:00:00.006Z err 6"), forwarded);
        assertEquals(2, forwarder.stats().duplicates());
    }
}
