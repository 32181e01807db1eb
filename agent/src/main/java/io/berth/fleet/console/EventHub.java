package io.berth.fleet.console;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Server-sent events to the open pages. Each page has a queue bounded in bytes
 * ({@link #QUEUE_BYTES}) and in messages ({@link #QUEUE}); a device's or a rollout's newer state
 * replaces its older one still queued (the page only needs the latest). A page that does not
 * keep up loses its queue and is told to reload ({@code resync}), so one slow browser never
 * holds memory or the MQTT thread. At most {@link #MAX_CLIENTS} pages at once.
 */
final class EventHub {
    static final int MAX_CLIENTS = 16;
    static final int QUEUE = 512;
    static final long QUEUE_BYTES = 4L << 20;
    static final String RESYNC = "event: resync\ndata: {}\n\n";
    private static final long KEEPALIVE_SECONDS = 15;

    /** One open page: what it wants ({@code filter} on the event name) and its queue. */
    static final class Client {
        final Predicate<String> filter;
        private final Map<Object, String> queue = new LinkedHashMap<>();
        private long bytes;
        private long seq;
        private boolean overflowed;

        Client(Predicate<String> filter) {
            this.filter = filter;
        }

        /** Queues a frame; one with the same non-null {@code key} still queued is replaced. */
        synchronized void offer(String key, String frame) {
            Object k = key == null ? Long.valueOf(seq++) : key;
            String old = queue.remove(k);
            if (old != null) {
                bytes -= old.length();
            }
            if (overflowed || bytes + frame.length() > QUEUE_BYTES || queue.size() >= QUEUE) {
                queue.clear();
                bytes = 0;
                overflowed = true;
            } else {
                queue.put(k, frame);
                bytes += frame.length();
            }
            notifyAll();
        }

        /** The next frame ({@link #RESYNC} after an overflow), or null after {@code millis} without one. */
        synchronized String take(long millis) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (!overflowed && queue.isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                wait(left);
            }
            if (overflowed) {
                overflowed = false;
                return RESYNC;
            }
            Iterator<String> it = queue.values().iterator();
            String frame = it.next();
            it.remove();
            bytes -= frame.length();
            return frame;
        }

        synchronized long queuedChars() {
            return bytes;
        }
    }

    private final List<Client> clients = new CopyOnWriteArrayList<>();

    /**
     * Sends {@code data} (one JSON line) as event {@code name} to every page that wants it;
     * {@code key} (a device's or rollout's id, or null) lets a newer state replace a queued one.
     */
    void publish(String name, String key, String data) {
        String frame = frame(name, data);
        String k = key == null ? null : name + "/" + key;
        for (Client c : clients) {
            if (c.filter.test(name)) {
                c.offer(k, frame);
            }
        }
    }

    /** Whether another page may open a stream now. */
    boolean full() {
        return clients.size() >= MAX_CLIENTS;
    }

    /**
     * Streams to {@code out} until the page goes away or {@code stop} is true: first
     * {@code initial} frames, then what is published. Runs on the request's thread.
     */
    void stream(OutputStream out, Predicate<String> filter, List<String> initial, java.util.function.BooleanSupplier stop)
            throws IOException, InterruptedException {
        Client c = new Client(filter);
        clients.add(c);
        try {
            out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
            for (String frame : initial) {
                out.write(frame.getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            while (!stop.getAsBoolean()) {
                String frame = c.take(TimeUnit.SECONDS.toMillis(KEEPALIVE_SECONDS));
                out.write((frame == null ? ": keepalive\n\n" : frame).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } finally {
            clients.remove(c);
        }
    }

    static String frame(String name, String data) {
        return "event: " + name + "\ndata: " + data.replace("\n", "\ndata: ") + "\n\n";
    }
}
