package io.berth.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * The agent's recent events (PROTOCOL.md §5) for {@code berth events}: the last {@link #CAPACITY}
 * kept in memory for {@code --since}, and live listeners for a follow. Bounded: an event is a
 * few hundred bytes, so the ring holds well under 200 KiB.
 */
public final class EventLog {
    static final int CAPACITY = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Numbered(long seq, JsonNode event) {}

    private final Deque<Numbered> recent = new ArrayDeque<>(); // guarded by this
    private final Set<Consumer<Numbered>> listeners = new CopyOnWriteArraySet<>();
    private long seq; // guarded by this

    /** Records one published event (its JSON bytes, as sent on MQTT). */
    public void add(byte[] json) {
        JsonNode event;
        try {
            event = JSON.readTree(json);
        } catch (IOException e) {
            return; // not an event
        }
        Numbered numbered;
        synchronized (this) {
            if (recent.size() == CAPACITY) {
                recent.removeFirst();
            }
            numbered = new Numbered(++seq, event);
            recent.addLast(numbered);
        }
        for (Consumer<Numbered> listener : listeners) {
            listener.accept(numbered);
        }
    }

    /** The kept events at or after {@code since} (null: all kept), oldest first. */
    public synchronized List<JsonNode> since(Instant since) {
        List<JsonNode> list = new ArrayList<>();
        for (Numbered n : recent) {
            if (since == null || !timeOf(n.event()).isBefore(since)) {
                list.add(n.event());
            }
        }
        return list;
    }

    /**
     * The kept events since {@code since}, then every new one, to {@code listener}, until the
     * result is closed; none is lost or repeated between the two.
     */
    public AutoCloseable follow(Instant since, Consumer<JsonNode> listener) {
        List<JsonNode> kept;
        Consumer<Numbered> live;
        synchronized (this) {
            kept = since(since);
            long seen = seq;
            // an event recorded before this point but told to listeners after it is already in 'kept'
            live = n -> {
                if (n.seq() > seen) {
                    listener.accept(n.event());
                }
            };
            listeners.add(live);
        }
        kept.forEach(listener);
        return () -> listeners.remove(live);
    }

    private static Instant timeOf(JsonNode event) {
        try {
            return Instant.parse(event.path("time").asText());
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }
}
