package io.berth.fleet.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.fleet.rollout.RolloutDriverTest.FakeBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import io.berth.link.OperatorConnection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The store's attach: it returns only once the retained messages of its subscriptions are in. */
class RolloutStoreTest {

    /** Holds back what it would deliver to one filter until released, as a loaded broker may. */
    static final class SlowBroker extends FakeBroker {
        final List<Runnable> held = new CopyOnWriteArrayList<>();
        volatile boolean holding = true;

        synchronized void release() {
            holding = false;
            held.forEach(Runnable::run);
        }

        @Override
        synchronized void handOver(OperatorConnection.Handler handler, String topic, byte[] payload) {
            if (holding && topic.endsWith("/desired")) {
                held.add(() -> handler.onMessage(topic, payload));
                return;
            }
            handler.onMessage(topic, payload);
        }
    }

    @Test
    void attachWaitsForTheDesiredDocumentsBehindItsMarker() throws Exception {
        SlowBroker broker = new SlowBroker();
        broker.retained.put("berth/c1/desired", "{\"revision\":7,\"services\":{}}".getBytes(StandardCharsets.UTF_8));
        RolloutStore store = new RolloutStore(broker, "berth", Duration.ofSeconds(5));
        Thread release = new Thread(() -> {
            // the desired subscription's retained message, then our marker, arrive late
            long giveUp = System.nanoTime() + 3_000_000_000L; // bounds the test when no marker is ever sent
            while (broker.published.stream().noneMatch(t -> t.endsWith("/desired")) && System.nanoTime() < giveUp) {
                Thread.onSpinWait();
            }
            broker.release();
        });
        release.start();
        store.attach(true);
        boolean inAtReturn = store.desired().containsKey("c1");
        release.join();
        assertTrue(inAtReturn, "the retained document is in when attach returns");
        assertEquals(7, store.desired().get("c1").revision());
        assertTrue(store.desired().keySet().stream().noneMatch(id -> id.startsWith("_")), "no marker as a device");
        assertTrue(store.all().isEmpty(), "no marker as a rollout");
    }

    @Test
    void attachFailsWhenAMarkerDoesNotComeBack() {
        SlowBroker broker = new SlowBroker(); // never releases the desired subscription
        RolloutStore store = new RolloutStore(broker, "berth", Duration.ofMillis(200));
        IOException e = assertThrows(IOException.class, () -> store.attach(true));
        assertTrue(e.getMessage().contains("did not hand over"), e.getMessage());
    }
}
