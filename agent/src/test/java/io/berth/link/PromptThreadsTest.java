package io.berth.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PromptThreadsTest {

    /** Shaped like Paho 1.2.5's CommsSender: start() submits under its lock, run() takes the lock to say it runs. */
    static final class PahoLike implements Runnable {
        private final Object lifecycle = new Object();
        private boolean running;
        private boolean stop;
        final AtomicReference<Thread> thread = new AtomicReference<>();
        volatile boolean interrupted;

        /** What Paho's start does, without its sleep loop: whether the task ran when the submit returned. */
        boolean start(PromptThreads threads) {
            synchronized (lifecycle) {
                threads.submit(this);
            }
            return isRunning();
        }

        public boolean isRunning() {
            synchronized (lifecycle) {
                return running;
            }
        }

        void stop() {
            synchronized (lifecycle) {
                stop = true;
                lifecycle.notifyAll();
            }
        }

        @Override
        public void run() {
            thread.set(Thread.currentThread());
            synchronized (lifecycle) {
                running = true;
                while (!stop) {
                    try {
                        lifecycle.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                running = false;
            }
        }
    }

    @Test
    void aPahoStartFindsItsThreadRunningAtItsFirstCheck() throws Exception {
        PahoLike task = new PahoLike();
        assertTrue(task.start(new PromptThreads()), "running when submit returned");
        assertNotSame(Thread.currentThread(), task.thread.get(), "on a thread of its own");
        task.stop();
        task.thread.get().join(10_000);
        assertFalse(task.thread.get().isAlive());
    }

    @Test
    void cancellingTheFutureDoesNotInterruptTheThreadAsPahoWithoutAnExecutor() throws Exception {
        PahoLike task = new PahoLike();
        Future<?> future;
        PromptThreads threads = new PromptThreads();
        synchronized (task.lifecycle) {
            future = threads.submit(task);
        }
        future.cancel(true);
        task.stop();
        task.thread.get().join(10_000);
        assertFalse(task.interrupted);
    }

    @Test
    void anyOtherTaskIsOnlyStartedOnAThreadOfItsOwn() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicReference<Thread> on = new AtomicReference<>();
        PromptThreads threads = new PromptThreads();
        Future<?> future = threads.submit(() -> {
            on.set(Thread.currentThread());
            ran.countDown();
        });
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        future.get(10, TimeUnit.SECONDS);
        assertNotSame(Thread.currentThread(), on.get());
        CountDownLatch executed = new CountDownLatch(1);
        threads.execute(executed::countDown);
        assertTrue(executed.await(10, TimeUnit.SECONDS));
        threads.shutdown();
        assertTrue(threads.isShutdown());
        assertEquals(java.util.List.of(), threads.shutdownNow());
    }
}
