package io.berth.link;

import io.berth.support.Backoff;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The connection attempts of {@link MqttLink}'s one client, and that client: connects to the
 * first broker of the list that answers, gives an attempt up when the broker never answers its
 * CONNECT, falls back from MQTT 5 to 3.1.1 where {@code auto} allows, retries with jittered backoff
 * when an attempt fails or the connection is lost, and keeps the status line. A replaced client's
 * late callbacks do not count. Runs on the agent's timer ({@code scheduler}) and Paho's callback
 * threads; the link publishes on {@link #wire()} and does its part of a connection in
 * {@link Session}.
 */
final class Connector {

    /** What the link does on its client's events; called on Paho's threads, return quickly. */
    interface Session {
        /** {@code w}, the link's client, connected to {@code url}; the attempt's bookkeeping is done. */
        void connected(Wire w, String url);

        void arrived(Wire.Message message);

        void delivered();
    }

    private static final Duration RECONNECT_BASE = Duration.ofSeconds(1);
    private static final Duration RECONNECT_CAP = Duration.ofSeconds(60);
    /**
     * A connection attempt without an answer this long is given up: Paho's own timeout covers the
     * TCP connection, not the CONNACK, and a broker node busy with a thousand sessions was seen
     * to leave one attempt unanswered for good (the device stayed "connecting" for 15 minutes).
     */
    private static final Duration CONNECT_DEADLINE = Duration.ofSeconds(60);

    private final MqttLink.Settings settings;
    private final ProtocolChoice protocols;
    private final String urlText;
    private final Topics topics;
    /** The will: the retained {@code online} message's offline, built on every attempt. */
    private final Supplier<byte[]> will;
    private final Session session;
    private final ScheduledExecutorService scheduler;
    private volatile Duration connectDeadline = CONNECT_DEADLINE;
    /** Attempts given up at their deadline (on the timer thread): the next one starts at another URL. */
    private volatile int givenUp;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile Wire wire;
    private volatile boolean closing;
    private volatile String status = "connecting (first attempt)";
    private volatile String inUse;

    Connector(MqttLink.Settings settings, Topics topics, Supplier<byte[]> will, Session session,
              ScheduledExecutorService scheduler) throws IOException {
        this.settings = settings;
        this.protocols = new ProtocolChoice(settings.protocol(), settings.protocolFile());
        this.urlText = String.join(",", settings.urls());
        this.topics = topics;
        this.will = will;
        this.session = session;
        this.scheduler = scheduler;
        try {
            this.wire = openWire(protocols.first());
        } catch (WireException e) {
            throw new IOException("cannot set up the MQTT client for " + urlText + ": " + e.getMessage(), e);
        }
    }

    /** The link's client now: replaced after an attempt given up or refused MQTT 5. */
    Wire wire() {
        return wire;
    }

    /** A line for status output: connected to which broker over which protocol, or why not. */
    String status() {
        return status;
    }

    /** Whether {@code w} is still the link's client, connected, and the link not closing. */
    boolean current(Wire w) {
        return w == wire && w.connected() && !closing;
    }

    /** No attempt from now on, and no callback counts: the link is closing its client. */
    void stop() {
        closing = true;
    }

    /** For tests: a shorter {@link #CONNECT_DEADLINE}. */
    void connectDeadline(Duration deadline) {
        this.connectDeadline = deadline;
    }

    void connect() {
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
                topics.online(), will.get(), MqttLink.MAX_PACKET_BYTES);
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

    String explain(Throwable error) {
        return LinkErrors.explain(error, urlText, settings.tls(), topics.deviceId());
    }

    /** One client's events: the attempt's bookkeeping, then the link's {@link Session}. */
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
            session.connected(w, url);
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
            session.arrived(message);
        }

        @Override
        public void delivered() {
            session.delivered();
        }
    }
}
