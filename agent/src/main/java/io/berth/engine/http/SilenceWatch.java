package io.berth.engine.http;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an engine connection once the engine has said nothing for {@code limit}: a pull on a slow
 * link may take hours and is fine while progress keeps coming, a hung one is cut. Where nothing calls
 * {@link #heard()} it is a plain time limit from the request on. {@code heard()} costs one volatile
 * write per message; the check is rescheduled only when it finds the engine has spoken since.
 */
final class SilenceWatch implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final Closeable target;
    private final long limitNanos;
    private volatile long last = System.nanoTime();
    private volatile boolean done;
    private volatile boolean fired;
    private ScheduledFuture<?> next; // guarded by this

    SilenceWatch(ScheduledExecutorService timer, Closeable target, long limitMs) {
        this.timer = timer;
        this.target = target;
        this.limitNanos = TimeUnit.MILLISECONDS.toNanos(limitMs);
        schedule(limitNanos);
    }

    /** A limit as people say it: {@code 10 minutes}, {@code 10 s}, {@code 300 ms}. */
    static String describe(long ms) {
        if (ms >= 60_000 && ms % 60_000 == 0) {
            return ms / 60_000 + (ms == 60_000 ? " minute" : " minutes");
        }
        return ms >= 1000 && ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    /** The engine said something. */
    void heard() {
        last = System.nanoTime();
    }

    /** Whether the answer was closed for its silence. */
    boolean fired() {
        return fired;
    }

    private synchronized void schedule(long delayNanos) {
        if (!done) {
            next = timer.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check() {
        long left = limitNanos - (System.nanoTime() - last);
        if (left > 0) {
            schedule(left);
            return;
        }
        fired = true;
        try {
            target.close();
        } catch (IOException ignored) {
            // closing is how the reader is woken; nothing else to do
        }
    }

    @Override
    public synchronized void close() {
        done = true;
        if (next != null) {
            next.cancel(false);
        }
    }
}
