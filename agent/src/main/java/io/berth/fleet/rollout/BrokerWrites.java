package io.berth.fleet.rollout;

import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A driver's writes to the broker, and what happens when the connection breaks under one (a
 * broker node went away): wait for the connection to stand again (it reconnects by itself, to
 * another node of its list; a NATS cluster re-electing the consumers of a thousand sessions after
 * losing a node took minutes), sync the store with the broker, and have the driver take the
 * rollout up again ({@link TakeUpAgain}). Nothing is written before that: the lease the driver
 * holds on the broker may have run out, and a record written meanwhile by another driver arrives
 * only with the sync. Every write a driver makes can be made twice (a retained record or
 * document, the clearing of a request), so taking up again is safe.
 */
final class BrokerWrites {
    /** How long a driver waits for its broker connection to stand again. */
    static final Duration RECONNECT_WAIT = Duration.ofMinutes(10);

    /** A write to the broker. */
    interface Write {
        void run() throws IOException;
    }

    /** A write failed under a lost connection that stands again: take the rollout up again from its record. */
    static final class TakeUpAgain extends Exception {
        private final IOException cause;

        TakeUpAgain(IOException cause) {
            super(null, null, false, false);
            this.cause = cause;
        }

        /** The write's failure, for when the driver gives up. */
        IOException cause() {
            return cause;
        }
    }

    private final RolloutStore store;
    private final BooleanSupplier closed;

    BrokerWrites(RolloutStore store, BooleanSupplier closed) {
        this.store = store;
        this.closed = closed;
    }

    void run(String id, Consumer<String> progress, Write write) throws IOException, InterruptedException, TakeUpAgain {
        try {
            write.run();
        } catch (IOException e) {
            if (closed.getAsBoolean()) {
                throw e;
            }
            progress.accept("rollout " + id + ": " + e.getMessage() + "; going on once the broker connection "
                    + "stands again (waiting up to " + RECONNECT_WAIT.toMinutes() + " minutes)");
            long end = System.nanoTime() + RECONNECT_WAIT.toNanos();
            for (long left; !closed.getAsBoolean() && (left = end - System.nanoTime()) > 0; ) {
                if (!store.awaitConnected(Duration.ofNanos(left))) {
                    break; // it waited all the time there was
                }
                try {
                    store.sync();
                    throw new TakeUpAgain(e);
                } catch (IOException again) {
                    // lost again while the retained records came: wait for the connection once more
                    progress.accept("rollout " + id + ": " + again.getMessage());
                }
            }
            throw e;
        }
    }
}
