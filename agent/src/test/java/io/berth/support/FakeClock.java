package io.berth.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a test moves: {@link #advance} moves both readings, {@link #jumpWall} only the wall clock (NTP). */
public final class FakeClock extends AgentClock {
    private Instant wall = Instant.parse("2026-11-22T10:00:00Z");
    private long monoNanos = 1_000_000_000_000L;

    public synchronized void advance(Duration d) {
        wall = wall.plus(d);
        monoNanos += d.toNanos();
    }

    /** The wall clock is set (by NTP, by hand) by {@code d}: durations must not notice. */
    public synchronized void jumpWall(Duration d) {
        wall = wall.plus(d);
    }

    @Override
    public synchronized Instant monotonic() {
        return Instant.ofEpochSecond(0, monoNanos);
    }

    @Override
    public synchronized long monotonicNanos() {
        return monoNanos;
    }

    @Override
    public synchronized Instant instant() {
        return wall;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
