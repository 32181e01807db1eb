package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A folded task takes one place in a queue however often it is asked for, and is never stuck as "queued". */
class FoldedTaskTest {
    final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void aBurstOfRequestsQueuesOneRun() {
        List<Runnable> queue = new ArrayList<>();
        AtomicInteger runs = new AtomicInteger();
        FoldedTask task = new FoldedTask("a pass", queue::add, timer, runs::incrementAndGet);
        for (int i = 0; i < 10_000; i++) {
            task.request();
        }
        assertEquals(1, queue.size(), "one place in the queue");
        queue.remove(0).run();
        assertEquals(1, runs.get());
        task.request();
        assertEquals(1, queue.size(), "asked again after it ran: queued again");
    }

    @Test
    void aRefusedRequestIsNotLeftMarkedQueued() throws Exception {
        AtomicInteger refusals = new AtomicInteger(1);
        List<Runnable> queue = new ArrayList<>();
        AtomicInteger runs = new AtomicInteger();
        FoldedTask task = new FoldedTask("a pass", r -> {
            if (refusals.getAndDecrement() > 0) {
                throw new RejectedExecutionException("full");
            }
            synchronized (queue) {
                queue.add(r);
            }
        }, timer, runs::incrementAndGet);
        task.request(); // refused: the queue is full
        task.request(); // must not be taken for "already queued"
        synchronized (queue) {
            assertEquals(1, queue.size(), "the next request queues it");
        }
        queue.remove(0).run();
        assertEquals(1, runs.get());
        refusals.set(1);
        task.request(); // refused again, and nobody asks any more: it is asked again a second later
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            synchronized (queue) {
                if (!queue.isEmpty()) {
                    break;
                }
            }
            Thread.sleep(20);
        }
        synchronized (queue) {
            assertEquals(1, queue.size(), "retried on its own");
        }
    }
}
