package io.berth.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The agent's clock: wall time ({@link #instant()}) for what people read (reports, events, log
 * lines), and a monotonic reading ({@link #monotonic()}) for every duration: trials, backoffs,
 * report pacing, rate limits. A board without a real-time clock has its wall clock set by NTP
 * some time after boot, hours at once; the monotonic reading never jumps.
 */
public abstract class AgentClock extends Clock {

    /**
     * The monotonic time as an {@link Instant} on an arbitrary timeline of its own: only
     * differences between two readings mean anything, never the value against wall time.
     */
    public abstract Instant monotonic();

    /** Monotonic nanoseconds, for rate arithmetic. */
    public long monotonicNanos() {
        Instant m = monotonic();
        return m.getEpochSecond() * 1_000_000_000L + m.getNano();
    }

    /** The time from now (monotonic) until {@code at}, never negative. */
    public Duration until(Instant at) {
        Duration d = Duration.between(monotonic(), at);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** The system clock: wall time from the OS, monotonic time from {@link System#nanoTime()}. */
    public static AgentClock system() {
        return new AgentClock() {
            @Override
            public Instant monotonic() {
                return Instant.ofEpochSecond(0, System.nanoTime());
            }

            @Override
            public long monotonicNanos() {
                return System.nanoTime();
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.now();
            }
        };
    }

    /**
     * The agent clock for a plain {@link Clock}: itself if it is one; the system clock for the
     * system's; otherwise (a fixed clock of a test) its own instant serves as monotonic time too.
     */
    public static AgentClock of(Clock clock) {
        if (clock instanceof AgentClock agentClock) {
            return agentClock;
        }
        if (clock.equals(Clock.systemUTC()) || clock.equals(Clock.systemDefaultZone())) {
            return system();
        }
        return new AgentClock() {
            @Override
            public Instant monotonic() {
                return clock.instant();
            }

            @Override
            public ZoneId getZone() {
                return clock.getZone();
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return of(clock.withZone(zone));
            }

            @Override
            public Instant instant() {
                return clock.instant();
            }
        };
    }
}
