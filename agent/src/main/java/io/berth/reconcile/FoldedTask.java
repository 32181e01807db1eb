package io.berth.reconcile;

import io.berth.support.Guarded;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A task asked for from any thread, any number of times, that waits in the reconcile queue at
 * most once: requests made while it is queued fold into it. So a burst (a flood of desired
 * messages, of engine events) takes one slot of a bounded queue, never fills it. Should the
 * queue refuse it anyway, the flag is cleared and the request is made again a second later:
 * it is never left set with nothing queued, which would stop the task for good.
 */
public final class FoldedTask {
    private final String what;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Runnable task;
    private final AtomicBoolean queued = new AtomicBoolean();

    FoldedTask(String what, Executor executor, ScheduledExecutorService timer, Runnable task) {
        this.what = what;
        this.executor = executor;
        this.timer = timer;
        this.task = task;
    }

    /** Asks for the task; safe from any thread, never throws. */
    public void request() {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                queued.set(false); // cleared first: a request made while it runs queues it again
                task.run();
            });
        } catch (RejectedExecutionException e) {
            queued.set(false);
            if (!timer.isShutdown()) {
                timer.schedule(Guarded.task(what, this::request), 1, TimeUnit.SECONDS);
            }
        }
    }
}
