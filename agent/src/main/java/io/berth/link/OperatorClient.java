package io.berth.link;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;

/**
 * An operator's view of one device, for {@code berth publish} and {@code berth watch}: publish
 * the desired document (retained), follow what the device reports, send it commands. One
 * {@link OperatorConnection} underneath: the broker list, MQTT 5 or else 3.1.1, a clean session
 * with a random client id; nothing is left behind on the broker but the retained document.
 */
public final class OperatorClient implements AutoCloseable {
    /** Which of the device's topics a message came from. */
    public enum Kind { DESIRED, REPORTED, ONLINE, EVENT }

    private final OperatorConnection connection;
    private final Topics topics;

    /** {@code urls}: one broker or a comma-separated list; no TLS files. */
    public OperatorClient(String urls, String username, char[] password, Topics topics) throws IOException {
        this(new OperatorConnection.Settings(OperatorConnection.Settings.splitUrls(urls), username, password,
                new TlsFiles.Settings(null, null, null)), topics);
    }

    public OperatorClient(OperatorConnection.Settings settings, Topics topics) throws IOException {
        this.connection = OperatorConnection.connect(settings);
        this.topics = topics;
    }

    /** The broker this client is connected to, and over which protocol: {@code tcp://…:1883 (MQTT 5)}. */
    public String broker() {
        return connection.serverUri();
    }

    /** Delivers every message of the device's desired, reported, online and events topics (retained ones first). */
    public void follow(BiConsumer<Kind, byte[]> onMessage, Runnable onLost) throws IOException {
        connection.onLost(onLost);
        for (String filter : new String[] {topics.desired(), topics.reported(), topics.online(), topics.events()}) {
            connection.subscribe(filter, (topic, payload) -> onMessage.accept(topic.equals(topics.desired())
                    ? Kind.DESIRED : topic.equals(topics.reported()) ? Kind.REPORTED
                    : topic.equals(topics.online()) ? Kind.ONLINE : Kind.EVENT, payload));
        }
    }

    /** Publishes the desired document, retained with QoS 1, and waits until the broker has it. */
    public void publishDesired(byte[] document) throws IOException {
        connection.publish(topics.desired(), document, true);
    }

    /**
     * Sends the device a command (PROTOCOL.md §7) and waits for its answer; the body gets
     * {@code "expiresAt"} (now + {@code timeout}) unless it has one, so a device that comes back
     * after that answers "expired" and does not run it.
     */
    public JsonNode command(String verb, ObjectNode body, Duration timeout) throws IOException {
        ObjectNode request = body.deepCopy();
        if (!request.has("expiresAt")) {
            request.put("expiresAt", Instant.now().plus(timeout).toString());
        }
        String replyTo = topics.commandPrefix().replace("/cmd/", "/reply/") + "op-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try {
            JsonNode answer = connection.request(topics.commandPrefix() + verb, request, replyTo, timeout);
            if (answer == null) {
                throw new IOException("no answer from " + topics.deviceId() + " to '" + verb + "' within "
                        + timeout.toSeconds() + " s: is the device online?");
            }
            return answer;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
