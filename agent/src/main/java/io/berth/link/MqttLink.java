package io.berth.link;

import io.berth.support.Backoff;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.tinylog.Logger;

/**
 * The agent's one MQTT 5 connection (Paho): connects and reconnects with jittered backoff,
 * announces online/offline, hands desired documents to a listener, and publishes reports
 * (retained: the latest is kept and sent on reconnect) and events (a bounded queue while away).
 * The only class that knows Paho.
 */
public final class MqttLink implements AutoCloseable {

    /** What the link hands to the rest of the agent. Called on Paho's thread: return quickly. */
    public interface Listener {
        void onDesired(byte[] payload);
    }

    /** @param tls CA, client certificate and key for {@code ssl://} URLs; unused for {@code tcp://} */
    /**
     * Answers remote commands ({@code {p}/{d}/cmd/{verb}}, PROTOCOL.md §7). {@code reply} takes the
     * JSON answer; it may be called later, from any thread, exactly once.
     */
    public interface CommandHandler {
        void onCommand(String verb, byte[] body, Consumer<byte[]> reply);
    }

    public record Settings(String url, String username, char[] password, TlsFiles.Settings tls,
                           Duration sessionExpiry) {}

    private static final int EVENT_QUEUE_LIMIT = 500;
    private static final com.fasterxml.jackson.databind.ObjectMapper EVENT_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Duration RECONNECT_BASE = Duration.ofSeconds(1);
    private static final Duration RECONNECT_CAP = Duration.ofSeconds(60);

    private final Settings settings;
    private final Topics topics;
    private final Listener listener;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final Map<String, byte[]> unsentRetained = new ConcurrentHashMap<>();
    private final Deque<byte[]> unsentEvents = new ArrayDeque<>();
    private final AtomicLong droppedEvents = new AtomicLong();
    private final MqttAsyncClient client;
    private volatile boolean closing;
    private volatile CommandHandler commands;
    private volatile long lastPublishWarning = System.nanoTime() - 120_000_000_000L;
    private volatile String status = "connecting (first attempt)";
    private final AtomicInteger failures = new AtomicInteger();

    public MqttLink(Settings settings, Topics topics, Listener listener, ScheduledExecutorService scheduler,
                    Clock clock) throws IOException {
        this.settings = settings;
        this.topics = topics;
        this.listener = listener;
        this.scheduler = scheduler;
        this.clock = clock;
        // Memory persistence: in-flight QoS 1 messages are not worth a write to flash.
        try {
            this.client = new MqttAsyncClient(settings.url(), topics.deviceId(), new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new IOException("cannot set up the MQTT client for " + settings.url() + ": " + describe(e), e);
        }
        this.client.setCallback(new Callback());
    }

    /** Serves remote commands; set before {@link #start()}. */
    public void serveCommands(CommandHandler handler) {
        this.commands = handler;
    }

    public void start() {
        connect();
    }

    public boolean connected() {
        return client.isConnected();
    }

    /** A line for status output: connected, or why not. */
    public String status() {
        return status;
    }

    /** Publishes a retained document; the latest one per topic is (re)sent once connected. */
    public void publishRetained(String topic, byte[] payload) {
        unsentRetained.put(topic, payload);
        if (client.isConnected()) {
            sendRetained(topic, payload);
        }
    }

    /** Publishes one event (QoS 1, not retained); kept in a bounded queue while the broker is away. */
    public void publishEvent(byte[] payload) {
        synchronized (unsentEvents) {
            if (unsentEvents.size() >= EVENT_QUEUE_LIMIT) {
                unsentEvents.removeFirst();
                droppedEvents.incrementAndGet();
            }
            unsentEvents.addLast(payload);
        }
        if (client.isConnected()) {
            flushEvents();
        }
    }

    /**
     * Publishes now if connected (logs: the caller keeps what could not be sent in its own
     * bounded buffer). Returns false, sending nothing, while the broker is away.
     */
    public boolean tryPublish(String topic, byte[] payload, int qos) {
        if (!client.isConnected()) {
            return false;
        }
        try {
            client.publish(topic, payload, qos, false);
            return true;
        } catch (MqttException e) {
            long now = System.nanoTime();
            if (now - lastPublishWarning > 60_000_000_000L) { // at most once a minute
                lastPublishWarning = now;
                Logger.warn("MQTT: publish to {} not possible now: {} (code {}); kept for later", topic, describe(e),
                        e.getReasonCode());
            }
            return false;
        }
    }

    /** Events dropped because the queue was full while offline, not yet announced. */
    public long droppedEvents() {
        return droppedEvents.get();
    }

    private void connect() {
        if (closing) {
            return;
        }
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(settings.sessionExpiry().toSeconds());
        options.setAutomaticReconnect(false); // our own backoff has jitter; Paho's has none
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout(10);
        options.setWill(topics.online(), will());
        if (settings.username() != null) {
            options.setUserName(settings.username());
        }
        if (settings.password() != null) {
            options.setPassword(new String(settings.password()).getBytes(StandardCharsets.UTF_8));
        }
        if (settings.url().startsWith("ssl://")) {
            try {
                // built on every attempt, so fixed files are picked up without a restart
                options.setSocketFactory(TlsFiles.context(settings.tls()).getSocketFactory());
                options.setHttpsHostnameVerificationEnabled(true);
            } catch (TlsFiles.TlsSetupException e) {
                connectionFailed(e.getMessage());
                return;
            }
        }
        try {
            client.connect(options, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    // connectComplete does the rest
                }

                @Override
                public void onFailure(IMqttToken token, Throwable error) {
                    connectionFailed("cannot connect to " + settings.url() + ": " + explain(error));
                }
            });
        } catch (MqttException e) {
            connectionFailed("cannot connect to " + settings.url() + ": " + explain(e));
        }
    }

    private void connectionFailed(String why) {
        if (closing) {
            return;
        }
        int failed = failures.incrementAndGet();
        Duration delay = Backoff.delay(failed, RECONNECT_BASE, RECONNECT_CAP, random);
        status = "not connected: " + why + "; retrying in " + delay.toMillis() / 1000.0 + " s";
        if (failed == 1 || failed % 10 == 0) {
            Logger.warn("MQTT: {} (attempt {})", status, failed);
        } else {
            Logger.debug("MQTT: {}", status);
        }
        scheduler.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private MqttMessage will() {
        MqttMessage will = new MqttMessage("{\"online\":false}".getBytes(StandardCharsets.UTF_8), 1, true,
                new MqttProperties());
        return will;
    }

    private void sendRetained(String topic, byte[] payload) {
        try {
            client.publish(topic, payload, 1, true, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    unsentRetained.remove(topic, payload);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable error) {
                    Logger.debug("MQTT: publish to {} failed: {}", topic, describe(error));
                }
            });
        } catch (MqttException e) {
            Logger.debug("MQTT: publish to {} deferred: {}", topic, describe(e));
        }
    }

    /** Sends queued events in order; one flusher at a time, so none goes out twice. */
    private void flushEvents() {
        synchronized (unsentEvents) {
            while (client.isConnected() && !unsentEvents.isEmpty()) {
                long dropped = droppedEvents.get();
                byte[] next = dropped > 0 ? withDropped(unsentEvents.peekFirst(), dropped) : unsentEvents.peekFirst();
                try {
                    client.publish(topics.events(), next, 1, false);
                } catch (MqttException e) {
                    // in-flight window full or connection lost: the rest goes on the next delivery or connect
                    return;
                }
                unsentEvents.removeFirst();
                droppedEvents.addAndGet(-dropped);
            }
        }
    }

    /** The first event after an overflow says how many were dropped before it: {@code "dropped": N}. */
    private static byte[] withDropped(byte[] event, long dropped) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode node =
                    (com.fasterxml.jackson.databind.node.ObjectNode) EVENT_JSON.readTree(event);
            node.put("dropped", dropped);
            return EVENT_JSON.writeValueAsBytes(node);
        } catch (IOException | ClassCastException e) {
            return event;
        }
    }

    private final class Callback implements MqttCallback {
        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            failures.set(0);
            status = "connected to " + serverURI;
            Logger.info("MQTT: connected to {}", serverURI);
            try {
                client.subscribe(topics.desired(), 1);
                if (commands != null) {
                    client.subscribe(topics.commands(), 1);
                }
            } catch (MqttException e) {
                Logger.error("MQTT: cannot subscribe to {}: {}", topics.desired(), describe(e));
            }
            String online = "{\"online\":true,\"since\":\"" + Instant.now(clock) + "\"}";
            sendRetained(topics.online(), online.getBytes(StandardCharsets.UTF_8));
            unsentRetained.forEach(MqttLink.this::sendRetained);
            flushEvents();
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            if (closing) {
                return;
            }
            String why = response.getException() != null ? explain(response.getException())
                    : response.getReasonString() != null ? response.getReasonString()
                    : "reason code " + response.getReturnCode();
            Logger.warn("MQTT: connection to {} lost: {}", settings.url(), why);
            connectionFailed("connection lost: " + why);
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            Logger.warn("MQTT: {}", describe(exception));
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                if (topic.equals(topics.desired())) {
                    listener.onDesired(message.getPayload());
                } else if (topic.startsWith(topics.commandPrefix()) && commands != null) {
                    command(topic.substring(topics.commandPrefix().length()), message);
                }
            } catch (RuntimeException e) {
                // an exception here would make Paho drop the connection
                Logger.error(e, "MQTT: handling a message on {} failed", topic);
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            scheduler.execute(MqttLink.this::flushEvents);
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // no enhanced authentication
        }
    }

    private void command(String verb, MqttMessage message) {
        MqttProperties properties = message.getProperties();
        String responseTopic = properties == null ? null : properties.getResponseTopic();
        byte[] correlation = properties == null ? null : properties.getCorrelationData();
        if (responseTopic == null || responseTopic.isEmpty()) {
            Logger.warn("MQTT: command '{}' has no response topic (MQTT 5 request/response is needed to answer it); "
                    + "it is carried out, the answer is not sent", verb);
        }
        commands.onCommand(verb, message.getPayload(), answer -> {
            if (responseTopic == null || responseTopic.isEmpty()) {
                return;
            }
            MqttProperties replyProperties = new MqttProperties();
            if (correlation != null) {
                replyProperties.setCorrelationData(correlation);
            }
            replyProperties.setContentType("application/json");
            MqttMessage reply = new MqttMessage(answer, 1, false, replyProperties);
            try {
                client.publish(responseTopic, reply);
            } catch (MqttException e) {
                Logger.warn("MQTT: cannot answer command '{}' on {}: {}", verb, responseTopic, describe(e));
            }
        });
    }

    /** Announces offline, disconnects and releases the client. */
    @Override
    public void close() {
        closing = true;
        try {
            if (client.isConnected()) {
                // unlike the will, a stop on purpose says since when: an operator tells the two apart
                String offline = "{\"online\":false,\"since\":\"" + Instant.now(clock) + "\"}";
                client.publish(topics.online(), offline.getBytes(StandardCharsets.UTF_8), 1, true)
                        .waitForCompletion(2000);
                client.disconnect(1000).waitForCompletion(2000);
            }
        } catch (MqttException e) {
            Logger.debug("MQTT: disconnect: {}", describe(e));
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            Logger.debug("MQTT: close: {}", describe(e));
        }
    }

    /** Says why a connection failed in terms of what the user set: the URL, the TLS files, the login. */
    String explain(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof javax.net.ssl.SSLException) {
                if (m.contains("PKIX path") || m.contains("certification path")) {
                    return "the broker's certificate is not trusted: no CA in " + caName()
                            + " signed it; set mqtt.tls.caFile to the CA that issued the broker's certificate";
                }
                if (m.contains("subject alternative") || m.contains("No name matching")) {
                    return "the broker's certificate does not name the host in " + settings.url()
                            + "; use the host name or address it was issued for";
                }
                if (m.contains("certificate_expired")) {
                    return "the broker refused our client certificate: it has expired; renew mqtt.tls.certFile";
                }
                if (m.contains("bad_certificate") || m.contains("certificate_unknown") || m.contains("unknown_ca")
                        || m.contains("certificate_required") || m.contains("decrypt_error")) {
                    return "the broker refused our client certificate (" + m + "): use a certificate "
                            + "(mqtt.tls.certFile/keyFile) issued by the CA the broker trusts";
                }
                return "the TLS handshake with " + settings.url() + " failed: " + m;
            }
            if (t instanceof java.net.ConnectException) {
                return "nothing accepts connections at " + settings.url() + " (" + m + "): is the broker running, "
                        + "and are host and port right?";
            }
            boolean clientCertificate = settings.tls() != null && settings.tls().certFile() != null;
            if (clientCertificate && t instanceof java.io.IOException
                    && (m.contains("Broken pipe") || m.contains("Connection reset") || m.contains("closed"))) {
                // with TLS 1.3 the broker's refusal of a client certificate arrives as a closed connection
                return "the broker closed the connection right after the TLS handshake (" + m + "): it most likely "
                        + "refused our client certificate " + settings.tls().certFile() + "; use one issued by the "
                        + "CA the broker trusts";
            }
            if (t instanceof java.net.UnknownHostException) {
                return "the broker's host in " + settings.url() + " is unknown: check the name and DNS";
            }
        }
        if (error instanceof MqttException mqtt) {
            switch (mqtt.getReasonCode()) {
                case 134:
                case 4:
                case 135:
                case 5:
                    // Mosquitto answers a wrong password with 'not authorized' (135) in MQTT 5
                    return "the broker refused the login (" + (mqtt.getReasonCode() == 134 || mqtt.getReasonCode() == 4
                            ? "bad user name or password" : "not authorized") + "): check the user name or password "
                            + "(mqtt.username, mqtt.password), or the client certificate the broker maps to a user";
                case 133:
                case 2:
                    return "the broker refused the client id '" + topics.deviceId() + "'";
                default:
                    break;
            }
        }
        return describe(error);
    }

    private String caName() {
        return settings.tls() != null && settings.tls().caFile() != null ? "mqtt.tls.caFile "
                + settings.tls().caFile() : "the system's trust store";
    }

    static String describe(Throwable error) {
        if (error == null) {
            return "unknown error";
        }
        String message = error.getMessage();
        Throwable cause = error.getCause();
        if (cause != null && cause != error && cause.getMessage() != null) {
            message = (message == null ? "" : message + ": ") + cause.getMessage();
        }
        return message == null ? error.getClass().getSimpleName() : message;
    }
}
