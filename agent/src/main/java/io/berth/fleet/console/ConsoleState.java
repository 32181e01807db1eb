package io.berth.fleet.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.fleet.Device;
import io.berth.fleet.DeviceRows;
import io.berth.fleet.FleetView;
import io.berth.fleet.rollout.Rollout;
import io.berth.fleet.rollout.RolloutStore;
import io.berth.fleet.rollout.RolloutView;
import io.berth.link.OperatorConnection;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the console shows, kept live from the broker: the fleet ({@link FleetView}), the
 * rollouts ({@link RolloutStore}), each device's recent events, and the log tails a page asked
 * for. Every change goes to the {@link EventHub} as one JSON message. Nothing here reads a
 * desired document's content: rollouts are shown through {@link RolloutView}, which leaves the
 * document out (it may hold registry credentials and secrets).
 */
final class ConsoleState {
    static final int EVENTS_PER_DEVICE = 50;
    static final int LINES_PER_SERVICE = 200;
    static final int MAX_LOG_DEVICES = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OperatorConnection connection;
    private final String prefix;
    private final FleetView fleet;
    private final RolloutStore rollouts;
    private final EventHub hub;
    private final Clock clock;
    private final Map<String, Deque<JsonNode>> events = new ConcurrentHashMap<>();
    /** device → service → last lines; the devices whose logs a page opened, at most MAX_LOG_DEVICES. */
    private final Map<String, Map<String, Deque<JsonNode>>> logs;
    private final Set<String> logSubscriptions = ConcurrentHashMap.newKeySet();

    ConsoleState(OperatorConnection connection, String prefix, FleetView fleet, RolloutStore rollouts, EventHub hub,
                 Clock clock) {
        this.connection = connection;
        this.prefix = prefix;
        this.fleet = fleet;
        this.rollouts = rollouts;
        this.hub = hub;
        this.clock = clock;
        this.logs = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Map<String, Deque<JsonNode>>> eldest) {
                return size() > MAX_LOG_DEVICES;
            }
        });
    }

    /** Subscribes to events and starts telling the hub of every change. */
    void attach() throws IOException {
        fleet.addListener(d -> hub.publish("device", d.id(), device(d).toString()));
        rollouts.addListener(r -> hub.publish("rollout", r.id(), rollout(r).toString()));
        connection.subscribe(prefix + "/+/events", (topic, payload) -> onEvent(deviceOf(topic), payload));
    }

    FleetView fleet() {
        return fleet;
    }

    RolloutStore rollouts() {
        return rollouts;
    }

    Clock clock() {
        return clock;
    }

    /** A row of the fleet table: as {@code fleet ls --json}, plus online-since. */
    ObjectNode device(Device d) {
        ObjectNode o = DeviceRows.json(d, clock.instant());
        o.put("onlineSince", d.onlineSince() == null ? null : d.onlineSince().toString());
        return o;
    }

    /** A device's page: its row, services, agent and host facts, recent events. */
    ObjectNode deviceDetail(Device d) {
        ObjectNode o = device(d);
        JsonNode report = d.report();
        if (report != null) {
            for (String key : new String[] {"services", "volumes", "orphans", "agent", "engine", "host", "rejected",
                    "rollback", "broker"}) {
                if (report.has(key)) {
                    o.set(key, report.get(key).deepCopy());
                }
            }
        }
        ArrayNode list = o.putArray("events");
        Deque<JsonNode> recent = events.get(d.id());
        if (recent != null) {
            synchronized (recent) {
                recent.descendingIterator().forEachRemaining(list::add);
            }
        }
        return o;
    }

    /** A rollout as the console shows it: status, waves, each device (never the document). */
    ObjectNode rollout(Rollout r) {
        return RolloutView.json(r, fleet.devices(), clock.instant());
    }

    /** The last lines of a device's services, subscribing to its logs the first time a page asks. */
    ObjectNode logTail(String device, String service) throws IOException {
        if (logSubscriptions.add(device)) {
            try {
                connection.subscribe(prefix + "/" + device + "/logs/+",
                        (topic, payload) -> onLogs(device, topic.substring(topic.lastIndexOf('/') + 1), payload));
            } catch (IOException e) {
                logSubscriptions.remove(device);
                throw e;
            }
        }
        Map<String, Deque<JsonNode>> services = logs.computeIfAbsent(device, k -> new ConcurrentHashMap<>());
        ObjectNode o = JSON.createObjectNode().put("device", device).put("service", service);
        ArrayNode lines = o.putArray("lines");
        Deque<JsonNode> tail = services.get(service);
        if (tail != null) {
            synchronized (tail) {
                tail.forEach(lines::add);
            }
        }
        return o;
    }

    private void onEvent(String device, byte[] payload) {
        JsonNode event = read(payload);
        if (device == null || event == null) {
            return;
        }
        Deque<JsonNode> recent = events.computeIfAbsent(device, k -> new ArrayDeque<>());
        synchronized (recent) {
            recent.addLast(event);
            while (recent.size() > EVENTS_PER_DEVICE) {
                recent.removeFirst();
            }
        }
        ObjectNode o = JSON.createObjectNode().put("device", device);
        o.set("event", event);
        hub.publish("event", null, o.toString());
    }

    private void onLogs(String device, String service, byte[] payload) {
        JsonNode batch = read(payload);
        Map<String, Deque<JsonNode>> services = logs.get(device);
        if (batch == null || services == null) {
            return;
        }
        Deque<JsonNode> tail = services.computeIfAbsent(service, k -> new ArrayDeque<>());
        ArrayNode lines = JSON.createArrayNode();
        synchronized (tail) {
            for (JsonNode line : batch.path("lines")) {
                tail.addLast(line);
                lines.add(line);
                while (tail.size() > LINES_PER_SERVICE) {
                    tail.removeFirst();
                }
            }
            if (batch.path("dropped").asLong(0) > 0) {
                JsonNode marker = JSON.createObjectNode().put("dropped", batch.path("dropped").asLong());
                tail.addLast(marker);
                lines.add(marker);
            }
        }
        ObjectNode o = JSON.createObjectNode().put("device", device).put("service", service);
        o.set("lines", lines);
        hub.publish("log", null, o.toString());
    }

    private String deviceOf(String topic) {
        String rest = topic.substring(prefix.length() + 1);
        String id = rest.substring(0, rest.indexOf('/'));
        return id.startsWith("_") ? null : id;
    }

    private static JsonNode read(byte[] payload) {
        if (payload == null || payload.length == 0) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(payload);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }
}
