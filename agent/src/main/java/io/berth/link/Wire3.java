package io.berth.link;

import java.util.concurrent.CompletableFuture;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The MQTT 3.1.1 client (Paho mqttv3), for brokers that speak nothing newer. 3.1.1 has no message
 * properties: a command's reply route travels in its body (PROTOCOL.md §7), and there is no
 * maximum packet size to announce: the broker's own limit is what keeps a huge message away.
 */
final class Wire3 implements Wire {
    private final java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
    private final MqttAsyncClient client;

    Wire3(String firstUrl, String clientId, Events events) throws WireException {
        try {
            // Paho's default pings and threads, its threads started without its 100 ms sleeps (PromptThreads)
            client = new MqttAsyncClient(firstUrl, clientId, new MemoryPersistence(),
                    new org.eclipse.paho.client.mqttv3.TimerPingSender(), new PromptThreads());
        } catch (MqttException | IllegalArgumentException e) {
            throw wrap(e);
        }
        client.setCallback(new MqttCallbackExtended() {
            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                events.connected(serverURI);
            }

            @Override
            public void connectionLost(Throwable cause) {
                events.lost(cause, null);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                events.arrived(new Message(topic, message.getPayload(), null, null));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                events.delivered();
            }
        });
    }

    @Override
    public String protocol() {
        return V311;
    }

    @Override
    public CompletableFuture<String> connect(Connect how) {
        MqttConnectOptions options = new MqttConnectOptions();
        CompletableFuture<String> done = new CompletableFuture<>();
        try {
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setServerURIs(how.urls());
            options.setCleanSession(!how.persistent());
            options.setAutomaticReconnect(false);
            options.setKeepAliveInterval(30);
            options.setConnectionTimeout(10);
            if (how.willTopic() != null) {
                options.setWill(how.willTopic(), how.will(), 1, true);
            }
            if (how.username() != null) {
                options.setUserName(how.username());
            }
            if (how.password() != null) {
                options.setPassword(how.password().clone());
            }
            if (how.sockets() != null) {
                options.setSocketFactory(how.sockets());
                options.setHttpsHostnameVerificationEnabled(true);
            }
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
        int[] codes = token.getGrantedQos();
        for (int i = 0; codes != null && i < codes.length; i++) {
            int c = codes[i];
            if (c == 0x80) {
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
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            client.publish(topic, payload, qos, retained, null, listener(done, () -> null));
        } catch (MqttException e) {
            throw wrap(e);
        }
        return done;
    }

    @Override
    public CompletableFuture<Void> answer(String topic, byte[] payload, byte[] correlation) throws WireException {
        return publish(topic, payload, 1, false); // the correlation is in the body
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

    private static <T> IMqttActionListener listener(CompletableFuture<T> done, java.util.function.Supplier<T> value) {
        return listener(done, value, token -> null);
    }

    /** {@code refusal} turns a success Paho reports into the failure it is (a SUBACK's refusal codes), or null. */
    private static <T> IMqttActionListener listener(CompletableFuture<T> done, java.util.function.Supplier<T> value,
                                                java.util.function.Function<IMqttToken, WireException> refusal) {
        return new IMqttActionListener() {
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
