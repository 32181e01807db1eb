package io.berth.link;

import java.util.concurrent.CompletableFuture;
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

/** The MQTT 5 client (Paho mqttv5). */
final class Wire5 implements Wire {
    private final java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
    private final MqttAsyncClient client;

    Wire5(String firstUrl, String clientId, Events events) throws WireException {
        try {
            // memory persistence: in-flight QoS 1 messages are not worth a write to flash
            // Paho's default pings and threads, its threads started without its 100 ms sleeps (PromptThreads)
            client = new MqttAsyncClient(firstUrl, clientId, new MemoryPersistence(),
                    new org.eclipse.paho.mqttv5.client.TimerPingSender(null), new PromptThreads());
        } catch (MqttException | IllegalArgumentException e) {
            throw wrap(e);
        }
        client.setCallback(new MqttCallback() {
            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                events.connected(serverURI);
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
                events.lost(response.getException(), response.getReasonString() != null ? response.getReasonString()
                        : "reason code " + response.getReturnCode());
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
                // a protocol error ends in disconnected, which reports it
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                MqttProperties p = message.getProperties();
                events.arrived(new Message(topic, message.getPayload(), p == null ? null : p.getResponseTopic(),
                        p == null ? null : p.getCorrelationData()));
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
                events.delivered();
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
                // no enhanced authentication
            }
        });
    }

    @Override
    public String protocol() {
        return V5;
    }

    @Override
    public CompletableFuture<String> connect(Connect how) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setServerURIs(how.urls());
        options.setCleanStart(!how.persistent());
        if (how.persistent()) {
            options.setSessionExpiryInterval(how.sessionExpirySeconds());
        }
        options.setAutomaticReconnect(false); // the link's own backoff has jitter; Paho's has none
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout(10);
        // said out loud, though 65535 is MQTT 5's default: without it Mosquitto keeps 20 QoS 1
        // messages in flight to this client and queues 1000 more, and drops the rest; a fleet
        // view subscribing to 1,000 devices' retained messages would get a fraction of them
        options.setReceiveMaximum(65535);
        if (how.maxPacketBytes() > 0) {
            options.setMaximumPacketSize(how.maxPacketBytes());
        }
        if (how.willTopic() != null) {
            options.setWill(how.willTopic(), new MqttMessage(how.will(), 1, true, new MqttProperties()));
        }
        if (how.username() != null) {
            options.setUserName(how.username());
        }
        if (how.password() != null) {
            options.setPassword(new String(how.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (how.sockets() != null) {
            options.setSocketFactory(how.sockets());
            options.setHttpsHostnameVerificationEnabled(true);
        }
        CompletableFuture<String> done = new CompletableFuture<>();
        try {
            client.connect(options, null, listener(done, client::getCurrentServerURI));
        } catch (MqttException | IllegalArgumentException e) {
            done.completeExceptionally(wrap(e));
        }
        return done;
    }

    @Override
    public CompletableFuture<Void> subscribe(String[] filters, int qos) throws WireException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        int[] qoss = new int[filters.length];
        java.util.Arrays.fill(qoss, qos);
        try {
            client.subscribe(filters, qoss, null, listener(done, () -> null, token -> refused(token, filters)));
        } catch (MqttException e) {
            throw wrap(e);
        }
        return done;
    }

    /**
     * A subscription the broker refused in its SUBACK (a NATS node that could not create its
     * JetStream consumer in time does so), which Paho's asynchronous client reports as a success.
     */
    private static WireException refused(IMqttToken token, String[] filters) {
        int[] codes = token.getReasonCodes();
        for (int i = 0; codes != null && i < codes.length; i++) {
            int c = codes[i];
            if (c >= 0x80) {
                String filter = i < filters.length ? filters[i] : String.join(",", filters);
                return new WireException("the broker refused the subscription to " + filter + " (SUBACK code "
                        + c + ")", c, null);
            }
        }
        return null;
    }

    @Override
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained)
            throws WireException {
        return send(topic, new MqttMessage(payload, qos, retained, new MqttProperties()));
    }

    @Override
    public CompletableFuture<Void> answer(String topic, byte[] payload, byte[] correlation) throws WireException {
        MqttProperties properties = new MqttProperties();
        if (correlation != null) {
            properties.setCorrelationData(correlation);
        }
        properties.setContentType("application/json");
        return send(topic, new MqttMessage(payload, 1, false, properties));
    }

    private CompletableFuture<Void> send(String topic, MqttMessage message) throws WireException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            client.publish(topic, message, null, listener(done, () -> null));
        } catch (MqttException e) {
            throw wrap(e);
        }
        return done;
    }

    @Override
    public boolean connected() {
        return client.isConnected();
    }

    @Override
    public void disconnect(long millis) {
        try {
            if (client.isConnected()) {
                client.disconnect(millis / 2).waitForCompletion(millis);
            }
        } catch (MqttException e) {
            // leaving anyway
        }
    }

    @Override
    public void abandon() {
        if (!abandoned.compareAndSet(false, true)) {
            return;
        }
        try {
            // the socket closed and the threads stopped (Paho 1.2.5 leaves a connect's token pending and
            // calls no listener: the link fails the attempt itself)
            client.disconnectForcibly(0, 1000, false);
        } catch (MqttException | RuntimeException e) {
            // not connected at all, or closed already: nothing to drop
        }
        close();
    }

    @Override
    public void close() {
        try {
            client.close(true);
        } catch (MqttException | RuntimeException e) {
            // leaving anyway
        }
    }

    private static <T> MqttActionListener listener(CompletableFuture<T> done, java.util.function.Supplier<T> value) {
        return listener(done, value, token -> null);
    }

    /** {@code refusal} turns a success Paho reports into the failure it is (a SUBACK's refusal codes), or null. */
    private static <T> MqttActionListener listener(CompletableFuture<T> done, java.util.function.Supplier<T> value,
                                                java.util.function.Function<IMqttToken, WireException> refusal) {
        return new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                WireException refused = refusal.apply(token);
                if (refused != null) {
                    done.completeExceptionally(refused);
                } else {
                    done.complete(value.get());
                }
            }

            @Override
            public void onFailure(IMqttToken token, Throwable error) {
                done.completeExceptionally(error instanceof MqttException e ? wrap(e) : error);
            }
        };
    }

    static WireException wrap(Exception e) {
        int code = e instanceof MqttException m ? m.getReasonCode() : 0;
        return new WireException(LinkErrors.describe(e), code, e);
    }
}
