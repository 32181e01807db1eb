package io.berth.fleet.rollout;

import io.berth.spec.SigningKey;
import io.berth.fleet.FleetView;
import io.berth.fleet.rollout.Rollout.Target;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Drives rollouts: under a lease in the record, it turns the planner's decisions into writes of
 * the record (always first) and publishes of device documents (then), until the rollout is no
 * longer open. Wakes on every device report, record, request or retained document, and once a
 * second for timeouts and the lease. Thread-safe: a long-running process (the console) may drive
 * several rollouts, each on a thread of its own; {@link #close()} ends them.
 *
 * <p>The lease (docs/fleet.md, "Two drivers"): a driver writes the record with
 * {@code lease: {owner, until}} and renews it every third of its time; another driver takes a
 * rollout only once that lease has lapsed, by writing its own claim and keeping it only if, a
 * settle time later, its claim is still the latest record (the broker orders the writes to one
 * topic). A driver that sees another owner's newer record, or cannot renew before its lease
 * ends, stops acting at once.
 */
public final class RolloutDriver implements AutoCloseable {

    /** The rollout is driven by someone else (or was taken over): this driver does nothing more. */
    public static final class LeaseLost extends Exception {
        LeaseLost(String message) {
            super(message);
        }
    }

    private static final Duration SETTLE = Duration.ofSeconds(1);
    private static final Duration RESULTS_EVERY = Duration.ofSeconds(1);
    /** How often one drive takes the rollout up again after a write the connection broke under. */
    private static final int TAKE_UPS = 5;

    private final RolloutStore store;
    private final BrokerWrites writes;
    private final FleetView fleet;
    private final SigningKey key;
    private final Clock clock;
    private final Duration ttl;
    private final String owner;
    private final Object wake = new Object();
    private volatile boolean closed;
    private long changes;

    public RolloutDriver(RolloutStore store, FleetView fleet, SigningKey key, Clock clock, Duration ttl) {
        this.store = store;
        this.writes = new BrokerWrites(store, () -> closed);
        this.fleet = fleet;
        this.key = key;
        this.clock = clock;
        this.ttl = ttl;
        this.owner = host() + "/" + ProcessHandle.current().pid() + "/"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        store.onChange(this::poke);
        fleet.addListener(d -> poke());
    }

    /** Who this driver is in a lease: host/pid/random. */
    public String owner() {
        return owner;
    }

    private void poke() {
        synchronized (wake) {
            changes++;
            wake.notifyAll();
        }
    }

    /** Writes a new rollout's record under this driver's lease (nothing is published yet). */
    public Rollout create(Rollout created) throws IOException {
        if (store.get(created.id()).isPresent()) {
            throw new IOException("a rollout with id " + created.id() + " exists already: choose another --id");
        }
        Rollout mine = created.written(clock.instant(), owner, clock.instant().plus(ttl));
        store.write(mine);
        return mine;
    }

    /** How far {@link #drive} goes. */
    public enum Mode {
        /** Until the rollout is no longer open: completed, halted, or aborted (and reverted). */
        TO_END,
        /** Until no request waits and the rollout is not running: what pause and abort need without a driver. */
        SETTLE,
        /** Until there is nothing to publish now: a new rollout's first wave is out. */
        FIRST_STEP
    }

    /**
     * Drives a rollout as far as {@code mode} says, waiting first for the lease of a driver that
     * went away. Releases the lease at the end.
     *
     * @param progress told of each change a person would want to see, one line each
     */
    public Rollout drive(String id, Mode mode, Consumer<String> progress)
            throws IOException, InterruptedException, LeaseLost {
        int failed = 0;
        while (true) {
            try {
                return driveHeld(id, mode, progress);
            } catch (BrokerWrites.TakeUpAgain e) {
                // a first step (rollout start without --wait) ends with the failure rather than take
                // the rollout up: taken up after an outage, its first wave may be done, and the next
                // one is for the driver that drives it on (resume, a console)
                if (++failed > TAKE_UPS || mode == Mode.FIRST_STEP) {
                    release(id, store.get(id).orElse(null));
                    throw e.cause();
                }
                progress.accept("rollout " + id + ": the broker connection stands again; taking the rollout up "
                        + "again from its record");
            }
        }
    }

    private Rollout driveHeld(String id, Mode mode, Consumer<String> progress)
            throws IOException, InterruptedException, LeaseLost, BrokerWrites.TakeUpAgain {
        Rollout mine = acquire(id, progress);
        check(mine);
        try {
            while (!closed) {
                long seen;
                synchronized (wake) {
                    seen = changes;
                }
                Instant now = clock.instant();
                hold(id, mine);
                Rollout base = mine;
                RolloutStore.Request request = store.request(id).orElse(null);
                if (request != null) {
                    try {
                        base = RolloutPlanner.request(base, request.action(), request.revert(), now);
                        progress.accept("rollout " + id + ": " + request.action() + (request.revert() ? " --revert" : "")
                                + " applied");
                    } catch (IllegalStateException | IllegalArgumentException e) {
                        progress.accept("rollout " + id + ": request '" + request.action() + "' refused: " + e.getMessage());
                    }
                }
                RolloutPlanner.Decision d = RolloutPlanner.next(base, fleet.devices(), store.desired(), key, now);
                boolean renew = now.isAfter(renewAt(mine));
                // results alone (devices converging) are written at most once a second: a wave of a
                // thousand devices would otherwise rewrite the record a thousand times; anything the
                // rollout is about to do (a publish, a status change, a request) is written at once
                boolean urgent = !d.publish().isEmpty() || request != null
                        || !Objects.equals(d.next().status(), mine.status());
                boolean due = !now.isBefore(Instant.parse(mine.updatedAt()).plus(RESULTS_EVERY));
                if (d.changed(mine) && (urgent || due) || renew) {
                    report(mine, d.next(), progress);
                    hold(id, mine);
                    mine = d.next().written(now, owner, now.plus(ttl));
                    write(id, mine, progress); // the record first, always
                }
                if (request != null) {
                    RolloutStore.Request asked = request;
                    writes.run(id, progress, () -> store.clearRequest(id, asked)); // not one that came meanwhile
                }
                if (!d.publish().isEmpty()) {
                    List<RolloutPlanner.Publish> done = new ArrayList<>();
                    for (RolloutPlanner.Publish p : d.publish()) {
                        // a publish may wait for the broker as long as a lease lasts: before each one,
                        // make sure this driver still holds the rollout, or stop (resume finishes the wave)
                        hold(id, mine);
                        if (!clock.instant().isBefore(renewAt(mine))) {
                            // a big wave outlasts a lease: record what is out so far and renew, so no other
                            // driver takes over (and publishes the rest too) while this one is at it
                            mine = RolloutPlanner.published(mine, done, clock.instant())
                                    .written(clock.instant(), owner, clock.instant().plus(ttl));
                            write(id, mine, progress);
                        }
                        var document = DeviceDocuments.build(p.content(), p.revision(), p.device(), key);
                        writes.run(id, progress, () -> store.publishDesired(p.device(), document));
                        done.add(p);
                    }
                    Rollout after = RolloutPlanner.published(mine, d.publish(), now);
                    hold(id, mine);
                    report(mine, after, progress);
                    mine = after.written(clock.instant(), owner, clock.instant().plus(ttl));
                    write(id, mine, progress);
                    if (mode == Mode.FIRST_STEP) {
                        break;
                    }
                    continue;
                }
                boolean settled = request == null && !Rollout.RUNNING.equals(mine.status()) && !mine.revertPending();
                if (!mine.open() || mode == Mode.SETTLE && settled || mode == Mode.FIRST_STEP) {
                    break;
                }
                // wake on news, for timeouts once a second, and in time to renew the lease
                long waitMs = Math.max(10, Math.min(1000, Duration.between(clock.instant(), renewAt(mine)).toMillis() + 1));
                synchronized (wake) {
                    if (changes == seen) {
                        wake.wait(waitMs);
                    }
                }
            }
        } catch (BrokerWrites.TakeUpAgain e) {
            throw e; // the lease is kept: this driver claims the rollout again at once
        } catch (IOException | InterruptedException | LeaseLost | RuntimeException | Error e) {
            release(id, mine);
            throw e;
        }
        release(id, mine);
        return mine;
    }

    private void write(String id, Rollout record, Consumer<String> progress)
            throws IOException, InterruptedException, LeaseLost, BrokerWrites.TakeUpAgain {
        writes.run(id, progress, () -> store.write(record));
    }

    /**
     * Stops this driver unless it still holds the rollout: its lease has not run out, and no other
     * owner has written a newer record (a driver that took over once this one's lease lapsed), nor
     * one of the same version that the broker took after this driver's (a claim on the record this
     * driver had just renewed: the store keeps the one that came last).
     */
    private void hold(String id, Rollout mine) throws LeaseLost {
        Rollout latest = store.get(id).orElse(mine);
        if (latest.version() >= mine.version() && !owner.equals(leaseOwner(latest))) {
            throw new LeaseLost("rollout " + id + " was taken over by " + leaseOwner(latest) + "; this driver stops");
        }
        if (!clock.instant().isBefore(Instant.parse(mine.lease().until()))) {
            throw new LeaseLost("the lease on rollout " + id + " ran out before it could be renewed (broker "
                    + "away?); run 'berth fleet rollout resume " + id + "' to go on");
        }
    }

    /** When a lease is renewed: a third of its time after it was written. */
    private Instant renewAt(Rollout mine) {
        return Instant.parse(mine.lease().until()).minus(ttl.multipliedBy(2).dividedBy(3));
    }

    private void check(Rollout r) throws IOException {
        if (r.signKeyId() != null && (key == null || !r.signKeyId().equals(key.keyId()))) {
            throw new IOException("rollout " + r.id() + " signs its documents with key '" + r.signKeyId() + "': give "
                    + "--sign-key with that key" + (key == null ? "" : " (not '" + key.keyId() + "')"));
        }
        if (r.signKeyId() == null && key != null) {
            throw new IOException("rollout " + r.id() + " was started without signing: leave out --sign-key");
        }
    }

    private Rollout acquire(String id, Consumer<String> progress) throws IOException, InterruptedException, LeaseLost {
        Instant giveUp = clock.instant().plus(ttl.multipliedBy(3));
        String waitingFor = null;
        while (!closed) {
            Instant now = clock.instant();
            Rollout r = store.get(id).orElseThrow(() -> new IOException("no rollout " + id + " on the broker: see "
                    + "berth fleet rollout ls"));
            if (owner.equals(leaseOwner(r)) && r.lease().heldAt(now)) {
                return r;
            }
            if (r.lease() != null && r.lease().heldAt(now)) {
                if (now.isAfter(giveUp)) {
                    throw new LeaseLost("rollout " + id + " is driven by " + r.lease().owner() + ", which keeps renewing "
                            + "its lease: it is alive; pause or abort it with the fleet verbs, which it obeys");
                }
                if (!r.lease().owner().equals(waitingFor)) {
                    waitingFor = r.lease().owner();
                    progress.accept("rollout " + id + " is leased to " + waitingFor + " until " + r.lease().until()
                            + "; waiting for that lease to lapse");
                }
                Thread.sleep(Math.max(100, Math.min(1000, Duration.between(now, Instant.parse(r.lease().until()))
                        .toMillis() + 100)));
                continue;
            }
            store.write(r.written(now, owner, now.plus(ttl)));
            Thread.sleep(SETTLE.toMillis());
            Rollout latest = store.get(id).orElse(r);
            if (owner.equals(leaseOwner(latest))) {
                return latest;
            }
        }
        throw new LeaseLost("closed");
    }

    private void release(String id, Rollout mine) {
        try {
            Rollout latest = store.get(id).orElse(mine);
            // a lapsed lease needs no release, and writing over it could undo another driver's claim
            // this store has not seen yet (after a lost connection)
            if (latest != null && owner.equals(leaseOwner(latest)) && latest.lease().heldAt(clock.instant())) {
                store.write(latest.written(clock.instant(), null, null));
            }
        } catch (IOException e) {
            // the lease lapses by itself
        }
    }

    private static String leaseOwner(Rollout r) {
        return r.lease() == null ? null : r.lease().owner();
    }

    /** Lines for what changed: the status, and each device's state. */
    private static void report(Rollout before, Rollout after, Consumer<String> progress) {
        for (Map.Entry<String, Target> e : after.targets().entrySet()) {
            Target was = before.targets().get(e.getKey());
            Target now = e.getValue();
            if (was == null || !was.state().equals(now.state())) {
                progress.accept("  " + e.getKey() + " (wave " + (now.wave() + 1) + "): " + now.state()
                        + (now.result() == null ? "" : " - " + now.result()));
            }
        }
        if (!Objects.equals(before.status(), after.status())) {
            progress.accept("rollout " + after.id() + " " + after.status() + (after.reason() == null ? ""
                    : ": " + after.reason()));
        }
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    /** Ends every drive loop of this driver (they release their leases). */
    @Override
    public void close() {
        closed = true;
        poke();
    }
}
