package io.berth.link;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The threads of a Paho client, as Paho starts them without an executor (one new thread per
 * task, named by Paho, no pool), minus Paho's start-up sleeps.
 *
 * <p>Paho 1.2.5 starts its sender, receiver and callback threads with
 * {@code synchronized (lifecycle) { …start the thread… } while (!isRunning()) Thread.sleep(100);}
 * (paho.mqtt.java issues 945 and 1089, open): the new thread needs the lock the starter holds,
 * so the starter's first check nearly always fails and each start costs 100 ms, about 300 ms
 * between the TCP connection and the CONNECT packet. Here {@link #submit(Runnable)}, called under
 * that lock, waits on the lock itself ({@code Object.wait} releases it) until the task says it
 * runs, so Paho's first check succeeds. A task without Paho's {@code lifecycle} lock and public
 * {@code isRunning()} (another Paho version) is only started: Paho's own loop then waits, as
 * before. The futures returned never interrupt (Paho cancels them when it stops a thread; its
 * threads without an executor are not interrupted either).
 *
 * <p>The scheduling methods are not supported: Paho uses them only for keep-alive pings when it
 * is given no ping sender of its own, and the wires give it one ({@code TimerPingSender(null)},
 * its default without an executor).
 */
final class PromptThreads extends AbstractExecutorService implements ScheduledExecutorService {
    /** At most this long waiting for one thread to run; then Paho's own loop takes over. */
    private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private volatile boolean shutdown;

    @Override
    public void execute(Runnable command) {
        new Thread(command).start();
    }

    @Override
    public Future<?> submit(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Object lock = lifecycleLock(task);
        Method running = lock == null ? null : isRunning(task);
        new Thread(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
                throw e;
            }
        }).start();
        if (running != null && Thread.holdsLock(lock)) {
            awaitRunning(task, lock, running);
        }
        return done;
    }

    /** Waits on {@code lock} (held by this thread: Paho's start) until {@code task.isRunning()}. */
    private static void awaitRunning(Runnable task, Object lock, Method running) {
        long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        try {
            while (!(Boolean) running.invoke(task) && System.nanoTime() < deadline) {
                lock.wait(1); // releases the lock: the new thread takes it to say it runs
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Paho's own loop waits instead
        }
    }

    private static Object lifecycleLock(Runnable task) {
        try {
            Field field = task.getClass().getDeclaredField("lifecycle");
            field.setAccessible(true);
            return field.get(task);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Method isRunning(Runnable task) {
        try {
            Method method = task.getClass().getMethod("isRunning");
            return method.getReturnType() == boolean.class ? method : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    // No threads of its own (each task's thread ends with the task), so nothing to wait for when
    // Paho 3.1.1's close shuts it down; Paho without an executor does not wait for its threads either.
    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("Paho's pings use their own timer here");
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("Paho's pings use their own timer here");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("Paho's pings use their own timer here");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                                                     TimeUnit unit) {
        throw new UnsupportedOperationException("Paho's pings use their own timer here");
    }
}
