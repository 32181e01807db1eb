package io.berth.fleet.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.fleet.Device;
import io.berth.fleet.FleetView;
import io.berth.link.OperatorConnection;
import io.berth.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** The driver's handling of requests and the lease, over a fake broker that delivers at once. */
class RolloutDriverTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Retains and delivers synchronously; {@code onPublish} may inject messages as if from others. */
    static class FakeBroker implements RolloutStore.Broker {
        final Map<String, byte[]> retained = new ConcurrentHashMap<>();
        final List<Map.Entry<String, OperatorConnection.Handler>> subs = new CopyOnWriteArrayList<>();
        final List<String> published = new CopyOnWriteArrayList<>();
        volatile BiConsumer<String, byte[]> onPublish = (t, p) -> { };

        @Override
        public void publish(String topic, byte[] payload, boolean retain) {
            published.add(topic);
            deliver(topic, payload);
            onPublish.accept(topic, payload);
        }

        void deliver(String topic, byte[] payload) {
            if (payload.length == 0) {
                retained.remove(topic);
            } else {
                retained.put(topic, payload);
            }
            for (var s : subs) {
                if (OperatorConnection.matches(s.getKey(), topic)) {
                    handOver(s.getValue(), topic, payload);
                }
            }
        }

        void handOver(OperatorConnection.Handler handler, String topic, byte[] payload) {
            handler.onMessage(topic, payload);
        }

        @Override
        public void subscribe(String filter, OperatorConnection.Handler handler) {
            subs.add(Map.entry(filter, handler));
            retained.forEach((t, p) -> {
                if (OperatorConnection.matches(filter, t)) {
                    handOver(handler, t, p);
                }
            });
        }
    }

    private static Rollout rollout(String... ids) throws Exception {
        List<Device> devices = new ArrayList<>();
        for (String id : ids.length == 0 ? new String[] {"c1"} : ids) {
            devices.add(new Device(id, true, Instant.parse("2026-12-01T09:00:00Z"), Map.of("tier", "canary"), null));
        }
        return RolloutPlanner.create("r1", "tier=canary", null,
                JSON.readTree("{\"services\":{\"web\":{\"image\":\"demo:2\"}}}"), devices, null, "100%", "0",
                Duration.ofMinutes(5), null, Instant.now());
    }

    @Test
    void aDriverTakenOverMidWavePublishesNothingMore() throws Exception {
        FakeBroker broker = new FakeBroker();
        RolloutStore store = new RolloutStore(broker, "berth", Duration.ofSeconds(5));
        store.attach(true);
        store.write(rollout("d1", "d2", "d3"));
        broker.onPublish = (topic, payload) -> {
            if (topic.equals("berth/d1/desired")) {
                // the first publish took so long that another driver's claim came in meanwhile
                Rollout now = store.get("r1").orElseThrow();
                broker.deliver("berth/_fleet/rollouts/r1", now.written(Instant.now(), "other/1/x",
                        Instant.now().plusSeconds(15)).toJson());
            }
        };
        try (RolloutDriver driver = new RolloutDriver(store, new FleetView("berth"), null, Clock.systemUTC(),
                Duration.ofSeconds(15))) {
            assertThrows(RolloutDriver.LeaseLost.class, () -> driver.drive("r1", RolloutDriver.Mode.TO_END, l -> { }));
        }
        assertTrue(broker.published.contains("berth/d1/desired"), "the first publish was made: " + broker.published);
        assertFalse(broker.published.contains("berth/d2/desired"), "no publish after the takeover: " + broker.published);
        assertFalse(broker.published.contains("berth/d3/desired"));
        assertEquals("other/1/x", store.get("r1").orElseThrow().lease().owner(), "no stale record written over it");
    }

    /**
     * Holds back what it would hand to the stores that subscribed while {@code lagging} was set (a
     * console whose connection lags under load), until one of them publishes: then those
     * messages arrive first, as the broker took them first.
     */
    static final class LaggingBroker extends FakeBroker {
        final java.util.Set<OperatorConnection.Handler> slow = ConcurrentHashMap.newKeySet();
        final List<Runnable> held = new CopyOnWriteArrayList<>();
        volatile boolean lagging;
        volatile boolean holding;
        private volatile boolean releaseNext;

        @Override
        public void subscribe(String filter, OperatorConnection.Handler handler) {
            if (lagging) {
                slow.add(handler);
            }
            super.subscribe(filter, handler);
        }

        @Override
        void handOver(OperatorConnection.Handler handler, String topic, byte[] payload) {
            if (holding && slow.contains(handler)) {
                held.add(() -> handler.onMessage(topic, payload));
                return;
            }
            handler.onMessage(topic, payload);
        }

        /** The next publish (the slow store's) first hands over what was held. */
        void releaseOnNextPublish() {
            releaseNext = true;
        }

        @Override
        public void publish(String topic, byte[] payload, boolean retain) {
            if (releaseNext) {
                releaseNext = false;
                holding = false;
                held.forEach(Runnable::run);
                held.clear();
            }
            super.publish(topic, payload, retain);
        }
    }

    /**
     * ConsoleIT once saw the canary get revision 2 and then revision 3 of one rollout: the CLI
     * (slow under load) wrote its first record, renewed it just before its 3 s lease ran out,
     * published revision 2 and released the rollout; the console, whose view still held the first
     * record with its lease lapsed, claimed the rollout on it, and those four writes of the CLI
     * reached the console just before the broker acknowledged the claim. The claim was then the
     * store's latest record: the console drove from a record whose first wave had not started, and
     * started it again at the next revision. It must see the newer record and claim from that.
     */
    @Test
    void aClaimOnARecordThatWasAlreadyOutOfDateStartsNoWaveAgain() throws Exception {
        LaggingBroker broker = new LaggingBroker();
        for (String d : List.of("c1", "p1")) {
            broker.retained.put("berth/" + d + "/desired", "{\"revision\":1,\"services\":{\"web\":{\"image\":\"demo:1\"}}}"
                    .getBytes(StandardCharsets.UTF_8));
        }
        FleetView view = new FleetView("berth");
        for (String d : List.of("c1", "p1")) {
            view.onOnline(d, ("{\"online\":true,\"labels\":{\"tier\":\"" + (d.equals("c1") ? "canary" : "prod")
                    + "\"}}").getBytes(StandardCharsets.UTF_8));
            view.onReported(d, "{\"phase\":\"converged\",\"revision\":{\"desired\":1,\"applied\":1,\"good\":1}}"
                    .getBytes(StandardCharsets.UTF_8));
        }
        RolloutStore cliStore = new RolloutStore(broker, "berth", Duration.ofSeconds(5));
        cliStore.attach(true);
        broker.lagging = true;
        RolloutStore consoleStore = new RolloutStore(broker, "berth", Duration.ofSeconds(5));
        consoleStore.attach(true);
        Duration lease = Duration.ofSeconds(15);
        Rollout created = RolloutPlanner.create("ui", "tier", null,
                JSON.readTree("{\"services\":{\"web\":{\"image\":\"demo:2\"}}}"), List.copyOf(view.devices().values()),
                io.berth.model.Selector.parse("tier=canary"), "1,100%", "0", Duration.ofMinutes(10), null, Instant.now());
        try (RolloutDriver cli = new RolloutDriver(cliStore, view, null, Clock.systemUTC(), lease);
             RolloutDriver console = new RolloutDriver(consoleStore, view, null,
                     Clock.offset(Clock.systemUTC(), lease.multipliedBy(2)), lease)) { // the CLI's first lease lapsed
            cli.create(created);
            assertTrue(consoleStore.get("ui").isPresent(), "the console saw the first record");
            broker.holding = true;
            cli.drive("ui", RolloutDriver.Mode.FIRST_STEP, l -> { });
            assertEquals(2, JSON.readTree(broker.retained.get("berth/c1/desired")).path("revision").asLong());
            assertEquals(1, consoleStore.get("ui").orElseThrow().version(), "the console is still on the first record");
            broker.releaseOnNextPublish();
            broker.published.clear();

            Rollout mine = console.drive("ui", RolloutDriver.Mode.FIRST_STEP, l -> { });

            assertFalse(broker.published.contains("berth/c1/desired"), "the canary is given nothing more: "
                    + broker.published);
            assertEquals(2, JSON.readTree(broker.retained.get("berth/c1/desired")).path("revision").asLong());
            assertEquals(2, mine.targets().get("c1").revision(), "the canary's revision is the one the CLI gave it");
            assertEquals(Rollout.Target.PUBLISHED, mine.targets().get("c1").state());
            assertEquals(Rollout.Target.PENDING, mine.targets().get("p1").state());
            assertTrue(mine.version() > 4, "the console drove on from the CLI's last record: " + mine.version());
        }
    }

    /**
     * Two drivers that wrote the same version of the record (each on the record it had seen):
     * the one whose write the broker took first sees the other's afterwards, and stops.
     */
    @Test
    void aDriverWhoseRecordAnotherOwnerWroteOverStops() throws Exception {
        FakeBroker broker = new FakeBroker();
        RolloutStore store = new RolloutStore(broker, "berth", Duration.ofSeconds(5));
        store.attach(true);
        try (RolloutDriver driver = new RolloutDriver(store, new FleetView("berth"), null, Clock.systemUTC(),
                Duration.ofSeconds(15))) {
            Rollout first = driver.create(rollout("d1", "d2"));
            java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
            store.addListener(r -> {
                // told twice of the driver's second record: by its echo, then by its write once the broker has it;
                // after that, the claim another driver wrote on the first record arrives
                if (r.version() == 2 && driver.owner().equals(r.lease().owner()) && told.incrementAndGet() == 2) {
                    broker.deliver("berth/_fleet/rollouts/r1", first.written(Instant.now(), "other/1/x",
                            Instant.now().plusSeconds(15)).toJson());
                }
            });
            assertThrows(RolloutDriver.LeaseLost.class, () -> driver.drive("r1", RolloutDriver.Mode.TO_END, l -> { }));
            assertEquals(2, told.get(), "the claim came after the driver's write");
        }
        assertFalse(broker.published.contains("berth/d1/desired"), "nothing published: " + broker.published);
        assertEquals("other/1/x", store.get("r1").orElseThrow().lease().owner());
    }

    @Test
    void aDriverWhoseLeaseRanOutDuringAPublishStops() throws Exception {
        FakeBroker broker = new FakeBroker();
        RolloutStore store = new RolloutStore(broker, "berth", Duration.ofSeconds(5));
        store.attach(true);
        store.write(rollout("d1", "d2"));
        MutableClock clock = new MutableClock(Instant.now());
        broker.onPublish = (topic, payload) -> {
            if (topic.equals("berth/d1/desired")) {
                clock.at(clock.instant().plusSeconds(16)); // the broker took longer than the lease to acknowledge
            }
        };
        try (RolloutDriver driver = new RolloutDriver(store, new FleetView("berth"), null, clock, Duration.ofSeconds(15))) {
            RolloutDriver.LeaseLost e = assertThrows(RolloutDriver.LeaseLost.class,
                    () -> driver.drive("r1", RolloutDriver.Mode.TO_END, l -> { }));
            assertTrue(e.getMessage().contains("ran out"), e.getMessage());
        }
        assertFalse(broker.published.contains("berth/d2/desired"), "no publish on a lapsed lease: " + broker.published);
    }

    @Test
    void aRequestThatArrivesWhileTheRecordIsWrittenIsNotErased() throws Exception {
        FakeBroker broker = new FakeBroker();
        RolloutStore store = new RolloutStore(broker, "berth", Duration.ofSeconds(5));
        store.attach(true);
        store.write(rollout());
        store.ask("r1", "pause", false, Instant.now());
        byte[] abort = JSON.writeValueAsBytes(new RolloutStore.Request("abort", false, Instant.now().plusMillis(1)
                .toString()));
        List<Boolean> injected = new ArrayList<>(List.of(false));
        broker.onPublish = (topic, payload) -> {
            // another operator asks to abort just as the driver records the pause
            if (topic.equals("berth/_fleet/rollouts/r1") && !injected.get(0)
                    && new String(payload, StandardCharsets.UTF_8).contains("\"paused\"")) {
                injected.set(0, true);
                broker.deliver("berth/_fleet/rollouts/r1/request", abort);
            }
        };
        try (RolloutDriver driver = new RolloutDriver(store, new FleetView("berth"), null, Clock.systemUTC(),
                Duration.ofSeconds(15))) {
            Rollout end = driver.drive("r1", RolloutDriver.Mode.SETTLE, line -> { });
            assertTrue(injected.get(0), "the abort was sent during the pause's record write");
            assertEquals(Rollout.ABORTED, end.status(), "the second request is applied, not erased: " + end.reason());
            assertTrue(store.request("r1").isEmpty(), "and cleared once applied");
        }
    }

    @Test
    void anAgentUpdatePublishesEachDevicesOwnDocumentWithAgentSignedForIt() throws Exception {
        FakeBroker broker = new FakeBroker();
        java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        io.berth.spec.SigningKey key = new io.berth.spec.SigningKey("k1", pair.getPrivate());
        // d1's document as the operator published it, signed with k1 for d1; d3's carries a signature no key made
        broker.retained.put("berth/d1/desired", io.berth.spec.Signatures.sign((com.fasterxml.jackson.databind.node
                .ObjectNode) JSON.readTree("{\"revision\":4,\"services\":{\"web\":{\"image\":\"demo:d1\"}},"
                + "\"target\":{\"devices\":[\"d1\"]}}"), "k1", pair.getPrivate()).toString()
                .getBytes(StandardCharsets.UTF_8));
        broker.retained.put("berth/d3/desired", ("{\"revision\":4,\"services\":{\"web\":{\"image\":\"evil\"}},"
                + "\"target\":{\"devices\":[\"d3\"]},\"signature\":{\"alg\":\"Ed25519\",\"keyId\":\"old\"}}")
                .getBytes(StandardCharsets.UTF_8));
        RolloutStore store = new RolloutStore(broker, "berth", Duration.ofSeconds(5));
        store.attach(true);
        FleetView view = new FleetView("berth");
        for (String id : List.of("d1", "d2", "d3")) {
            view.onOnline(id, "{\"online\":true,\"labels\":{\"tier\":\"canary\"}}".getBytes(StandardCharsets.UTF_8));
            view.onReported(id, ("{\"phase\":\"converged\",\"revision\":{\"desired\":4,\"applied\":4,\"good\":4},"
                    + "\"agent\":{\"version\":\"0.6.0\",\"update\":null}}").getBytes(StandardCharsets.UTF_8));
        }
        Rollout.Agent agent = new Rollout.Agent("0.7.0", "127.0.0.1:5000/berth/agent@sha256:" + "ab".repeat(32), "1m");
        store.write(RolloutPlanner.createAgentUpdate("a1", "tier=canary", null, agent,
                List.copyOf(view.devices().values()), null, "100%", "2", Duration.ofMinutes(5), "k1", Instant.now()));
        try (RolloutDriver driver = new RolloutDriver(store, view, key, Clock.systemUTC(), Duration.ofSeconds(15))) {
            driver.drive("a1", RolloutDriver.Mode.FIRST_STEP, l -> { });
            var doc = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(broker.retained.get("berth/d1/desired"));
            assertEquals(5, doc.path("revision").asLong());
            assertEquals("demo:d1", doc.path("services").path("web").path("image").asText(), "its own document");
            assertEquals(agent.block(), doc.get("agent"));
            assertTrue(io.berth.spec.Signatures.verify(doc, Map.of("k1", pair.getPublic())).isEmpty(), "signed anew");
            assertFalse(broker.retained.containsKey("berth/d2/desired"), "nothing for a device without a document");
            assertEquals(Rollout.Target.FAILED, store.get("a1").orElseThrow().targets().get("d2").state());
            Rollout.Target d3 = store.get("a1").orElseThrow().targets().get("d3");
            assertEquals(Rollout.Target.FAILED, d3.state(), "a signature no key of ours made is not signed anew");
            assertTrue(d3.result().startsWith("its retained revision 4 is not signed with key k1 for d3"), d3.result());
            assertEquals(4, JSON.readTree(broker.retained.get("berth/d3/desired")).path("revision").asLong());

            view.onReported("d1", ("{\"phase\":\"converged\",\"revision\":{\"desired\":5,\"applied\":5,\"good\":5},"
                    + "\"agent\":{\"version\":\"0.7.0\",\"update\":null}}").getBytes(StandardCharsets.UTF_8));
            Rollout end = driver.drive("a1", RolloutDriver.Mode.TO_END, l -> { });
            assertEquals(Rollout.COMPLETED, end.status(), end.reason());
            assertEquals("converged on revision 5 with agent 0.7.0", end.targets().get("d1").result());
        }
    }
}
