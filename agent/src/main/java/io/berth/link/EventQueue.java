package io.berth.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Events waiting for the broker (PROTOCOL.md §5): a bounded queue, sent in order; when it is full
 * the oldest are dropped, and the first event sent afterwards carries {@code "dropped": N}.
 */
final class EventQueue {
    /** Sends one event; throws when the client cannot take it now (the rest waits for the next flush). */
    interface Sender {
        void send(byte[] event) throws WireException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final int limit;
    private final Deque<byte[]> events = new ArrayDeque<>();
    private final AtomicLong dropped = new AtomicLong();

    EventQueue(int limit) {
        this.limit = limit;
    }

    void add(byte[] event) {
        synchronized (events) {
            if (events.size() >= limit) {
                events.removeFirst();
                dropped.incrementAndGet();
            }
            events.addLast(event);
        }
    }

    /** Nothing waits (a delivery then has nothing to retry). */
    boolean isEmpty() {
        synchronized (events) {
            return events.isEmpty();
        }
    }

    /** Dropped while the queue was full, not yet announced. */
    long dropped() {
        return dropped.get();
    }

    /** Sends queued events in order while {@code connected}; one flusher at a time, so none goes out twice. */
    void flush(BooleanSupplier connected, Sender sender) {
        synchronized (events) {
            while (connected.getAsBoolean() && !events.isEmpty()) {
                long lost = dropped.get();
                byte[] next = lost > 0 ? withDropped(events.peekFirst(), lost) : events.peekFirst();
                try {
                    sender.send(next);
                } catch (WireException e) {
                    // in-flight window full or connection lost: the rest goes on the next delivery or connect
                    return;
                }
                events.removeFirst();
                dropped.addAndGet(-lost);
            }
        }
    }

    private static byte[] withDropped(byte[] event, long lost) {
        try {
            ObjectNode node = (ObjectNode) JSON.readTree(event);
            node.put("dropped", lost);
            return JSON.writeValueAsBytes(node);
        } catch (IOException | ClassCastException e) {
            return event;
        }
    }
}
