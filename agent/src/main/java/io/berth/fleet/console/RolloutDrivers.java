package io.berth.fleet.console;

import io.berth.fleet.rollout.Rollout;
import io.berth.fleet.rollout.RolloutDriver;
import io.berth.fleet.rollout.RolloutStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The console drives open rollouts, so an operator can start one with {@code fleet rollout
 * start} (which returns once the first wave is out) and leave the console running: every open
 * rollout that no live driver holds is taken (the driver's lease says who holds it), one
 * thread each, and a request on a rollout nobody drives (abort --revert of a halted one) is
 * applied. A rollout another live driver holds is looked at again later.
 */
final class RolloutDrivers implements AutoCloseable {
    private static final long RECHECK_SECONDS = 5;
    private static final long RETRY_AFTER_SECONDS = 30;

    private final RolloutStore store;
    private final RolloutDriver driver;
    private final Clock clock;
    private final Consumer<String> log;
    private final Map<String, Instant> driving = new ConcurrentHashMap<>();
    private final Map<String, Instant> notBefore = new ConcurrentHashMap<>();
    private final ExecutorService threads;
    private final ScheduledExecutorService timer;

    RolloutDrivers(RolloutStore store, RolloutDriver driver, Clock clock, Consumer<String> log) {
        this.store = store;
        this.driver = driver;
        this.clock = clock;
        this.log = log;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "berth-console-rollout-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-console-rollouts");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        store.addListener(r -> timer.execute(this::check));
        timer.scheduleWithFixedDelay(this::check, 0, RECHECK_SECONDS, TimeUnit.SECONDS);
    }

    /** Which rollouts this console drives now. */
    java.util.Set<String> driving() {
        return java.util.Set.copyOf(driving.keySet());
    }

    private void check() {
        try {
            Instant now = clock.instant();
            for (Rollout r : store.all().values()) {
                // a request (a button, or fleet rollout pause|abort from elsewhere) on a rollout nobody
                // drives, a halted one among them, is applied here as the CLI would apply it
                boolean asked = store.request(r.id()).isPresent();
                if (!r.open() && !asked || driving.containsKey(r.id())
                        || now.isBefore(notBefore.getOrDefault(r.id(), Instant.EPOCH))
                        || heldByAnother(r, now)) {
                    continue;
                }
                driving.put(r.id(), now);
                boolean untilRest = !r.open();
                threads.execute(() -> drive(r.id(), untilRest));
            }
        } catch (RuntimeException e) {
            log.accept("console: looking for rollouts to drive failed (" + e + "); trying again in " + RECHECK_SECONDS
                    + " s");
        }
    }

    private boolean heldByAnother(Rollout r, Instant now) {
        Rollout.Lease lease = r.lease();
        return lease != null && lease.owner() != null && lease.until() != null && !driver.owner().equals(lease.owner())
                && Instant.parse(lease.until()).isAfter(now);
    }

    private void drive(String id, boolean untilRest) {
        try {
            log.accept("console: driving rollout " + id);
            Rollout end = driver.drive(id, untilRest, line -> log.accept("console: " + line));
            log.accept("console: rollout " + id + " is " + end.status());
        } catch (RolloutDriver.LeaseLost e) {
            log.accept("console: " + e.getMessage());
            notBefore.put(id, clock.instant().plusSeconds(RETRY_AFTER_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.accept("console: driving rollout " + id + " failed: " + e.getMessage() + "; trying again in "
                    + RETRY_AFTER_SECONDS + " s");
            notBefore.put(id, clock.instant().plusSeconds(RETRY_AFTER_SECONDS));
        } finally {
            driving.remove(id);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        driver.close();
        threads.shutdownNow();
    }
}
