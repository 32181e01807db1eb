package io.berth.fleet.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.fleet.rollout.Documents.Retained;
import io.berth.link.OperatorConnection;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The rollouts on the broker, live: every record on {@code {p}/_fleet/rollouts/+}, the operators'
 * requests on {@code {p}/_fleet/rollouts/{id}/request} (pause, resume, abort: applied by the
 * driver that holds the lease), and the retained {@code desired} documents of the devices (their
 * revision and content hash, which tell a driver whether a publish was made). Listeners hear of
 * every record that changes (on the MQTT thread: return quickly).
 */
public final class RolloutStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An operator's request to the driver of a rollout. */
    public record Request(String action, boolean revert, String at) {}

    /** What the store needs of the broker (an {@link OperatorConnection}; a fake in tests). */
    interface Broker {
        void publish(String topic, byte[] payload, boolean retained) throws IOException;

        void subscribe(String filter, OperatorConnection.Handler handler) throws IOException;

        /** Waits for the connection to stand again after a loss; false when it did not in time. */
        default boolean awaitConnected(Duration timeout) throws InterruptedException {
            return false;
        }
    }

    private final Broker connection;
    private final String prefix;
    private final Map<String, Rollout> rollouts = new ConcurrentHashMap<>();
    private final Map<String, Request> requests = new ConcurrentHashMap<>();
    private final Map<String, Retained> desired = new ConcurrentHashMap<>();
    private final java.util.List<Consumer<Rollout>> listeners = new CopyOnWriteArrayList<>();
    private final java.util.List<Runnable> changes = new CopyOnWriteArrayList<>();
    /** Markers of {@link #attach} in flight, by the reserved id they were sent under. */
    private final Map<String, CountDownLatch> markers = new ConcurrentHashMap<>();
    private final Duration syncTimeout;
    private volatile boolean desiredDocuments;

    public RolloutStore(OperatorConnection connection, String prefix) {
        this(new Broker() {
            @Override
            public void publish(String topic, byte[] payload, boolean retained) throws IOException {
                connection.publish(topic, payload, retained);
            }

            @Override
            public void subscribe(String filter, OperatorConnection.Handler handler) throws IOException {
                connection.subscribe(filter, handler);
            }

            @Override
            public boolean awaitConnected(Duration timeout) throws InterruptedException {
                return connection.awaitConnected(timeout);
            }
        }, prefix, SYNC);
    }

    RolloutStore(Broker connection, String prefix, Duration syncTimeout) {
        this.connection = connection;
        this.prefix = prefix;
        this.syncTimeout = syncTimeout;
    }

    /** Waits for the broker connection to stand again after a loss; false when it did not within {@code timeout}. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return connection.awaitConnected(timeout);
    }

    /** How long {@link #attach} waits for the broker to hand over the retained messages. */
    static final Duration SYNC = Duration.ofSeconds(60);

    /**
     * Subscribes to the records and requests, and with {@code desiredDocuments} to the devices'
     * retained documents (a driver needs them; a listing does not), and waits until their retained
     * messages have arrived: a marker published on {@code …/_sync-…} after subscribing comes back
     * through each subscription after its retained messages (a broker delivers what one
     * subscription matches in order). A driver that decided on a partial view would publish a
     * revision a device already has; when the markers do not come back in time this fails.
     */
    public void attach(boolean desiredDocuments) throws IOException, InterruptedException {
        connection.subscribe(base() + "+", (topic, payload) -> {
            String id = topic.substring(base().length());
            if (marker(id)) {
                return;
            }
            if (payload.length == 0) {
                rollouts.remove(id);
            } else {
                try {
                    Rollout r = Rollout.fromJson(payload);
                    Rollout known = rollouts.get(id);
                    // the echo of an older write of our own must not step the record back
                    if (known == null || r.version() > known.version() || r.version() == known.version()
                            && !r.equals(known)) {
                        rollouts.put(id, r);
                        listeners.forEach(l -> l.accept(r));
                    }
                } catch (IOException e) {
                    System.err.println("berth: the rollout record " + topic + " is not readable: " + e.getMessage());
                }
            }
            changes.forEach(Runnable::run);
        });
        connection.subscribe(base() + "+/request", (topic, payload) -> {
            String id = topic.substring(base().length(), topic.length() - "/request".length());
            if (marker(id)) {
                return;
            }
            if (payload.length == 0) {
                requests.remove(id);
            } else {
                try {
                    requests.put(id, JSON.readValue(payload, Request.class));
                } catch (IOException e) {
                    requests.remove(id);
                }
            }
            changes.forEach(Runnable::run);
        });
        if (desiredDocuments) {
            connection.subscribe(prefix + "/+/desired", (topic, payload) -> {
                String id = topic.substring(prefix.length() + 1, topic.length() - "/desired".length());
                if (marker(id) || id.startsWith("_")) {
                    return;
                }
                try {
                    JsonNode doc = payload.length == 0 ? null : JSON.readTree(payload);
                    if (doc instanceof ObjectNode) {
                        desired.put(id, Retained.of(doc));
                    } else {
                        desired.remove(id);
                    }
                } catch (IOException e) {
                    desired.remove(id);
                }
                changes.forEach(Runnable::run);
            });
        }
        this.desiredDocuments = desiredDocuments;
        sync();
    }

    /**
     * Waits until the retained messages the subscriptions match have all arrived (again, after the
     * connection stood again: a clean session misses what was written while it was away).
     */
    public void sync() throws IOException, InterruptedException {
        String marker = "_sync-" + Long.toHexString(System.nanoTime()) + "-" + Integer.toHexString(
                System.identityHashCode(this));
        CountDownLatch back = new CountDownLatch(desiredDocuments ? 3 : 2);
        markers.put(marker, back);
        try {
            connection.publish(base() + marker, new byte[] {'1'}, false);
            connection.publish(base() + marker + "/request", new byte[] {'1'}, false);
            if (desiredDocuments) {
                connection.publish(prefix + "/" + marker + "/desired", new byte[] {'1'}, false);
            }
            if (!back.await(syncTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("the broker did not hand over the rollouts' retained records"
                        + (desiredDocuments ? " and the devices' desired documents" : "") + " within "
                        + syncTimeout.toSeconds() + " s: deciding on a partial view could publish a revision a "
                        + "device already has; try again, or check the broker's load");
            }
        } finally {
            markers.remove(marker);
        }
    }

    /** Whether {@code id} is a sync marker (counted down when it is one of ours). */
    private boolean marker(String id) {
        if (!id.startsWith("_sync-")) {
            return false;
        }
        CountDownLatch latch = markers.get(id);
        if (latch != null) {
            latch.countDown();
        }
        return true;
    }

    private String base() {
        return prefix + "/_fleet/rollouts/";
    }

    public Optional<Rollout> get(String id) {
        return Optional.ofNullable(rollouts.get(id));
    }

    /** Every rollout, by id. */
    public Map<String, Rollout> all() {
        return new TreeMap<>(rollouts);
    }

    public Optional<Request> request(String id) {
        return Optional.ofNullable(requests.get(id));
    }

    /** The retained desired documents, by device. */
    public Map<String, Retained> desired() {
        return Map.copyOf(desired);
    }

    /** Tells {@code listener} of every record that arrives. */
    public void addListener(Consumer<Rollout> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<Rollout> listener) {
        listeners.remove(listener);
    }

    /** Runs {@code action} on anything new: a record, a request, a device's document. */
    void onChange(Runnable action) {
        changes.add(action);
    }

    /**
     * Writes a record, retained, and waits until the broker has it; the store knows it at once,
     * unless a newer version came in meanwhile: records another driver wrote before the broker
     * took this one (this one was based on an older record, say a claim on a lease that another
     * driver had renewed). That newer record stays the store's latest, so the writer sees it and
     * does not drive on from what it had (docs/fleet.md, "Two drivers"). Of two writes of one
     * version, the one the broker took last stays, as the subscription's order has it.
     */
    public void write(Rollout r) throws IOException {
        connection.publish(base() + r.id(), r.toJson(), true);
        Rollout latest = rollouts.merge(r.id(), r, (known, mine) -> known.version() > mine.version() ? known : mine);
        if (latest == r) {
            listeners.forEach(l -> l.accept(r));
        }
    }

    /** Asks the driver of a rollout to pause, resume or abort it. */
    public void ask(String id, String action, boolean revert, Instant now) throws IOException {
        Request request = new Request(action, revert, now.toString());
        connection.publish(base() + id + "/request", JSON.writeValueAsBytes(request), true);
        requests.put(id, request);
    }

    /**
     * Clears a request that was applied, unless another one came meanwhile (that one stays, for the
     * driver's next turn). One that reaches the broker just before the clear is erased there, but
     * the broker has sent it here too, so this store still holds it and its driver applies it.
     */
    void clearRequest(String id, Request applied) throws IOException {
        if (!applied.equals(requests.get(id))) {
            return;
        }
        connection.publish(base() + id + "/request", new byte[0], true);
        requests.remove(id, applied);
    }

    /** Publishes a device's desired document, retained, and waits until the broker has it. */
    void publishDesired(String device, ObjectNode document) throws IOException {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        connection.publish(prefix + "/" + device + "/desired", bytes, true);
        desired.put(device, Retained.of(document));
    }
}
