package io.berth.actions;

import io.berth.reconcile.Reconciler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs an action on the reconcile thread and waits for it, so it never races a pass. */
final class ReconcileThread {
    private static final Duration WAIT = Duration.ofSeconds(60);

    interface Task<T> {
        T run() throws Exception;
    }

    private final Reconciler reconciler;

    ReconcileThread(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    <T> T run(String what, Task<T> task) throws ActionException {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            reconciler.submit(() -> {
                try {
                    result.complete(task.run());
                } catch (Exception e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new ActionException("the agent is too busy to " + what + " now (its work queue is full); "
                    + "try again in a moment", e, true);
        }
        return await(what, result);
    }

    /** Waits for what the reconcile thread answers; its errors mapped once, here. */
    static <T> T await(String what, CompletableFuture<T> result) throws ActionException {
        try {
            return result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ActionException a) {
                throw a;
            }
            if (cause instanceof io.berth.engine.EngineException engineError) {
                throw ActionException.of(engineError);
            }
            throw new ActionException("cannot " + what + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new ActionException("the agent did not get to '" + what + "' within " + WAIT.toSeconds()
                    + " s (a long pull may be running); it will still do it", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ActionException("interrupted while waiting to " + what, e);
        }
    }
}
