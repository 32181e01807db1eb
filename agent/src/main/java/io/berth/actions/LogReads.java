package io.berth.actions;

import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.LogLine;
import io.berth.engine.LogQuery;
import io.berth.model.ObservedContainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The log reads users ask for ({@code berth logs}, MQTT {@code logs}): at most
 * {@link #MAX_REQUESTS} requests at once, each reading any number of containers (the engine
 * reads share one thread); a sideload load counts as a request too.
 */
final class LogReads {
    static final int MAX_REQUESTS = 4;

    private final Engine engine;
    private final Semaphore requests = new Semaphore(MAX_REQUESTS);

    LogReads(Engine engine) {
        this.engine = engine;
    }

    boolean tryAcquire() {
        return requests.tryAcquire();
    }

    void release() {
        requests.release();
    }

    /**
     * Reads the containers' logs, each line with its service. {@code onEnd} is called once, when
     * every log ended (with the first error, if any) or the result is closed.
     */
    AutoCloseable read(Map<String, ObservedContainer> containers, LogQuery query, BiConsumer<String, LogLine> onLine,
                       Consumer<Throwable> onEnd) throws ActionException {
        if (!requests.tryAcquire()) {
            throw new ActionException("already " + MAX_REQUESTS + " log reads running on this device; stop one "
                    + "(Ctrl-C on a 'berth logs -f') and try again");
        }
        AtomicBoolean ended = new AtomicBoolean();
        AtomicInteger open = new AtomicInteger(containers.size());
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        Runnable finish = () -> {
            if (ended.compareAndSet(false, true)) {
                requests.release();
                onEnd.accept(firstError.get());
            }
        };
        List<AutoCloseable> streams = new ArrayList<>();
        AutoCloseable all = () -> {
            for (AutoCloseable stream : streams) {
                try {
                    stream.close();
                } catch (Exception e) {
                    Logger.debug("closing a log read: {}", e.toString());
                }
            }
            finish.run();
        };
        try {
            for (var entry : containers.entrySet()) {
                streams.add(engine.logs(entry.getValue().id(), query, line -> onLine.accept(entry.getKey(), line),
                        error -> {
                            if (error != null) {
                                firstError.compareAndSet(null, error);
                            }
                            if (open.decrementAndGet() == 0) {
                                finish.run();
                            }
                        }));
            }
        } catch (EngineException | RuntimeException e) {
            firstError.compareAndSet(null, e);
            try {
                all.close();
            } catch (Exception ignored) {
                // closing what was opened
            }
            throw new ActionException(e.getMessage(), e);
        }
        return all;
    }
}
