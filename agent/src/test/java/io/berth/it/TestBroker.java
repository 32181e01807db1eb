package io.berth.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/** An operator's view of one device on the real Mosquitto: publish desired, watch what comes back. */
final class TestBroker implements AutoCloseable {
    static final String URL = "tcp://127.0.0.1:1883";
    private static final ObjectMapper JSON = new ObjectMapper();

    final String prefix;
    final String device;
    private final MqttClient client;
    private final Map<String, byte[]> latest = new ConcurrentHashMap<>();
    final List<JsonNode> events = new CopyOnWriteArrayList<>();
    final List<JsonNode> logs = new CopyOnWriteArrayList<>();
    /** Every reported document, in the order they arrived (an empty retained clear is left out). */
    final List<JsonNode> reports = new CopyOnWriteArrayList<>();
    final Map<String, java.util.concurrent.atomic.AtomicInteger> counts = new ConcurrentHashMap<>();

    TestBroker(String prefix, String device) throws MqttException {
        this(URL, prefix, device, List.of("#"));
    }

    /** On the broker at {@code url}, watching only {@code {p}/{d}/SUFFIX} for each suffix (wildcards allowed). */
    TestBroker(String url, String prefix, String device, List<String> suffixes) throws MqttException {
        this.prefix = prefix;
        this.device = device;
        client = new MqttClient(url, "it-operator-" + device, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options);
        client.setCallback(OnMessage.callback((topic, message) -> {
            latest.put(topic, message.getPayload());
            counts.computeIfAbsent(topic, t -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            if (topic.equals(topic("events"))) {
                events.add(JSON.readTree(message.getPayload()));
            } else if (topic.equals(topic("reported")) && message.getPayload().length > 0) {
                reports.add(JSON.readTree(message.getPayload()));
            } else if (topic.startsWith(topic("logs/"))) {
                logs.add(JSON.readTree(message.getPayload()));
            }
        }));
        // subscribed once the callback is set, so retained messages reach it
        for (String suffix : suffixes) {
            client.subscribe(topic(suffix), 1);
        }
    }

    /** How many messages arrived on {@code {p}/{d}/suffix}. */
    int count(String suffix) {
        var count = counts.get(topic(suffix));
        return count == null ? 0 : count.get();
    }

    String topic(String suffix) {
        return prefix + "/" + device + "/" + suffix;
    }

    void publishDesired(String json) throws MqttException {
        client.publish(topic("desired"), json.getBytes(StandardCharsets.UTF_8), 1, true);
    }

    void publishDesired(byte[] payload) throws MqttException {
        client.publish(topic("desired"), payload, 1, true);
    }

    JsonNode latest(String suffix) {
        byte[] payload = latest.get(topic(suffix));
        if (payload == null || payload.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(payload);
        } catch (IOException e) {
            throw new AssertionError("not JSON on " + topic(suffix) + ": " + new String(payload, StandardCharsets.UTF_8));
        }
    }

    /** Waits for a reported document that matches, and returns it. */
    JsonNode awaitReported(String what, Predicate<JsonNode> condition, Duration timeout) throws InterruptedException {
        return Await.until(what, () -> {
            JsonNode reported = latest("reported");
            return reported != null && condition.test(reported) ? reported : null;
        }, timeout, () -> "last reported: " + latest("reported"));
    }

    /** Clears the retained messages this test left and disconnects. */
    @Override
    public void close() throws MqttException {
        for (String suffix : List.of("desired", "reported", "online")) {
            client.publish(topic(suffix), new byte[0], 1, true);
        }
        client.disconnect();
        client.close();
    }

    static boolean converged(JsonNode reported, long revision) {
        return "converged".equals(reported.path("phase").asText())
                && reported.path("revision").path("applied").asLong() == revision;
    }

    static Instant now() {
        return Instant.now();
    }
}
