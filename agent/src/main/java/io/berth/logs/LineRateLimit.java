package io.berth.logs;

import io.berth.config.LogSettings;
import io.berth.support.AgentClock;

/**
 * The device-wide limit on forwarded logs ({@code logs.linesPerSecond}, {@code
 * logs.bytesPerSecond}): two token buckets, one of lines and one of bytes, refilled
 * continuously, fractions included, up to one second's worth; so a steady stream refills by its
 * share however often it comes. Refilled by the monotonic clock: a wall clock set by NTP
 * neither floods nor starves it. A line that finds either bucket short is refused whole (the
 * {@link LogForwarder} counts it as dropped). Not thread-safe: the forwarder guards it.
 */
final class LineRateLimit {
    private final LogSettings limits;
    private final AgentClock clock;
    private double tokensLines;
    private double tokensBytes;
    private long refilledAtNanos;

    LineRateLimit(LogSettings limits, AgentClock clock) {
        this.limits = limits;
        this.clock = clock;
        this.tokensLines = limits.linesPerSecond();
        this.tokensBytes = limits.bytesPerSecond();
        this.refilledAtNanos = clock.monotonicNanos();
    }

    /** True, and the tokens taken, when a line of {@code bytes} fits in both buckets now. */
    boolean take(int bytes) {
        long now = clock.monotonicNanos();
        long elapsed = now - refilledAtNanos;
        if (elapsed > 0) {
            double seconds = elapsed / 1e9;
            tokensLines = Math.min(limits.linesPerSecond(), tokensLines + seconds * limits.linesPerSecond());
            tokensBytes = Math.min(limits.bytesPerSecond(), tokensBytes + seconds * limits.bytesPerSecond());
            refilledAtNanos = now;
        }
        if (tokensLines < 1 || tokensBytes < bytes) {
            return false;
        }
        tokensLines--;
        tokensBytes -= bytes;
        return true;
    }
}
