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

    /** Subscribes and waits until the retained messages have arrived (a marker sent after them came back). */
    public void attach(OperatorConnection connection) throws IOException, InterruptedException {
        connection.subscribe(prefix + "/+/online", (topic, payload) -> onOnline(deviceOf(topic), payload));
        connection.subscribe(prefix + "/+/reported", (topic, payload) -> onReported(deviceOf(topic), payload));
        sync(connection, prefix);
    }

    /**
     * Waits until the retained messages of the subscriptions made so far have been delivered: a
     * marker published after them on a topic of our own comes back after them (a broker sends
     * retained messages when it takes the subscription), then 100 ms without news.
     */
    static void sync(OperatorConnection connection, String prefix) throws IOException, InterruptedException {
        String topic = prefix + "/_fleet/sync/" + Long.toHexString(System.nanoTime()) + Math.abs(System.identityHashCode(connection));
        CountDownLatch back = new CountDownLatch(1);
        connection.subscribe(topic, (t, p) -> back.countDown());
        connection.publish(topic, new byte[] {'1'}, false);
        back.await(3, TimeUnit.SECONDS);
        Thread.sleep(100); // messages already on the wire behind the marker on other topics
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

    /** The device id of {@code {p}/{d}/…}, or null for the reserved {@code _…} ids (§10). */
    private String deviceOf(String topic) {
        String rest = topic.substring(prefix.length() + 1);
        String id = rest.substring(0, rest.indexOf('/'));
        return id.startsWith("_") ? null : id;
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
