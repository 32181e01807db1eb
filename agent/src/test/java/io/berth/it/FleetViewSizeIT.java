package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.fleet.FleetView;
import io.berth.fleet.rollout.RolloutStore;
import io.berth.link.OperatorConnection;
import io.berth.link.TlsFiles;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * A fleet bigger than the broker's per-client queue: a driver subscribes to every device's
 * retained {@code desired}, {@code online} and {@code reported} at once (3 × 1,200 messages here),
 * more than Mosquitto queues for one client by default (20 in flight, 1,000 queued; the rest is
 * dropped, and a rollout would then select from a partial table). Seen at 1,000 simulated devices,
 * where a rollout reached 20 of them.
 */
class FleetViewSizeIT {
    private static final int DEVICES = 1200;

    private static OperatorConnection connect() throws Exception {
        return OperatorConnection.connect(new OperatorConnection.Settings(List.of(TestBroker.URL), null, null,
                new TlsFiles.Settings(null, null, null)));
    }

    @Test
    void aDriverSeesEveryDeviceOfAFleetLargerThanTheBrokersQueue() throws Exception {
        String prefix = "viewsize" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (OperatorConnection publisher = connect()) {
            try {
                for (int i = 0; i < DEVICES; i++) {
                    String d = prefix + "/d" + i + "/";
                    publish(publisher, d + "desired", "{\"revision\":1,\"services\":{}}");
                    publish(publisher, d + "online", "{\"online\":true,\"labels\":{\"tier\":\"prod\"}}");
                    publish(publisher, d + "reported", "{\"phase\":\"converged\",\"labels\":{\"tier\":\"prod\"},"
                            + "\"revision\":{\"desired\":1,\"applied\":1,\"good\":1}}");
                }
                // what `berth fleet rollout start` does: the store with the desired documents, then the view
                try (OperatorConnection c = connect()) {
                    RolloutStore store = new RolloutStore(c, prefix);
                    store.attach(true);
                    FleetView view = new FleetView(prefix);
                    view.attach(c);
                    assertEquals(DEVICES, store.desired().size(), "every device's desired document");
                    assertEquals(DEVICES, view.devices().size(), "every device in the table");
                    assertEquals(DEVICES, view.devices().values().stream().filter(x -> x.report() != null
                            && x.online() != null).count(), "every device with its online and its report");
                }
            } finally {
                for (int i = 0; i < DEVICES; i++) {
                    for (String t : List.of("desired", "online", "reported")) {
                        publish(publisher, prefix + "/d" + i + "/" + t, "");
                    }
                }
            }
        }
    }

    private static void publish(OperatorConnection client, String topic, String payload) throws Exception {
        client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), true);
    }
}
