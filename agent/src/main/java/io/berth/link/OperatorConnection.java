package io.berth.link;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.support.Backoff;
import java.io.IOException;
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
import java.util.random.RandomGenerator;
import javax.net.SocketFactory;

/**
 * An operator tool's MQTT connection (fleet verbs, {@code logs --device}, {@code cmd}, the
 * console): the broker list, login and TLS/mTLS files as the agent takes them, MQTT 5 or else
 * 3.1.1 (the {@link Wire} the agent's link uses), topic filters with handlers, blocking QoS 1
 * publishes, and commands with the §7 envelope in the body (works on both protocols). A clean
 * session with a random client id; when the connection breaks it reconnects with jittered
 * backoff and subscribes again (retained messages come again then, which level-based views
 * want). Handlers run on Paho's thread: return quickly.
 */
public final class OperatorConnection implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long WAIT_SECONDS = 15;

    /** Where the broker is and how to log in. {@code urls}: one or more {@code tcp://}/{@code ssl://} URLs. */
    public record Settings(List<String> urls, String username, char[] password, TlsFiles.Settings tls) {
        public Settings {
            urls = List.copyOf(urls);
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("no broker URL: give --broker URL[,URL…] or set BERTH_MQTT_URL");
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

        @Override
        public String toString() {
            return "Settings[" + urls + ", " + username + ", ***, " + tls + "]";
        }
    }

    /** A message on a subscribed filter; {@code payload} is empty for a cleared retained message. */
    public interface Handler {
        void onMessage(String topic, byte[] payload);
    }

    private record Subscription(String filter, Handler handler) {}

    private final Settings settings;
    private final String clientId;
    private final Wire.Connect how;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    private final RandomGenerator random = RandomGenerator.getDefault();
    private volatile Wire wire;
    private final java.util.concurrent.atomic.AtomicBoolean reconnecting = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile String connectedTo;
    private volatile boolean closed;
    private volatile Runnable onLost = () -> { };

    private OperatorConnection(Settings settings) throws IOException {
        this.settings = settings;
        this.clientId = "berth-op-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        this.how = new Wire.Connect(settings.urls().toArray(String[]::new), false, 0, settings.username(),
                settings.password(), sockets(settings), null, null, 0);
    }

    /** Connects to the first broker of the list that answers, over MQTT 5, or 3.1.1 where 5 is refused. */
    public static OperatorConnection connect(Settings settings) throws IOException {
        OperatorConnection c = new OperatorConnection(settings);
        c.open();
        return c;
    }

    /** The TLS socket factory for {@code ssl://} URLs (CA, client certificate and key), null for {@code tcp://}. */
    public static SocketFactory sockets(Settings settings) throws TlsFiles.TlsSetupException {
        return settings.urls().stream().anyMatch(u -> u.startsWith("ssl://"))
                ? TlsFiles.context(settings.tls()).getSocketFactory() : null;
    }

    private void open() throws IOException {
        String urls = String.join(",", settings.urls());
        Wire w = Wire.open(Wire.V5, settings.urls().get(0), clientId, new Events());
        try {
            connectedTo = await(w.connect(how), "connect to");
        } catch (IOException e) {
            WireException refused = LinkErrors.find(e);
            w.abandon();
            if (refused == null || !refused.refusesProtocol()) {
                throw hint(e, urls);
            }
            w = Wire.open(Wire.V311, settings.urls().get(0), clientId, new Events());
            try {
                connectedTo = await(w.connect(how), "connect to");
            } catch (IOException again) {
                w.abandon();
                throw hint(again, urls);
            }
        }
        wire = w;
    }

    private IOException hint(IOException e, String urls) {
        return new IOException("cannot connect to the broker at " + urls + ": " + LinkErrors.explain(e, urls,
                settings.tls(), clientId) + "; check --broker / BERTH_MQTT_URL, BERTH_MQTT_USERNAME / "
                + "BERTH_MQTT_PASSWORD and the TLS files", e);
    }

    /**
     * Waits until the connection stands again after a loss (it reconnects by itself, to any broker
     * of its list, and subscribes again); false when it did not within {@code timeout}, or is closed.
     */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!closed) {
            Wire w = wire;
            if (w != null && w.connected() && !reconnecting.get()) {
                return true;
            }
            if (System.nanoTime() - end >= 0) {
                return false;
            }
            Thread.sleep(100); // an operator's tool, waiting seconds at most: no need for a signal
        }
        return false;
    }

    /** Called (once per loss) when the connection drops; it reconnects by itself meanwhile. */
    public void onLost(Runnable action) {
        this.onLost = action;
    }

    /** The broker in use and the protocol: {@code tcp://127.0.0.1:1883 (MQTT 5)}. */
    public String serverUri() {
        return connectedTo + " (MQTT " + wire.protocol() + ")";
    }

    /** Subscribes to a filter ({@code +} and {@code #} allowed) with QoS 1; retained messages arrive first. */
    public void subscribe(String filter, Handler handler) throws IOException {
        subscriptions.add(new Subscription(filter, handler));
        try {
            for (int refusals = 0; ; refusals++) {
                try {
                    await(wire.subscribe(new String[] {filter}, 1), "subscribe on");
                    break;
                } catch (WireException e) {
                    // refused in the SUBACK (a NATS node that could not create the subscription's consumer
                    // in time): asked again twice, a second apart
                    if (e.reasonCode() < 0x80 || refusals == 2) {
                        throw e;
                    }
                    Thread.sleep(1000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            subscriptions.removeIf(s -> s.filter().equals(filter) && s.handler() == handler);
            throw new IOException("interrupted while subscribing to " + filter);
        } catch (IOException e) {
            subscriptions.removeIf(s -> s.filter().equals(filter) && s.handler() == handler);
            throw new IOException("cannot subscribe to " + filter + " on " + connectedTo + ": " + e.getMessage(), e);
        }
    }

    /** Publishes and waits until the broker has it (QoS 1). */
    public void publish(String topic, byte[] payload, boolean retained) throws IOException {
        try {
            await(wire.publish(topic, payload, 1, retained), "publish on");
        } catch (IOException e) {
            throw new IOException("cannot publish to " + topic + " on " + connectedTo + ": " + e.getMessage(), e);
        }
    }

    /**
     * A command (PROTOCOL.md §7): {@code body} (already carrying {@code device}, {@code expiresAt}
     * and any signature) gets {@code "replyTo"} and {@code "correlation"}, so it works over both
     * protocols; the answer is the message on {@code replyTo} that repeats the correlation.
     *
     * @return the answer, or null when none came within {@code timeout}
     */
    public JsonNode request(String topic, ObjectNode body, String replyTo, Duration timeout)
            throws IOException, InterruptedException {
        String correlation = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        pending.put(correlation, answer);
        try {
            if (subscriptions.stream().noneMatch(s -> s.filter().equals(replyTo))) {
                subscribe(replyTo, (t, payload) -> { });
            }
            ObjectNode request = body.deepCopy().put("replyTo", replyTo).put("correlation", correlation);
            publish(topic, JSON.writeValueAsBytes(request), false);
            return JSON.readTree(answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
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

    private static <T> T await(CompletableFuture<T> future, String what) throws IOException {
        try {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof WireException w ? w : new IOException(LinkErrors.describe(e.getCause()),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the broker did not answer within " + WAIT_SECONDS + " s to " + what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Connects again after a loss, with jittered backoff, and subscribes again; on a thread of its own, one at a time. */
    private void reconnect() {
        if (!reconnecting.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                for (int attempt = 1; !closed; attempt++) {
                    try {
                        Thread.sleep(Backoff.delay(attempt, Duration.ofSeconds(1), Duration.ofSeconds(30), random)
                                .toMillis());
                        Wire w = wire;
                        connectedTo = await(w.connect(how), "connect to");
                        String[] filters = subscriptions.stream().map(Subscription::filter).distinct()
                                .toArray(String[]::new);
                        if (filters.length > 0) {
                            await(w.subscribe(filters, 1), "subscribe on");
                        }
                        if (closed) {
                            w.abandon(); // closed meanwhile: this connection is nobody's
                        }
                        return;
                    } catch (IOException e) {
                        // the next attempt on a new client: one whose CONNECT went unanswered stays
                        // "connecting", one that connected late refuses to connect again
                        Wire stale = wire;
                        try {
                            wire = Wire.open(stale.protocol(), settings.urls().get(0), clientId, new Events());
                            stale.abandon();
                        } catch (WireException notNew) {
                            // the same client once more
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                reconnecting.set(false);
            }
            if (!closed && !wire.connected()) {
                reconnect(); // lost again before this thread ended: its loss found it still running
            }
        }, "berth-op-reconnect");
        t.setDaemon(true);
        t.start();
    }

    private final class Events implements Wire.Events {
        @Override
        public void connected(String url) {
            // connect() and reconnect() take it from there
        }

        @Override
        public void lost(Throwable cause, String reason) {
            if (closed) {
                return;
            }
            onLost.run();
            reconnect();
        }

        @Override
        public void arrived(Wire.Message message) {
            byte[] payload = message.payload() == null ? new byte[0] : message.payload();
            if (!pending.isEmpty() && payload.length > 0) {
                try {
                    JsonNode answer = JSON.readTree(payload);
                    CompletableFuture<byte[]> waiting = answer == null ? null
                            : pending.get(answer.path("correlation").asText(""));
                    if (waiting != null) {
                        waiting.complete(payload);
                        return;
                    }
                } catch (IOException e) {
                    // not an answer
                }
            }
            for (Subscription s : subscriptions) {
                if (matches(s.filter(), message.topic())) {
                    try {
                        s.handler().onMessage(message.topic(), payload);
                    } catch (RuntimeException e) {
                        // a handler's bug must not drop the connection
                        System.err.println("berth: handling " + message.topic() + " failed: " + e);
                    }
                }
            }
        }

        @Override
        public void delivered() {
            // publish waits for its own acknowledgement
        }
    }

    @Override
    public void close() {
        closed = true;
        Wire w = wire;
        if (w != null && w.connected()) {
            w.disconnect(2000);
            w.close();
        } else if (w != null) {
            w.abandon(); // a connect under way too
        }
    }
}
