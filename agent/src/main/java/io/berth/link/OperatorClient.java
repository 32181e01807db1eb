package io.berth.link;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * An operator's view of one device, for {@code berth publish} and {@code berth watch}: publish
 * the desired document (retained), follow what the device reports. A clean session with a
 * random client id; nothing is left behind on the broker but the retained document.
 */
public final class OperatorClient implements AutoCloseable {
    /** Which of the device's topics a message came from. */
    public enum Kind { DESIRED, REPORTED, ONLINE, EVENT }

    private final MqttClient client;
    private final Topics topics;
    private final String url;

    public OperatorClient(String url, String username, char[] password, Topics topics) throws IOException {
        this(new OperatorConnection.Settings(OperatorConnection.Settings.splitUrls(url), username, password,
                new TlsFiles.Settings(null, null, null)), topics);
    }

    /** With a broker list and TLS/mTLS files, as the agent takes them. */
    public OperatorClient(OperatorConnection.Settings settings, Topics topics) throws IOException {
        this.topics = topics;
        this.url = String.join(",", settings.urls());
        String username = settings.username();
        char[] password = settings.password();
        try {
            client = new MqttClient(settings.urls().get(0), "berth-cli-"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()), new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setServerURIs(settings.urls().toArray(new String[0]));
            if (settings.urls().stream().anyMatch(u -> u.startsWith("ssl://"))) {
                options.setSocketFactory(TlsFiles.context(settings.tls()).getSocketFactory());
                options.setHttpsHostnameVerificationEnabled(true);
            }
            options.setCleanStart(true);
            options.setConnectionTimeout(10);
            options.setAutomaticReconnect(false);
            if (username != null) {
                options.setUserName(username);
            }
            if (password != null) {
                options.setPassword(new String(password).getBytes(StandardCharsets.UTF_8));
            }
            client.connect(options);
        } catch (MqttException e) {
            throw new IOException("cannot connect to the broker at " + url + ": " + describe(e)
                    + "; check --broker / BERTH_MQTT_URL and BERTH_MQTT_USERNAME / BERTH_MQTT_PASSWORD", e);
        }
    }

    /** Delivers every message of the device's desired, reported, online and events topics (retained ones first). */
    public void follow(BiConsumer<Kind, byte[]> onMessage, Runnable onLost) throws IOException {
        client.setCallback(new MqttCallback() {
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
                Kind kind = topic.equals(topics.desired()) ? Kind.DESIRED : topic.equals(topics.reported())
                        ? Kind.REPORTED : topic.equals(topics.online()) ? Kind.ONLINE : Kind.EVENT;
                onMessage.accept(kind, message.getPayload());
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
                // publish waits for its own token
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                // connected in the constructor
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
                // no enhanced auth
            }
        });
        try {
            client.subscribe(new String[] {topics.desired(), topics.reported(), topics.online(), topics.events()},
                    new int[] {1, 1, 1, 1});
        } catch (MqttException e) {
            throw new IOException("cannot subscribe to the device's topics on " + url + ": " + describe(e), e);
        }
    }

    /** Publishes the desired document, retained with QoS 1, and waits until the broker has it. */
    public void publishDesired(byte[] document) throws IOException {
        try {
            client.publish(topics.desired(), document, 1, true);
        } catch (MqttException e) {
            throw new IOException("cannot publish to " + topics.desired() + " on " + url + ": " + describe(e), e);
        }
    }

    private static String describe(MqttException e) {
        Throwable cause = e.getCause();
        return e.getMessage() + (cause != null && cause.getMessage() != null ? " (" + cause.getMessage() + ")" : "");
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(2000);
            }
            client.close();
        } catch (MqttException e) {
            // leaving anyway
        }
    }
}
