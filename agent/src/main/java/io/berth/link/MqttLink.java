package io.berth.link;

import io.berth.support.Backoff;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The agent's one MQTT connection: MQTT 5, or 3.1.1 where the broker speaks nothing newer
 * ({@code mqtt.version}); to the first of the configured brokers that answers, again with
 * jittered backoff when it goes away. Announces online/offline, hands desired documents to a
 * listener, publishes reports (retained: the latest is kept and sent on reconnect) and events (a
 * bounded queue while away), and answers commands. Paho lives behind {@link Wire}.
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
    private static final Duration RECONNECT_BASE = Duration.ofSeconds(1);
    private static final Duration RECONNECT_CAP = Duration.ofSeconds(60);
    /**
     * A connection attempt without an answer this long is given up: Paho's own timeout covers the
     * TCP connection, not the CONNACK, and a broker node busy with a thousand sessions was seen
     * to leave one attempt unanswered for good (the device stayed "connecting" for 15 minutes).
     */
    private static final Duration CONNECT_DEADLINE = Duration.ofSeconds(60);

    private final Settings settings;
    private final ProtocolChoice protocols;
    private final String urlText;
    private final Topics topics;
    private final Listener listener;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private volatile Duration connectDeadline = CONNECT_DEADLINE;
    /** Attempts given up at their deadline (on the timer thread): the next one starts at another URL. */
    private volatile int givenUp;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final Map<String, byte[]> unsentRetained = new ConcurrentHashMap<>();
    private final EventQueue unsentEvents = new EventQueue(EVENT_QUEUE_LIMIT);
    private final AtomicInteger failures = new AtomicInteger();
    private volatile Wire wire;
    private volatile boolean closing;
    private volatile CommandHandler commands;
    private volatile Map<String, String> labels = Map.of();
    private volatile long lastPublishWarning = System.nanoTime() - 120_000_000_000L;
    private volatile String status = "connecting (first attempt)";
    private volatile String inUse;

    public MqttLink(Settings settings, Topics topics, Listener listener, ScheduledExecutorService scheduler,
                    Clock clock) throws IOException {
        if (settings.urls().isEmpty()) {
            throw new IOException("no broker URL: set mqtt.url");
        }
        this.settings = settings;
        this.protocols = new ProtocolChoice(settings.protocol(), settings.protocolFile());
        this.urlText = String.join(",", settings.urls());
        this.topics = topics;
        this.listener = listener;
        this.scheduler = scheduler;
        this.clock = clock;
        try {
            this.wire = openWire(protocols.first());
        } catch (WireException e) {
            throw new IOException("cannot set up the MQTT client for " + urlText + ": " + e.getMessage(), e);
        }
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
        connect();
    }

    public boolean connected() {
        return wire.connected();
    }

    /** A line for status output: connected to which broker over which protocol, or why not. */
    public String status() {
        return status;
    }

    /** Publishes a retained document; the latest one per topic is (re)sent once connected. */
    public void publishRetained(String topic, byte[] payload) {
        unsentRetained.put(topic, payload);
        if (wire.connected()) {
            sendRetained(topic, payload);
        }
    }

    /** Publishes one event (QoS 1, not retained); kept in a bounded queue while the broker is away. */
    public void publishEvent(byte[] payload) {
        unsentEvents.add(payload);
        if (wire.connected()) {
            flushEvents();
        }
    }

    /**
     * Publishes now if connected (logs: the caller keeps what could not be sent in its own
     * bounded buffer). Returns false, sending nothing, while the broker is away.
     */
    public boolean tryPublish(String topic, byte[] payload, int qos) {
        Wire w = wire;
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

    private void connect() {
        if (closing) {
            return;
        }
        Wire w = wire;
        javax.net.SocketFactory sockets = null;
        if (settings.urls().get(0).startsWith("ssl://")) {
            try {
                // built on every attempt, so fixed files are picked up without a restart
                sockets = TlsFiles.context(settings.tls()).getSocketFactory();
            } catch (TlsFiles.TlsSetupException e) {
                connectionFailed(e.getMessage());
                return;
            }
        }
        // after an attempt that was given up, the next one starts at the next broker: Paho starts at
        // the first URL every time, and a node that takes connections without answering stays so
        List<String> urls = new java.util.ArrayList<>(settings.urls());
        java.util.Collections.rotate(urls, -(givenUp % urls.size()));
        Wire.Connect how = new Wire.Connect(urls.toArray(String[]::new), true,
                settings.sessionExpiry().toSeconds(), settings.username(), settings.password(), sockets,
                topics.online(), onlinePayload(false), MAX_PACKET_BYTES);
        CompletableFuture<String> attempt = w.connect(how);
        attempt.whenComplete((url, error) -> {
            if (error != null) {
                failed(w, error);
            }
        });
        scheduler.schedule(() -> giveUp(w, attempt), connectDeadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * An attempt still unanswered at its deadline: its client is dropped first (an answer arriving
     * now finds it disconnecting), then replaced, and the attempt fails, which schedules the next.
     */
    private void giveUp(Wire w, CompletableFuture<String> attempt) {
        if (attempt.isDone() || w.connected() || wire != w || closing) {
            return;
        }
        Wire fresh;
        try {
            fresh = openWire(w.protocol());
        } catch (WireException e) {
            Logger.warn("MQTT: cannot set up a new client: {}", e.getMessage());
            return; // as the first one was set up with the same settings, not seen; the attempt stays as it is
        }
        w.abandon();
        wire = fresh;
        givenUp++;
        WireException unanswered = new WireException("no answer within " + connectDeadline.toSeconds()
                + " s (the broker took the connection but did not answer MQTT's CONNECT)", 0, null);
        if (!attempt.completeExceptionally(unanswered) && !attempt.isCompletedExceptionally()) {
            // answered in the very moment: that connection was just dropped, so the next attempt is due
            connectionFailed("the broker answered at the deadline; its connection was dropped");
        }
    }

    /** A client whose callbacks count only while it is the link's client. */
    private Wire openWire(String protocol) throws WireException {
        Events events = new Events();
        Wire w = Wire.open(protocol, settings.urls().get(0), topics.deviceId(), events);
        events.own = w;
        return w;
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
                if (error != null && w == wire && w.connected() && !closing) {
                    Logger.warn("MQTT: subscribing to {} failed: {}; asking again in 5 s", topics.desired(),
                            explain(error));
                    scheduler.schedule(() -> {
                        if (w == wire && w.connected() && !closing) {
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

    /** For tests: a shorter {@link #CONNECT_DEADLINE}. */
    void connectDeadline(Duration deadline) {
        this.connectDeadline = deadline;
    }

    private void failed(Wire w, Throwable error) {
        WireException refused = LinkErrors.find(error);
        if (protocols.fallsBackFrom(w.protocol()) && refused != null
                && refused.refusesProtocol() && !closing) {
            Logger.info("MQTT: {} refuses MQTT 5 ({}); using MQTT 3.1.1", urlText, refused.getMessage());
            try {
                wire = openWire(Wire.V311);
                w.close();
                scheduler.execute(this::connect);
                return;
            } catch (WireException e) {
                error = e;
            }
        }
        connectionFailed("cannot connect to " + urlText + ": " + explain(error));
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

    private void sendRetained(String topic, byte[] payload) {
        try {
            wire.publish(topic, payload, 1, true).whenComplete((ok, error) -> {
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
        Wire w = wire;
        unsentEvents.flush(w::connected, event -> w.publish(topics.events(), event, 1, false));
    }

    private final class Events implements Wire.Events {
        /** The client these events are of: a replaced one's late callbacks are dropped. */
        private volatile Wire own;

        @Override
        public void connected(String url) {
            if (own != wire) {
                return;
            }
            Wire w = wire;
            failures.set(0);
            inUse = url;
            status = "connected to " + url + " (MQTT " + w.protocol() + ")"
                    + (settings.urls().size() > 1 ? ", one of " + settings.urls().size() + " brokers" : "");
            Logger.info("MQTT: connected to {} (MQTT {})", url, w.protocol());
            protocols.worked(w.protocol());
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
        public void lost(Throwable cause, String reason) {
            if (closing || own != wire) {
                return;
            }
            String why = cause != null ? explain(cause) : reason != null ? reason : "no reason given";
            Logger.warn("MQTT: connection to {} lost: {}", inUse, why);
            connectionFailed("connection to " + inUse + " lost: " + why);
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
                wire.answer(envelope.replyTo(), envelope.answer(answer), envelope.correlationData());
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
        closing = true;
        Wire w = wire;
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

    String explain(Throwable error) {
        return LinkErrors.explain(error, urlText, settings.tls(), topics.deviceId());
    }
}
