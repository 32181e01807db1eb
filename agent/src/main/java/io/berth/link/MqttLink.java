package io.berth.link;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The agent's one MQTT connection: MQTT 5, or 3.1.1 where the broker speaks nothing newer
 * ({@code mqtt.version}); to the first of the configured brokers that answers, again with
 * jittered backoff when it goes away. Announces online/offline, hands desired documents to a
 * listener, publishes reports (retained: the latest is kept and sent on reconnect) and events (a
 * bounded queue while away), and answers commands. Paho lives behind {@link Wire}; the connection
 * attempts (deadline, fallback, backoff, the status line) are {@link Connector}'s.
 */
public final class MqttLink implements AutoCloseable {

    /** What the link hands to the rest of the agent. Called on Paho's thread: return quickly. */
    public interface Listener {
        void onDesired(byte[] payload);

        /** Connected (again), to {@code url} over MQTT {@code protocol} ({@code 5} or {@code 3.1.1}). */
        default void onConnected(String url, String protocol) {}

        /** A retained message (the report) on {@code topic} was acknowledged by the broker: delivered, not merely queued. */
        default void onRetainedDelivered(String topic) {}
    }

    /**
     * Answers remote commands ({@code {p}/{d}/cmd/{verb}}, PROTOCOL.md §7). {@code reply} takes the
     * JSON answer; it may be called later, from any thread, exactly once.
     */
    public interface CommandHandler {
        void onCommand(String verb, byte[] body, Consumer<byte[]> reply);
    }

    /**
     * @param urls the brokers, tried in order (the nodes of a cluster); all {@code tcp://} or all {@code ssl://}
     * @param protocol {@code 5}, {@code 3.1.1} or {@code auto} (5, falling back to 3.1.1 when the broker refuses it)
     * @param protocolFile where {@code auto} remembers the protocol that worked (null: not remembered)
     * @param tls CA, client certificate and key for {@code ssl://} URLs; unused for {@code tcp://}
     */
    public record Settings(List<String> urls, String protocol, String username, char[] password,
                           TlsFiles.Settings tls, Duration sessionExpiry, Path protocolFile) {
        public Settings {
            urls = List.copyOf(urls);
        }
    }

    /** The MQTT versions {@code mqtt.version} takes. */
    public static final List<String> PROTOCOLS = List.of("auto", Wire.V5, Wire.V311);
    /**
     * The largest packet the agent takes (MQTT 5 maximum packet size): a desired document may be
     * 1 MiB, plus topic and properties. A bigger retained message is dropped by the broker and
     * never reaches the heap; on 3.1.1 the broker's own limit has to do it.
     */
    public static final long MAX_PACKET_BYTES = (1 << 20) + (64 << 10);

    private static final int EVENT_QUEUE_LIMIT = 500;

    private final Topics topics;
    private final Listener listener;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    /** The connection attempts and the client they connected: the link publishes on its {@code wire()}. */
    private final Connector connector;
    private final Map<String, byte[]> unsentRetained = new ConcurrentHashMap<>();
    private final EventQueue unsentEvents = new EventQueue(EVENT_QUEUE_LIMIT);
    private volatile CommandHandler commands;
    private volatile Map<String, String> labels = Map.of();
    private volatile long lastPublishWarning = System.nanoTime() - 120_000_000_000L;

    public MqttLink(Settings settings, Topics topics, Listener listener, ScheduledExecutorService scheduler,
                    Clock clock) throws IOException {
        if (settings.urls().isEmpty()) {
            throw new IOException("no broker URL: set mqtt.url");
        }
        this.topics = topics;
        this.listener = listener;
        this.scheduler = scheduler;
        this.clock = clock;
        this.connector = new Connector(settings, topics, () -> onlinePayload(false), new Session(), scheduler);
    }

    /** The device's labels, carried by the retained {@code online} message and its will (§2, §10); set before {@link #start()}. */
    public void announceLabels(Map<String, String> deviceLabels) {
        this.labels = Map.copyOf(deviceLabels);
    }

    /** Serves remote commands; set before {@link #start()}. */
    public void serveCommands(CommandHandler handler) {
        this.commands = handler;
    }

    public void start() {
        connector.connect();
    }

    public boolean connected() {
        return connector.wire().connected();
    }

    /** A line for status output: connected to which broker over which protocol, or why not. */
    public String status() {
        return connector.status();
    }

    /** Publishes a retained document; the latest one per topic is (re)sent once connected. */
    public void publishRetained(String topic, byte[] payload) {
        unsentRetained.put(topic, payload);
        if (connector.wire().connected()) {
            sendRetained(topic, payload);
        }
    }

    /** Publishes one event (QoS 1, not retained); kept in a bounded queue while the broker is away. */
    public void publishEvent(byte[] payload) {
        unsentEvents.add(payload);
        if (connector.wire().connected()) {
            flushEvents();
        }
    }

    /**
     * Publishes now if connected (logs: the caller keeps what could not be sent in its own
     * bounded buffer). Returns false, sending nothing, while the broker is away.
     */
    public boolean tryPublish(String topic, byte[] payload, int qos) {
        Wire w = connector.wire();
        if (!w.connected()) {
            return false;
        }
        try {
            w.publish(topic, payload, qos, false);
            return true;
        } catch (WireException e) {
            long now = System.nanoTime();
            if (now - lastPublishWarning > 60_000_000_000L) { // at most once a minute
                lastPublishWarning = now;
                Logger.warn("MQTT: publish to {} not possible now: {} (code {}); kept for later", topic,
                        e.getMessage(), e.reasonCode());
            }
            return false;
        }
    }

    /** Events dropped because the queue was full while offline, not yet announced. */
    public long droppedEvents() {
        return unsentEvents.dropped();
    }

    /** The retained presence message: online since the connection, or the will's offline. Kept small and in one place. */
    byte[] onlinePayload(boolean online) {
        return onlinePayload(online, online);
    }

    /**
     * {"online":…,"since":…,"labels":{…}} (§2, §10): the will keeps the labels of a device that went
     * away and has no {@code since}; a stop on purpose has one, so an operator tells the two apart.
     */
    byte[] onlinePayload(boolean online, boolean since) {
        com.fasterxml.jackson.databind.node.ObjectNode node =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("online", online);
        if (since) {
            node.put("since", Instant.now(clock).toString());
        }
        new java.util.TreeMap<>(labels).forEach(node.putObject("labels")::put);
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Subscribes to the device's topics; a subscription the broker refuses (a NATS node that could
     * not create its consumer in time) is asked for again every 5 s while this connection lasts:
     * without it the device would hear no document and no command until its next connection.
     */
    private void subscribe(Wire w) {
        String[] filters = commands != null ? new String[] {topics.desired(), topics.commands()}
                : new String[] {topics.desired()};
        try {
            w.subscribe(filters, 1).whenComplete((ok, error) -> {
                if (error != null && connector.current(w)) {
                    Logger.warn("MQTT: subscribing to {} failed: {}; asking again in 5 s", topics.desired(),
                            connector.explain(error));
                    scheduler.schedule(() -> {
                        if (connector.current(w)) {
                            subscribe(w);
                        }
                    }, 5, TimeUnit.SECONDS);
                }
            });
        } catch (WireException e) {
            // the connection broke again at once; the next connect subscribes
            Logger.warn("MQTT: cannot subscribe to {}: {}", topics.desired(), e.getMessage());
        }
    }

    /** For tests: a shorter connect deadline than the 60 s one. */
    void connectDeadline(Duration deadline) {
        connector.connectDeadline(deadline);
    }

    private void sendRetained(String topic, byte[] payload) {
        try {
            connector.wire().publish(topic, payload, 1, true).whenComplete((ok, error) -> {
                if (error == null) {
                    unsentRetained.remove(topic, payload);
                    try {
                        listener.onRetainedDelivered(topic);
                    } catch (RuntimeException e) {
                        Logger.error(e, "MQTT: the delivery listener failed");
                    }
                } else {
                    Logger.debug("MQTT: publish to {} failed: {}", topic, LinkErrors.describe(error));
                }
            });
        } catch (WireException e) {
            Logger.debug("MQTT: publish to {} deferred: {}", topic, e.getMessage());
        }
    }

    private void flushEvents() {
        Wire w = connector.wire();
        unsentEvents.flush(w::connected, event -> w.publish(topics.events(), event, 1, false));
    }

    /** The link's part of its client's events: subscriptions, what waited to be sent, messages. */
    private final class Session implements Connector.Session {
        @Override
        public void connected(Wire w, String url) {
            subscribe(w);
            sendRetained(topics.online(), onlinePayload(true));
            unsentRetained.forEach(MqttLink.this::sendRetained);
            flushEvents();
            try {
                listener.onConnected(url, w.protocol());
            } catch (RuntimeException e) {
                Logger.error(e, "MQTT: the connection listener failed");
            }
        }

        @Override
        public void arrived(Wire.Message message) {
            try {
                if (message.topic().equals(topics.desired())) {
                    listener.onDesired(message.payload());
                } else if (message.topic().startsWith(topics.commandPrefix()) && commands != null) {
                    command(message.topic().substring(topics.commandPrefix().length()), message);
                }
            } catch (RuntimeException e) {
                // an exception here would make Paho drop the connection
                Logger.error(e, "MQTT: handling a message on {} failed", message.topic());
            }
        }

        @Override
        public void delivered() {
            // every delivery, log batches included (100 a second at 20,000 lines/s): a task only when events wait
            if (!unsentEvents.isEmpty()) {
                scheduler.execute(MqttLink.this::flushEvents);
            }
        }
    }

    private void command(String verb, Wire.Message message) {
        CommandEnvelope envelope = CommandEnvelope.of(message);
        Consumer<byte[]> reply = answer -> {
            if (envelope.replyTo() == null) {
                return;
            }
            try {
                connector.wire().answer(envelope.replyTo(), envelope.answer(answer), envelope.correlationData());
            } catch (WireException e) {
                Logger.warn("MQTT: cannot answer command '{}' on {}: {}", verb, envelope.replyTo(), e.getMessage());
            }
        };
        if (envelope.replyTo() == null) {
            Logger.warn("MQTT: command '{}' names no reply topic (MQTT 5 response topic, or \"replyTo\" in the "
                    + "body); it is carried out, the answer is not sent", verb);
        }
        Instant now = clock.instant();
        if (envelope.problem() != null) {
            Logger.info("remote command '{}' refused: {}", verb, envelope.problem());
            reply.accept(CommandEnvelope.refusal(envelope.problem()));
        } else if (envelope.expired(now)) {
            Logger.info("remote command '{}' not run: it expired at {}", verb, envelope.expiresAt());
            reply.accept(CommandEnvelope.refusal(envelope.expiredError(now)));
        } else {
            commands.onCommand(verb, message.payload(), reply);
        }
    }

    /** Announces offline, disconnects and releases the client. */
    @Override
    public void close() {
        connector.stop();
        Wire w = connector.wire();
        try {
            // unlike the will, a stop on purpose says since when: an operator tells the two apart
            if (w.connected()) {
                w.publish(topics.online(), onlinePayload(false, true), 1, true).get(2, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            Logger.debug("MQTT: offline announcement: {}", e.toString());
        }
        if (w.connected()) {
            w.disconnect(2000);
            w.close();
        } else {
            w.abandon(); // a connect under way too, or its threads stay
        }
    }
}
