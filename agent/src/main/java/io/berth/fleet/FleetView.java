package io.berth.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.link.OperatorConnection;
import io.berth.model.Selector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The fleet as the broker knows it: every device seen on {@code {p}/+/online} and
 * {@code {p}/+/reported} (both retained, so the table is complete right after subscribing).
 * Live: each message replaces one {@link Device} and tells the listeners, so a console can
 * show changes as they come. Never reads {@code desired} (it may hold credentials).
 */
public final class FleetView {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String prefix;
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final List<Consumer<Device>> listeners = new CopyOnWriteArrayList<>();

    public FleetView(String prefix) {
        this.prefix = prefix;
    }

    /** How long {@link #attach} waits for the broker to hand over the retained messages. */
    static final long SYNC_SECONDS = 60;

    /** Markers of {@link #attach} in flight: the reserved id they were sent under, and what is still due. */
    private final Map<String, CountDownLatch> markers = new ConcurrentHashMap<>();

    /**
     * Subscribes and waits until the retained messages have arrived: a marker published on
     * {@code {p}/_sync-…/online} and {@code …/reported} after subscribing comes back through the
     * same two subscriptions, after their retained messages (a broker delivers what one
     * subscription matches in order). A rollout picks its devices from this table, so a table
     * cut short would skip devices: when the markers do not come back in time this fails.
     */
    public void attach(OperatorConnection connection) throws IOException, InterruptedException {
        connection.subscribe(prefix + "/+/online", (topic, payload) -> onOnline(deviceOf(topic), payload));
        connection.subscribe(prefix + "/+/reported", (topic, payload) -> onReported(deviceOf(topic), payload));
        String marker = "_sync-" + Long.toHexString(System.nanoTime()) + "-" + Integer.toHexString(
                System.identityHashCode(this));
        CountDownLatch back = new CountDownLatch(2);
        markers.put(marker, back);
        try {
            connection.publish(prefix + "/" + marker + "/online", new byte[] {'1'}, false);
            connection.publish(prefix + "/" + marker + "/reported", new byte[] {'1'}, false);
            if (!back.await(SYNC_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("the broker did not hand over the fleet's retained messages within "
                        + SYNC_SECONDS + " s (" + devices.size() + " devices so far): the table would be "
                        + "incomplete; try again, or check the broker's load");
            }
        } finally {
            markers.remove(marker);
        }
    }

    /** Tells {@code listener} of every change from now on (on the MQTT thread: return quickly). */
    public void addListener(Consumer<Device> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<Device> listener) {
        listeners.remove(listener);
    }

    /** Every device, sorted by id. */
    public Map<String, Device> devices() {
        return new TreeMap<>(devices);
    }

    /** The devices whose labels the selector matches, sorted by id. */
    public List<Device> select(Selector selector) {
        return devices().values().stream().filter(d -> selector.matches(d.labels())).toList();
    }

    public Optional<Device> device(String id) {
        return Optional.ofNullable(devices.get(id));
    }

    /** An {@code online} message of a device (public for simulators and tests). */
    public void onOnline(String id, byte[] payload) {
        if (id == null) {
            return;
        }
        JsonNode m = read(payload);
        update(id, d -> {
            if (m == null) {
                return new Device(id, null, null, d.labels(), d.report());
            }
            Instant since = null;
            try {
                since = m.hasNonNull("since") ? Instant.parse(m.get("since").asText()) : null;
            } catch (RuntimeException e) {
                // a since we cannot read is no since
            }
            Map<String, String> labels = m.has("labels") ? labels(m.get("labels")) : d.labels();
            return new Device(id, m.path("online").asBoolean(false), since, labels, d.report());
        });
    }

    /** A reported document of a device (public for simulators and tests). */
    public void onReported(String id, byte[] payload) {
        if (id == null) {
            return;
        }
        JsonNode m = read(payload);
        update(id, d -> new Device(id, d.online(), d.onlineSince(),
                m != null && m.has("labels") ? labels(m.get("labels")) : d.labels(), m));
    }

    private void update(String id, java.util.function.UnaryOperator<Device> change) {
        Device next = devices.compute(id, (k, d) -> change.apply(d == null ? Device.unknown(id) : d));
        if (next.online() == null && next.report() == null) {
            devices.remove(id, next); // both retained messages cleared: the device is gone
        }
        for (Consumer<Device> l : listeners) {
            l.accept(next);
        }
    }

    /** The device id of {@code {p}/{d}/…}, or null for the reserved {@code _…} ids (§10), markers among them. */
    private String deviceOf(String topic) {
        String rest = topic.substring(prefix.length() + 1);
        String id = rest.substring(0, rest.indexOf('/'));
        if (id.startsWith("_")) {
            CountDownLatch marker = markers.get(id);
            if (marker != null) {
                marker.countDown();
            }
            return null;
        }
        return id;
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> out = new TreeMap<>();
        if (node != null && node.isObject()) {
            node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    private static JsonNode read(byte[] payload) {
        if (payload == null || payload.length == 0) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(payload);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return JSON.createObjectNode().put("unreadable", new String(payload, StandardCharsets.UTF_8));
        }
    }
}
