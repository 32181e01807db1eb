package io.berth.support;

import org.tinylog.Logger;

/**
 * A task that cannot die of its own exception. A periodic task of a
 * {@link java.util.concurrent.ScheduledExecutorService} that throws once is never run again,
 * silently: the resync, the heartbeat, the log flush would stop for good. Every scheduled or
 * queued task of the agent goes through here.
 */
public final class Guarded {
    private Guarded() {}

    public static Runnable task(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | StackOverflowError e) {
                Logger.error(e, "unexpected failure in {}; it goes on", what);
            }
        };
    }
}
