package io.berth.link;

import java.util.concurrent.CompletableFuture;
import javax.net.SocketFactory;

/**
 * One Paho client behind the link, MQTT 5 ({@link Wire5}) or 3.1.1 ({@link Wire3}): what the
 * agent's link and the operator client need of MQTT, nothing more. Only the implementation in use
 * is loaded, so a device on an MQTT 5 broker never loads the 3.1.1 client's classes (and the
 * other way round).
 */
interface Wire {
    /** MQTT 5. */
    String V5 = "5";
    /** MQTT 3.1.1. */
    String V311 = "3.1.1";

    /**
     * What a connection needs. {@code urls}: tried in order, the first that answers is used.
     * {@code persistent}: keep the session (and the QoS 1 messages queued for it) across
     * connections; {@code sessionExpirySeconds} is MQTT 5 only (3.1.1 sessions last until the
     * broker drops them). {@code maxPacketBytes}: MQTT 5 only, the broker sends nothing bigger.
     */
    record Connect(String[] urls, boolean persistent, long sessionExpirySeconds, String username, char[] password,
                   SocketFactory sockets, String willTopic, byte[] will, long maxPacketBytes) {}

    /** A message that arrived; {@code responseTopic} and {@code correlation} are MQTT 5 properties (else null). */
    record Message(String topic, byte[] payload, String responseTopic, byte[] correlation) {}

    /** What the client tells; called on Paho's threads: return quickly, never throw. */
    interface Events {
        void connected(String url);

        /** The connection broke; {@code cause} may be null, {@code reason} says what the broker said, if anything. */
        void lost(Throwable cause, String reason);

        void arrived(Message message);

        void delivered();
    }

    /** The protocol this client speaks: {@link #V5} or {@link #V311}. */
    String protocol();

    /** Completes with the URL connected to, or exceptionally with a {@link WireException} (or its cause). */
    CompletableFuture<String> connect(Connect how);

    CompletableFuture<Void> subscribe(String[] filters, int qos) throws WireException;

    /** Throws at once when the message cannot be taken now (not connected, in-flight window full). */
    CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained) throws WireException;

    /** A command's answer: on MQTT 5 with the correlation data as a property, too. */
    CompletableFuture<Void> answer(String topic, byte[] payload, byte[] correlation) throws WireException;

    boolean connected();

    /** Disconnects cleanly (the will is not sent), waiting at most {@code millis}. */
    void disconnect(long millis);

    /** Releases the client's threads. */
    void close();

    /** Drops the connection in whatever state it is (a connect under way included), then releases the client. */
    void abandon();

    /** A client of the given protocol. {@code firstUrl} only names it; {@link Connect#urls} are what is tried. */
    static Wire open(String protocol, String firstUrl, String clientId, Events events) throws WireException {
        return V311.equals(protocol) ? new Wire3(firstUrl, clientId, events) : new Wire5(firstUrl, clientId, events);
    }
}
