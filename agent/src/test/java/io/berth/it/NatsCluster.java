package io.berth.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.link.OperatorClient;
import io.berth.link.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The three-node NATS cluster that {@code provisioning/dev-services up} starts (MQTT 3.1.1 on
 * 127.0.0.1:18831-18833), and an operator on one of its nodes. Killing a node goes through
 * dev-services, which kills only a node it started; {@link #restore()} brings it back.
 */
final class NatsCluster {
    static final List<String> NODES = List.of("tcp://127.0.0.1:18831", "tcp://127.0.0.1:18832",
            "tcp://127.0.0.1:18833");
    static final String ALL = String.join(",", NODES);
    private static final ObjectMapper JSON = new ObjectMapper();

    private NatsCluster() {}

    static String node(int n) {
        return NODES.get(n - 1);
    }

    static void kill(int n) throws Exception {
        devServices("kill-nats-node", String.valueOf(n));
    }

    /** Brings every node back (the one a test killed); idempotent. */
    static void restore() throws Exception {
        devServices("up", "nats");
    }

    private static void devServices(String... args) throws Exception {
        Path script = Path.of("../provisioning/dev-services");
        if (!Files.isExecutable(script)) {
            script = Path.of("provisioning/dev-services");
        }
        List<String> command = new java.util.ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("dev-services " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** An operator connected to one node (over 3.1.1, as the berth CLI falls back to it), following one device. */
    static final class Operator implements AutoCloseable {
        final OperatorClient client;
        private final String url;
        private final Topics topics;
        private final Map<OperatorClient.Kind, JsonNode> latest = new ConcurrentHashMap<>();

        Operator(String url, String prefix, String device) throws IOException {
            this.url = url;
            this.topics = new Topics(prefix, device);
            this.client = new OperatorClient(url, null, null, topics);
            client.follow((kind, payload) -> {
                try {
                    if (payload.length > 0) {
                        latest.put(kind, JSON.readTree(payload));
                    }
                } catch (IOException e) {
                    latest.put(kind, JSON.createObjectNode().put("unreadable", true));
                }
            }, () -> { });
        }

        JsonNode latest(OperatorClient.Kind kind) {
            return latest.get(kind);
        }

        JsonNode awaitReported(String what, Predicate<JsonNode> condition, Duration timeout) throws Exception {
            return Await.until(what + " (read on " + url + ")", () -> {
                JsonNode r = latest.get(OperatorClient.Kind.REPORTED);
                return r != null && condition.test(r) ? r : null;
            }, timeout, () -> "last reported: " + latest.get(OperatorClient.Kind.REPORTED));
        }

        JsonNode awaitOnline(boolean online, Duration timeout) throws Exception {
            return Await.until("online " + online + " (read on " + url + ")", () -> {
                JsonNode o = latest.get(OperatorClient.Kind.ONLINE);
                return o != null && o.path("online").asBoolean(!online) == online ? o : null;
            }, timeout, () -> "last online: " + latest.get(OperatorClient.Kind.ONLINE));
        }

        void publish(String json) throws IOException {
            client.publishDesired(json.getBytes(StandardCharsets.UTF_8));
        }

        /** Clears the device's retained messages (on whichever node answers) and disconnects. */
        @Override
        public void close() throws Exception {
            client.close();
            MqttClient cleaner = new MqttClient(NODES.get(0), "it-clean-" + topics.deviceId(), new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setServerURIs(NODES.toArray(String[]::new));
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            cleaner.connect(options);
            for (String topic : List.of(topics.desired(), topics.reported(), topics.online())) {
                cleaner.publish(topic, new byte[0], 1, true);
            }
            cleaner.disconnect();
            cleaner.close();
        }
    }
}
