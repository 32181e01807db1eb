package io.berth.link;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * An operator tool's MQTT connection (fleet verbs, {@code logs --device}, {@code cmd}, the
 * console): the broker list, login and TLS/mTLS files as the agent takes them, topic filters
 * with handlers, blocking QoS 1 publishes, and MQTT 5 request/response. A clean session with
 * a random client id; it reconnects by itself and subscribes again (retained messages come
 * again then, which level-based views want). Handlers run on Paho's thread: return quickly.
 */
public final class OperatorConnection implements AutoCloseable {

    /** Where the broker is and how to log in. {@code urls}: one or more {@code tcp://}/{@code ssl://} URLs. */
    public record Settings(List<String> urls, String username, char[] password, TlsFiles.Settings tls) {
        public Settings {
            urls = List.copyOf(urls);
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("no broker URL");
            }
            for (String url : urls) {
                if (!url.startsWith("tcp://") && !url.startsWith("ssl://")) {
                    throw new IllegalArgumentException("broker URL '" + url + "' must start with tcp:// or ssl://");
                }
            }
        }

        /** A comma-separated list of URLs, as {@code BERTH_MQTT_URL} and {@code --broker} take it. */
        public static List<String> splitUrls(String list) {
            return java.util.Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }
    }

    /** A message on a subscribed filter; {@code payload} is empty for a cleared retained message. */
    public interface Handler {
        void onMessage(String topic, byte[] payload);
    }

    private record Subscription(String filter, Handler handler) {}

    private final MqttClient client;
    private final Settings settings;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    private final String clientId;
    private volatile Runnable onLost = () -> { };

    private OperatorConnection(Settings settings) throws IOException {
        this.settings = settings;
        this.clientId = "berth-op-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        try {
            client = new MqttClient(settings.urls().get(0), clientId, new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new IOException("cannot set up the MQTT client for " + settings.urls() + ": " + e.getMessage(), e);
        }
    }

    /** Connects to the first broker of the list that answers. */
    public static OperatorConnection connect(Settings settings) throws IOException {
        OperatorConnection c = new OperatorConnection(settings);
        c.open();
        return c;
    }

    private void open() throws IOException {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setServerURIs(settings.urls().toArray(new String[0]));
        options.setCleanStart(true);
        options.setConnectionTimeout(10);
        options.setKeepAliveInterval(30);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, 30);
        if (settings.username() != null) {
            options.setUserName(settings.username());
        }
        if (settings.password() != null) {
            options.setPassword(new String(settings.password()).getBytes(StandardCharsets.UTF_8));
        }
        if (settings.urls().stream().anyMatch(u -> u.startsWith("ssl://"))) {
            options.setSocketFactory(TlsFiles.context(settings.tls()).getSocketFactory());
            options.setHttpsHostnameVerificationEnabled(true);
        }
        client.setCallback(new Callback());
        try {
            client.connect(options);
        } catch (MqttException e) {
            throw new IOException("cannot connect to the broker at " + String.join(",", settings.urls()) + ": "
                    + MqttLink.describe(e) + "; check --broker / BERTH_MQTT_URL, BERTH_MQTT_USERNAME / "
                    + "BERTH_MQTT_PASSWORD and the BERTH_MQTT_TLS_* files", e);
        }
    }

    /** Called (once per loss) when the connection drops; it reconnects by itself meanwhile. */
    public void onLost(Runnable action) {
        this.onLost = action;
    }

    /** The broker in use. */
    public String serverUri() {
        return client.getCurrentServerURI();
    }

    /** Subscribes to a filter ({@code +} and {@code #} allowed) with QoS 1; retained messages arrive first. */
    public void subscribe(String filter, Handler handler) throws IOException {
        subscriptions.add(new Subscription(filter, handler));
        try {
            client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)});
        } catch (MqttException e) {
            subscriptions.removeIf(s -> s.filter().equals(filter) && s.handler() == handler);
            throw new IOException("cannot subscribe to " + filter + ": " + MqttLink.describe(e), e);
        }
    }

    /** Publishes and waits until the broker has it (QoS 1). */
    public void publish(String topic, byte[] payload, boolean retained) throws IOException {
        try {
            client.publish(topic, payload, 1, retained);
        } catch (MqttException e) {
            throw new IOException("cannot publish to " + topic + " on " + serverUri() + ": " + MqttLink.describe(e), e);
        }
    }

    /**
     * An MQTT 5 request (PROTOCOL.md §7): publishes {@code body} to {@code topic} with a response
     * topic and correlation data, waits for the answer there.
     *
     * @return the answer, or null when none came within {@code timeout}
     */
    public byte[] request(String topic, byte[] body, String replyTopic, Duration timeout, Duration expiry)
            throws IOException, InterruptedException {
        String correlation = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        pending.put(correlation, answer);
        try {
            if (subscriptions.stream().noneMatch(sub -> sub.filter().equals(replyTopic))) {
                subscribe(replyTopic, (t, payload) -> { });
            }
            MqttProperties properties = new MqttProperties();
            properties.setResponseTopic(replyTopic);
            properties.setCorrelationData(correlation.getBytes(StandardCharsets.UTF_8));
            properties.setMessageExpiryInterval(Math.max(1, expiry.toSeconds()));
            properties.setContentType("application/json");
            MqttMessage message = new MqttMessage(body, 1, false, properties);
            try {
                client.publish(topic, message);
            } catch (MqttException e) {
                throw new IOException("cannot publish to " + topic + ": " + MqttLink.describe(e), e);
            }
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        } finally {
            pending.remove(correlation);
        }
    }

    /** Whether a topic matches an MQTT filter with {@code +} and {@code #}. */
    public static boolean matches(String filter, String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length || !f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            onLost.run();
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            // reported through disconnected
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            MqttProperties p = message.getProperties();
            if (p != null && p.getCorrelationData() != null) {
                CompletableFuture<byte[]> waiting = pending.get(new String(p.getCorrelationData(), StandardCharsets.UTF_8));
                if (waiting != null) {
                    waiting.complete(message.getPayload());
                    return;
                }
            }
            for (Subscription s : subscriptions) {
                if (matches(s.filter(), topic)) {
                    try {
                        s.handler().onMessage(topic, message.getPayload());
                    } catch (RuntimeException e) {
                        // a handler's bug must not drop the connection
                        System.err.println("berth: handling " + topic + " failed: " + e);
                    }
                }
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // publish waits for its own token
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            if (!reconnect) {
                return;
            }
            // Paho's blocking calls must not run on its callback thread
            Thread again = new Thread(() -> {
                for (String filter : subscriptions.stream().map(Subscription::filter).distinct().toList()) {
                    try {
                        client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)});
                    } catch (MqttException e) {
                        System.err.println("berth: cannot subscribe again to " + filter + ": " + MqttLink.describe(e));
                    }
                }
            }, "berth-resubscribe");
            again.setDaemon(true);
            again.start();
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // no enhanced authentication
        }
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(2000);
            }
            client.close(true);
        } catch (MqttException e) {
            // leaving anyway
        }
    }
}
