package io.berth.reconcile;

import io.berth.engine.EngineException;
import io.berth.plan.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs one batch. The planner only puts independent steps in a batch, so they run in parallel
 * on a small bounded pool (the engine does the waiting: pulls, starts): at most 4 threads, none
 * while idle. Results come back in the plan's order.
 */
final class StepRunner implements AutoCloseable {

    /** What became of one step: its outcome, or the engine's refusal. */
    record Result(Step step, StepExecutor.Outcome outcome, EngineException error) {}

    private final StepExecutor executor;
    private final ThreadPoolExecutor pool;

    StepRunner(StepExecutor executor) {
        this.executor = executor;
        this.pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "berth-step");
            t.setDaemon(true);
            return t;
        });
        this.pool.allowCoreThreadTimeOut(true);
    }

    List<Result> runAll(List<Step> steps) {
        if (steps.size() == 1) {
            return List.of(runOne(steps.get(0)));
        }
        List<Future<Result>> running = new ArrayList<>();
        for (Step step : steps) {
            running.add(pool.submit(() -> runOne(step)));
        }
        List<Result> results = new ArrayList<>();
        for (Future<Result> future : running) {
            try {
                results.add(future.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException e) {
                throw new IllegalStateException("a step failed unexpectedly", e.getCause());
            }
        }
        return results;
    }

    private Result runOne(Step step) {
        try {
            return new Result(step, executor.execute(step), null);
        } catch (EngineException e) {
            return new Result(step, null, e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
