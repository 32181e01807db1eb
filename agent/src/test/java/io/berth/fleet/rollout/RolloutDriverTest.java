package io.berth.fleet.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.fleet.Device;
import io.berth.fleet.FleetView;
import io.berth.link.OperatorConnection;
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

    @Test
    void aDriverWhoseLeaseRanOutDuringAPublishStops() throws Exception {
        FakeBroker broker = new FakeBroker();
        RolloutStore store = new RolloutStore(broker, "berth", Duration.ofSeconds(5));
        store.attach(true);
        store.write(rollout("d1", "d2"));
        Instant[] now = {Instant.now()};
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        broker.onPublish = (topic, payload) -> {
            if (topic.equals("berth/d1/desired")) {
                now[0] = now[0].plusSeconds(16); // the broker took longer than the lease to acknowledge
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
