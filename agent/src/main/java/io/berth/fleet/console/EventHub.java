package io.berth.fleet.console;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Server-sent events to the open pages. Each page has a bounded queue: a page that does not
 * keep up loses its oldest messages and is told to reload ({@code resync}), so one slow
 * browser never holds memory or the MQTT thread. At most {@link #MAX_CLIENTS} pages at once.
 */
final class EventHub {
    static final int MAX_CLIENTS = 16;
    private static final int QUEUE = 512;
    private static final long KEEPALIVE_SECONDS = 15;

    /** One open page: what it wants ({@code filter} on the event name) and its queue. */
    private static final class Client {
        final Predicate<String> filter;
        final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
        volatile boolean overflowed;

        Client(Predicate<String> filter) {
            this.filter = filter;
        }
    }

    private final List<Client> clients = new CopyOnWriteArrayList<>();

    /** Sends {@code data} (one JSON line) as event {@code name} to every page that wants it. */
    void publish(String name, String data) {
        String frame = frame(name, data);
        for (Client c : clients) {
            if (c.filter.test(name) && !c.queue.offer(frame)) {
                c.queue.poll();
                c.overflowed = true;
                c.queue.offer(frame);
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
                String frame = c.queue.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
                if (c.overflowed) {
                    c.overflowed = false;
                    c.queue.clear();
                    frame = "event: resync\ndata: {}\n\n";
                }
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
