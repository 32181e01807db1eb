package io.berth.link;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * An operator's view of one device, for {@code berth publish} and {@code berth watch}: publish
 * the desired document (retained), follow what the device reports, send it commands. A clean
 * session with a random client id; nothing is left behind on the broker but the retained
 * document. Like the agent it takes a comma-separated list of brokers (the first that answers
 * is used) and speaks MQTT 5, or 3.1.1 where the broker refuses 5.
 */
public final class OperatorClient implements AutoCloseable {
    /** Which of the device's topics a message came from. */
    public enum Kind { DESIRED, REPORTED, ONLINE, EVENT }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long WAIT_SECONDS = 15;

    private final Topics topics;
    private final String urls;
    private final String clientId;
    private final Map<String, BiConsumer<String, byte[]>> routes = new ConcurrentHashMap<>();
    private volatile Runnable onLost = () -> {};
    private final Wire wire;
    private final String connectedTo;

    public OperatorClient(String url, String username, char[] password, Topics topics) throws IOException {
        this(Arrays.stream(url.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList(), username, password,
                null, topics);
    }

    /** With a broker list and the TLS/mTLS files, as the agent takes them. */
    public OperatorClient(OperatorConnection.Settings settings, Topics topics) throws IOException {
        this(settings.urls(), settings.username(), settings.password(), OperatorConnection.sockets(settings), topics);
    }

    private OperatorClient(List<String> list, String username, char[] password, javax.net.SocketFactory sockets,
                           Topics topics) throws IOException {
        this.topics = topics;
        this.urls = String.join(",", list);
        this.clientId = "berth-cli-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        if (list.isEmpty()) {
            throw new IOException("no broker: give --broker URL[,URL…] or set BERTH_MQTT_URL");
        }
        Wire.Connect how = new Wire.Connect(list.toArray(String[]::new), false, 0, username, password, sockets, null,
                null, 0);
        Wire w = Wire.open(Wire.V5, list.get(0), clientId, new Events());
        String to;
        try {
            to = await(w.connect(how), "connect to");
        } catch (IOException e) {
            WireException refused = LinkErrors.find(e);
            w.close();
            if (refused == null || !refused.refusesProtocol()) {
                throw hint(e);
            }
            w = Wire.open(Wire.V311, list.get(0), clientId, new Events());
            try {
                to = await(w.connect(how), "connect to");
            } catch (IOException again) {
                w.close();
                throw hint(again);
            }
        }
        this.wire = w;
        this.connectedTo = to;
    }

    private IOException hint(IOException e) {
        return new IOException("cannot connect to the broker at " + urls + ": " + LinkErrors.explain(e, urls, null,
                clientId) + "; check --broker / BERTH_MQTT_URL and BERTH_MQTT_USERNAME / BERTH_MQTT_PASSWORD", e);
    }

    /** The broker this client is connected to, and over which protocol: {@code tcp://…:1883 (MQTT 5)}. */
    public String broker() {
        return connectedTo + " (MQTT " + wire.protocol() + ")";
    }

    /** Delivers every message of the device's desired, reported, online and events topics (retained ones first). */
    public void follow(BiConsumer<Kind, byte[]> onMessage, Runnable onLost) throws IOException {
        this.onLost = onLost;
        String[] filters = {topics.desired(), topics.reported(), topics.online(), topics.events()};
        for (String filter : filters) {
            routes.put(filter, (topic, payload) -> onMessage.accept(topic.equals(topics.desired()) ? Kind.DESIRED
                    : topic.equals(topics.reported()) ? Kind.REPORTED : topic.equals(topics.online()) ? Kind.ONLINE
                    : Kind.EVENT, payload));
        }
        try {
            await(wire.subscribe(filters, 1), "subscribe on");
        } catch (IOException e) {
            throw new IOException("cannot subscribe to the device's topics on " + connectedTo + ": " + e.getMessage(), e);
        }
    }

    /** Publishes the desired document, retained with QoS 1, and waits until the broker has it. */
    public void publishDesired(byte[] document) throws IOException {
        try {
            await(wire.publish(topics.desired(), document, 1, true), "publish on");
        } catch (IOException e) {
            throw new IOException("cannot publish to " + topics.desired() + " on " + connectedTo + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Sends the device a command (PROTOCOL.md §7) and waits for its answer. The body gets
     * {@code "replyTo"}, {@code "correlation"} and {@code "expiresAt"} (now + {@code timeout}),
     * so the same request works over both protocols; a device that comes back after it expired
     * answers "expired" and does not run it.
     */
    public JsonNode command(String verb, ObjectNode body, Duration timeout) throws IOException {
        String correlation = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        String replyTo = topics.commandPrefix().replace("/cmd/", "/reply/") + clientId + "-" + correlation;
        ObjectNode request = body.deepCopy().put("replyTo", replyTo).put("correlation", correlation);
        if (!request.has("expiresAt")) {
            request.put("expiresAt", Instant.now().plus(timeout).toString());
        }
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        routes.put(replyTo, (topic, payload) -> answer.complete(payload));
        try {
            await(wire.subscribe(new String[] {replyTo}, 1), "subscribe on");
            await(wire.publish(topics.commandPrefix() + verb, JSON.writeValueAsBytes(request), 1, false), "publish on");
            return JSON.readTree(answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            throw new IOException("no answer from " + topics.deviceId() + " to '" + verb + "' within "
                    + timeout.toSeconds() + " s: is the device online?");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } finally {
            routes.remove(replyTo);
        }
    }

    private static <T> T await(CompletableFuture<T> future, String what) throws IOException {
        try {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof WireException w ? w : new IOException(LinkErrors.describe(e.getCause()),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the broker did not answer within " + WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private final class Events implements Wire.Events {
        @Override
        public void connected(String url) {
            // connected in the constructor
        }

        @Override
        public void lost(Throwable cause, String reason) {
            onLost.run();
        }

        @Override
        public void arrived(Wire.Message message) {
            BiConsumer<String, byte[]> route = routes.get(message.topic());
            if (route != null) {
                route.accept(message.topic(), message.payload());
            }
        }

        @Override
        public void delivered() {
            // publish waits for its own acknowledgement
        }
    }

    @Override
    public void close() {
        Wire w = wire;
        w.disconnect(2000);
        w.close();
    }
}
