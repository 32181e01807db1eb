package io.berth.fleet.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.fleet.Device;
import io.berth.fleet.FleetView;
import io.berth.testing.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A broker node goes away under a driver (the fleet simulator killed NATS node 1, and the
 * operator's connection on node 3 was reset with it): the publish in flight fails, the connection
 * comes back by itself, and the driver writes again instead of giving the rollout up.
 */
class RolloutDriverReconnectTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Fails the publishes of {@code topic} {@code failures} times, as a connection lost under them. */
    static final class BreakingBroker extends RolloutDriverTest.FakeBroker {
        final AtomicInteger failures;
        final String topic;
        final boolean comesBack;
        final List<String> waits = new CopyOnWriteArrayList<>();

        BreakingBroker(String topic, int failures, boolean comesBack) {
            this.topic = topic;
            this.failures = new AtomicInteger(failures);
            this.comesBack = comesBack;
        }

        @Override
        public void publish(String t, byte[] payload, boolean retain) {
            if (t.equals(topic) && failures.getAndDecrement() > 0) {
                throw new java.io.UncheckedIOException(new IOException("cannot publish to " + t
                        + " on tcp://127.0.0.1:18833: Connection lost: Connection reset"));
            }
            super.publish(t, payload, retain);
        }

        /** Runs while the driver waits for the connection: time passing meanwhile. */
        volatile Runnable whileAway = () -> { };

        @Override
        public boolean awaitConnected(Duration timeout) {
            waits.add(timeout.compareTo(Duration.ofMinutes(9)) > 0 ? "PT10M" : timeout.toString()); // what was left of 10 min
            whileAway.run();
            if (comesBack) {
                // the connection subscribes again: every retained message comes again
                for (var sub : subs) {
                    retained.forEach((t, p) -> {
                        if (io.berth.link.OperatorConnection.matches(sub.getKey(), t)) {
                            sub.getValue().onMessage(t, p);
                        }
                    });
                }
            }
            return comesBack;
        }
    }

    /** The fake's publish cannot throw a checked exception: the store's broker sees an IOException. */
    private static RolloutStore store(BreakingBroker broker) throws Exception {
        RolloutStore.Broker checked = new RolloutStore.Broker() {
            @Override
            public void publish(String topic, byte[] payload, boolean retained) throws IOException {
                try {
                    broker.publish(topic, payload, retained);
                } catch (java.io.UncheckedIOException e) {
                    throw e.getCause();
                }
            }

            @Override
            public void subscribe(String filter, io.berth.link.OperatorConnection.Handler handler) {
                broker.subscribe(filter, handler);
            }

            @Override
            public boolean awaitConnected(Duration timeout) {
                return broker.awaitConnected(timeout);
            }
        };
        RolloutStore store = new RolloutStore(checked, "berth", Duration.ofSeconds(5));
        store.attach(true);
        return store;
    }

    /** A driver with a 15 s lease and an empty fleet view (a device it does not see counts as away). */
    private static RolloutDriver driver(RolloutStore store, Clock clock) {
        return new RolloutDriver(store, new FleetView("berth"), null, clock, Duration.ofSeconds(15));
    }

    private static Rollout rollout() throws Exception {
        List<Device> devices = new ArrayList<>();
        for (String id : List.of("d1", "d2")) {
            devices.add(new Device(id, true, Instant.parse("2026-12-01T09:00:00Z"), Map.of("tier", "canary"), null));
        }
        return RolloutPlanner.create("r1", "tier=canary", null,
                JSON.readTree("{\"services\":{\"web\":{\"image\":\"demo:2\"}}}"), devices, null, "100%", "0",
                Duration.ofMinutes(5), null, Instant.now());
    }

    @Test
    void aPublishCutShortByALostConnectionIsMadeAgainOnceItStands() throws Exception {
        BreakingBroker broker = new BreakingBroker("berth/d2/desired", 2, true);
        RolloutStore store = store(broker);
        store.write(rollout());
        List<String> said = new CopyOnWriteArrayList<>();
        try (RolloutDriver driver = driver(store, Clock.systemUTC())) {
            driver.drive("r1", RolloutDriver.Mode.TO_END, said::add);
        }
        assertEquals(1, JSON.readTree(broker.retained.get("berth/d2/desired")).path("revision").asLong(),
                "d2's document is out after all");
        assertEquals(List.of("PT10M", "PT10M"), broker.waits, "it waited for the connection after each failure");
        assertEquals(Rollout.Target.PUBLISHED, store.get("r1").orElseThrow().targets().get("d2").state());
        assertTrue(said.stream().anyMatch(l -> l.equals("rollout r1: cannot publish to berth/d2/desired on "
                + "tcp://127.0.0.1:18833: Connection lost: Connection reset; going on once the broker connection "
                + "stands again (waiting up to 10 minutes)")), String.valueOf(said));
        assertEquals(2, said.stream().filter(("rollout r1: the broker connection stands again; taking the rollout up "
                + "again from its record")::equals).count(), String.valueOf(said));
    }

    @Test
    void aConnectionThatDoesNotComeBackEndsTheDriveWithTheFailure() throws Exception {
        BreakingBroker broker = new BreakingBroker("berth/d2/desired", 1, false);
        RolloutStore store = store(broker);
        store.write(rollout());
        try (RolloutDriver driver = driver(store, Clock.systemUTC())) {
            IOException e = assertThrows(IOException.class,
                    () -> driver.drive("r1", RolloutDriver.Mode.TO_END, l -> { }));
            assertTrue(e.getMessage().endsWith("Connection lost: Connection reset"), e.getMessage());
        }
        assertEquals(List.of("PT10M"), broker.waits);
        assertTrue(!broker.retained.containsKey("berth/d2/desired"));
    }

    @Test
    void aWriteThatKeepsFailingIsGivenUpAfterItsRetries() throws Exception {
        BreakingBroker broker = new BreakingBroker("berth/d2/desired", 100, true);
        RolloutStore store = store(broker);
        store.write(rollout());
        try (RolloutDriver driver = driver(store, Clock.systemUTC())) {
            assertThrows(IOException.class, () -> driver.drive("r1", RolloutDriver.Mode.TO_END, l -> { }));
        }
        assertEquals(6, broker.waits.size(), "taken up again five times, then the failure: " + broker.waits);
        assertEquals(94, broker.failures.get(), "six publishes of d2's document in all");
    }

    @Test
    void aConnectionBackAfterTheLeaseRanOutTakesTheRolloutUpAgainWithTheSameRevision() throws Exception {
        BreakingBroker broker = new BreakingBroker("berth/d2/desired", 1, true);
        MutableClock clock = new MutableClock(Instant.now());
        broker.whileAway = () -> clock.at(clock.instant().plusSeconds(120)); // two minutes to reconnect
        RolloutStore store = store(broker);
        store.write(rollout());
        List<String> said = new CopyOnWriteArrayList<>();
        try (RolloutDriver driver = driver(store, clock)) {
            driver.drive("r1", RolloutDriver.Mode.TO_END, said::add);
            Rollout end = store.get("r1").orElseThrow();
            assertEquals(Rollout.Target.PUBLISHED, end.targets().get("d1").state());
            assertEquals(Rollout.Target.PUBLISHED, end.targets().get("d2").state());
        }
        assertTrue(said.contains("rollout r1: the broker connection stands again; taking the rollout up again from its "
                + "record"), String.valueOf(said));
        assertEquals(1, JSON.readTree(broker.retained.get("berth/d2/desired")).path("revision").asLong(),
                "the revision the record holds, not a new one");
        assertEquals(1, broker.published.stream().filter("berth/d1/desired"::equals).count(),
                "d1, published before the loss, is not published again: " + broker.published);
    }

    @Test
    void whatAnotherDriverDidWhileTheConnectionWasAwayIsSeenBeforeAnythingIsWritten() throws Exception {
        BreakingBroker broker = new BreakingBroker("berth/d2/desired", 1, true);
        RolloutStore store = store(broker);
        store.write(rollout());
        broker.whileAway = () -> {
            // another driver took the rollout over meanwhile, published d2's document and let it go
            Rollout theirs = store.get("r1").orElseThrow();
            Rollout.Target d2 = theirs.targets().get("d2");
            var targets = new java.util.LinkedHashMap<>(theirs.targets());
            targets.put("d2", d2.with(Rollout.Target.PUBLISHED, "published revision " + d2.revision(), Instant.now()));
            Rollout record = theirs.with(theirs.waves(), targets, theirs.previous())
                    .written(Instant.now(), "other/1/x", Instant.now().plusSeconds(15))
                    .written(Instant.now(), null, null);
            broker.retained.put("berth/_fleet/rollouts/r1", record.toJson());
            broker.retained.put("berth/d2/desired", ("{\"revision\":" + d2.revision() + ",\"services\":{\"web\":"
                    + "{\"image\":\"demo:2\"}},\"by\":\"other\"}").getBytes(StandardCharsets.UTF_8));
        };
        try (RolloutDriver driver = driver(store, Clock.systemUTC())) {
            driver.drive("r1", RolloutDriver.Mode.TO_END, l -> { });
        }
        assertEquals("other", JSON.readTree(broker.retained.get("berth/d2/desired")).path("by").asText(),
                "d2's document, published by the other driver, is not published again");
        assertTrue(broker.published.stream().noneMatch("berth/d2/desired"::equals), String.valueOf(broker.published));
        assertEquals(Rollout.Target.PUBLISHED, store.get("r1").orElseThrow().targets().get("d2").state());
    }

    @Test
    void aFirstStepEndsWithTheFailureAndLetsTheRolloutGo() throws Exception {
        BreakingBroker broker = new BreakingBroker("berth/d2/desired", 1, true);
        RolloutStore store = store(broker);
        store.write(rollout());
        try (RolloutDriver driver = driver(store, Clock.systemUTC())) {
            IOException e = assertThrows(IOException.class,
                    () -> driver.drive("r1", RolloutDriver.Mode.FIRST_STEP, l -> { }));
            assertTrue(e.getMessage().endsWith("Connection lost: Connection reset"), e.getMessage());
        }
        assertEquals(null, store.get("r1").orElseThrow().lease(), "released for resume or a console");
        assertTrue(!broker.retained.containsKey("berth/d2/desired"), "nothing more published by the first step");
    }
}
