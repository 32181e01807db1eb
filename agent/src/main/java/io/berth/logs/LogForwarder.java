package io.berth.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.config.LogSettings;
import io.berth.engine.LogStreams;
import io.berth.model.ContainerStatus;
import io.berth.model.ObservedContainer;
import io.berth.store.AtomicFiles;
import io.berth.support.AgentClock;
import io.berth.support.Guarded;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * Forwards container output to {@code {p}/{d}/logs/{service}} (PROTOCOL.md §6): lines from the
 * engine's single log reader go into one bounded buffer, leave it in batches bounded in lines
 * and bytes (at least once a second while lines flow), and stay while the broker is away.
 * Every line is either published or counted: the buffer drops its oldest when full, the
 * device-wide rate limit drops what exceeds it, and the next batch of the service carries the
 * count in {@code dropped}. Positions (the last line published per container) survive a
 * restart in the state dir, so following resumes where it stopped. A line stamped no later
 * than the container's last one is a duplicate (json-file keeps time order; dockerd 20.10's
 * follower re-reads part of a file as it rotates) and is counted in {@link Stats#duplicates},
 * never forwarded twice. Positions are saved every 30 s and at close: after a crash (an OOM
 * kill, power loss) up to the last 30 s of lines are sent again. Lines that rotate out of the
 * engine's files before they are read are lost without a count (raise {@code max-file}).
 */
public final class LogForwarder implements LogStreams.Sink, AutoCloseable {

    /** Publishes one batch; false when the broker is away (the batch stays buffered). */
    public interface Publisher {
        boolean publish(String service, byte[] batch);
    }

    /** Counters since start, for status and benchmarks. */
    public record Stats(long received, long published, long dropped, long buffered, int following,
                        long duplicates) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POSITIONS = "log-positions.json";

    /**
     * A buffered line. The time is kept as epoch nanoseconds rather than an {@link Instant}: one
     * object less per line, which adds up in a buffer of tens of thousands of lines.
     */
    private record Pending(String service, String container, long epochNanos, String stream, String line, int bytes) {
        Instant time() {
            return Instant.ofEpochSecond(0, epochNanos);
        }

        /** What the line takes in the Java heap: its text plus the per-line objects (see {@link #LINE_OVERHEAD}). */
        long cost() {
            return bytes + LINE_OVERHEAD;
        }
    }

    /**
     * Heap bytes a buffered line takes besides its text, so that {@code logs.bufferBytes} bounds
     * memory rather than only text: the {@code Pending} record (40), the line's {@code String}
     * (24) and its array header (16), the deque slot and padding. Measured with a class histogram,
     * 45-character lines filling a 2 MiB buffer: 14,873 lines in 1.9 MiB of heap. Counting only
     * the text (as before) let 46,603 such lines in, about 7 MiB of heap for a "2 MiB" buffer.
     */
    static final int LINE_OVERHEAD = 96;

    private final LogSettings limits;
    private final Publisher publisher;
    private final AgentClock clock;
    private final ScheduledExecutorService timer;
    private final Path stateDir;
    private LogStreams streams;

    // guarded by this
    private final Deque<Pending> buffer = new ArrayDeque<>();
    /** Bytes of line text buffered (what a batch is bounded by). */
    private long bufferedBytes;
    /** Heap the buffered lines take (what {@code logs.bufferBytes} bounds). */
    private long bufferedCost;
    /** The last publish failed: only the once-a-second retry publishes until one succeeds. */
    private boolean brokerAway;
    private final Map<String, Long> droppedByService = new TreeMap<>();
    /**
     * Per container: the time of the last line taken (or where its stream resumed); a line not
     * after it is one seen already (json-file is in time order) and is counted, not forwarded.
     */
    private final Map<String, Instant> received = new HashMap<>();
    /**
     * Per container and stream ({@code id/stdout}, {@code id/stderr}): the time of the last line
     * taken. Duplicates are judged per stream: dockerd stamps each stream's lines as it reads
     * them, so across the two streams the file is not in time order.
     */
    private final Map<String, Instant> lastByStream = new HashMap<>();
    private final Map<String, Instant> published = new HashMap<>();
    private final Set<String> followed = new HashSet<>();
    private final Set<String> refused = new HashSet<>();
    private boolean flushScheduled;
    private boolean positionsDirty;
    /** The device-wide token buckets: fractional, so a steady stream refills by its share however often it comes. */
    private double tokensLines;
    private double tokensBytes;
    /** Monotonic: a wall clock set by NTP neither floods nor starves the bucket. */
    private long refilledAtNanos;
    private long statReceived;
    private long statPublished;
    private long statDropped;
    private long statDuplicates;

    public LogForwarder(LogSettings limits, Publisher publisher, Clock clock, ScheduledExecutorService timer,
                        Path stateDir) {
        this.limits = limits;
        this.publisher = publisher;
        this.clock = AgentClock.of(clock);
        this.timer = timer;
        this.stateDir = stateDir;
        this.tokensLines = limits.linesPerSecond();
        this.tokensBytes = limits.bytesPerSecond();
        this.refilledAtNanos = this.clock.monotonicNanos();
        loadPositions();
        timer.scheduleWithFixedDelay(Guarded.task("saving log positions", this::savePositions), 30, 30,
                TimeUnit.SECONDS);
    }

    /** The engine's follower this forwarder reads from (opened by the caller with this forwarder as sink). */
    public synchronized void attach(LogStreams logStreams) {
        this.streams = logStreams;
    }

    /**
     * Follows every running container of the agent that is not followed yet, from where
     * forwarding stopped (or from its start); forgets the positions of containers that are gone.
     */
    public void track(Collection<ObservedContainer> containers) {
        List<Runnable> follow = new ArrayList<>();
        synchronized (this) {
            if (streams == null) {
                return;
            }
            Set<String> present = new HashSet<>();
            for (ObservedContainer c : containers) {
                if (!c.managed()) {
                    continue;
                }
                present.add(c.id());
                boolean running = c.status() == ContainerStatus.RUNNING || c.status() == ContainerStatus.PAUSED;
                if (running && !followed.contains(c.id()) && !refused.contains(c.id())) {
                    followed.add(c.id());
                    Instant since = received.getOrDefault(c.id(), published.get(c.id()));
                    if (since == null) {
                        // from the very start: the engine stamps the first lines before the container's StartedAt
                        since = Instant.EPOCH;
                    } else {
                        received.put(c.id(), since);
                        lastByStream.put(c.id() + "/stdout", since);
                        lastByStream.put(c.id() + "/stderr", since);
                    }
                    Instant from = since;
                    String service = c.service();
                    follow.add(() -> streams.follow(c.id(), service, from));
                }
            }
            positionsDirty |= published.keySet().retainAll(present);
            received.keySet().retainAll(present);
            lastByStream.keySet().removeIf(k -> !present.contains(k.substring(0, k.lastIndexOf('/'))));
            refused.retainAll(present);
        }
        follow.forEach(Runnable::run);
    }

    @Override
    public void line(String containerId, String service, Instant time, String stream, String line) {
        boolean flushNow;
        synchronized (this) {
            String key = containerId + "/" + stream;
            Instant last = lastByStream.get(key);
            if (last != null && !time.isAfter(last)) {
                // seen already: a resumed stream, or dockerd 20.10's json-file follower re-reading
                // part of a rotated file
                statDuplicates++;
                return;
            }
            lastByStream.put(key, time);
            Instant latest = received.get(containerId);
            if (latest == null || time.isAfter(latest)) {
                received.put(containerId, time);
            }
            statReceived++;
            String text = line;
            int bytes = text.length();
            if (bytes > limits.lineBytes()) {
                text = text.substring(0, limits.lineBytes()) + "…[+" + (bytes - limits.lineBytes()) + " chars]";
                bytes = text.length();
            }
            if (!takeTokens(bytes)) {
                drop(service, 1);
                flushSoon(); // the count goes out even when no line passes after it
                return;
            }
            Pending pending = new Pending(service, containerId, epochNanos(time), stream, text, bytes);
            buffer.addLast(pending);
            bufferedBytes += bytes;
            bufferedCost += pending.cost();
            while (bufferedCost > limits.bufferBytes() && buffer.size() > 1) {
                Pending oldest = buffer.removeFirst();
                bufferedBytes -= oldest.bytes();
                bufferedCost -= oldest.cost();
                drop(oldest.service(), 1);
            }
            // While the broker is away, lines only pile up: the retry below publishes once a second,
            // instead of every new line rendering a batch that cannot go out.
            flushNow = !brokerAway && (buffer.size() >= limits.batchLines() || bufferedBytes >= limits.batchBytes());
            if (!flushNow) {
                flushSoon();
            }
        }
        if (flushNow) {
            flush();
        }
    }

    private static long epochNanos(Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
    }

    private void drop(String service, long lines) {
        droppedByService.merge(service, lines, Long::sum);
        statDropped += lines;
    }

    /** Device-wide token buckets: refilled continuously, fractions included, up to one second's worth. */
    private boolean takeTokens(int bytes) {
        long now = clock.monotonicNanos();
        long elapsed = now - refilledAtNanos;
        if (elapsed > 0) {
            double seconds = elapsed / 1e9;
            tokensLines = Math.min(limits.linesPerSecond(), tokensLines + seconds * limits.linesPerSecond());
            tokensBytes = Math.min(limits.bytesPerSecond(), tokensBytes + seconds * limits.bytesPerSecond());
            refilledAtNanos = now;
        }
        if (tokensLines < 1 || tokensBytes < bytes) {
            return false;
        }
        tokensLines--;
        tokensBytes -= bytes;
        return true;
    }

    /** Publishes what is buffered, batch by batch, until the buffer is empty or the broker is away. */
    public synchronized void flush() {
        while (!buffer.isEmpty()) {
            Pending first = buffer.peekFirst();
            List<Pending> batch = new ArrayList<>();
            int bytes = 0;
            for (Pending p : buffer) {
                if (!p.service().equals(first.service()) || !p.container().equals(first.container())) {
                    break; // batches hold one container's lines, in order
                }
                if (!batch.isEmpty() && (batch.size() >= limits.batchLines() || bytes + p.bytes() > limits.batchBytes())) {
                    break;
                }
                batch.add(p);
                bytes += p.bytes();
            }
            long dropped = droppedByService.getOrDefault(first.service(), 0L);
            if (!publisher.publish(first.service(), render(first.service(), first.container(), batch, dropped))) {
                brokerAway = true;
                flushSoon();
                return;
            }
            brokerAway = false;
            droppedByService.remove(first.service());
            for (int i = 0; i < batch.size(); i++) {
                Pending sent = buffer.removeFirst();
                bufferedBytes -= sent.bytes();
                bufferedCost -= sent.cost();
            }
            statPublished += batch.size();
            published.put(first.container(), batch.get(batch.size() - 1).time());
            positionsDirty = true;
        }
        // counts for services that have no line waiting still go out, in a batch of no lines
        for (Iterator<Map.Entry<String, Long>> it = droppedByService.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (!publisher.publish(e.getKey(), render(e.getKey(), null, List.of(), e.getValue()))) {
                brokerAway = true;
                flushSoon();
                return;
            }
            brokerAway = false;
            it.remove();
        }
    }

    /**
     * Within a second, once: also from inside a flush that could not finish (the broker is away).
     * Only the scheduled run clears the flag, so at most one retry is ever waiting.
     */
    private void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            timer.schedule(Guarded.task("flushing logs", this::scheduledFlush), 1, TimeUnit.SECONDS);
        }
    }

    private synchronized void scheduledFlush() {
        flushScheduled = false;
        flush();
    }

    private static byte[] render(String service, String container, List<Pending> lines, long dropped) {
        ObjectNode batch = JSON.createObjectNode();
        batch.put("service", service);
        if (container == null) {
            batch.putNull("container");
        } else {
            batch.put("container", container.length() > 12 ? container.substring(0, 12) : container);
        }
        ArrayNode array = batch.putArray("lines");
        for (Pending p : lines) {
            array.addObject().put("t", p.time().toString()).put("stream", p.stream()).put("line", p.line());
        }
        batch.put("dropped", dropped);
        return batch.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void ended(String containerId, String reason) {
        followed.remove(containerId);
        Logger.debug("log stream of {} ended: {}", containerId, reason);
    }

    @Override
    public synchronized void refused(String containerId, String reason) {
        followed.remove(containerId);
        if (refused.add(containerId)) {
            Logger.info("logs of container {} are not forwarded: {}", containerId.substring(0, Math.min(12,
                    containerId.length())), reason);
        }
    }

    public synchronized Stats stats() {
        return new Stats(statReceived, statPublished, statDropped, buffer.size(),
                streams == null ? 0 : streams.following(), statDuplicates);
    }

    private void loadPositions() {
        try {
            JsonNode node = JSON.readTree(Files.readAllBytes(stateDir.resolve(POSITIONS)));
            node.fields().forEachRemaining(e -> published.put(e.getKey(), Instant.parse(e.getValue().asText())));
        } catch (NoSuchFileException e) {
            // first start
        } catch (IOException | RuntimeException e) {
            Logger.warn("cannot read {}: {}; log forwarding starts from each container's start",
                    stateDir.resolve(POSITIONS), e.getMessage());
        }
    }

    /** Written only when a position moved, at most every 30 s, and at close: flash is not worn by logs. */
    private void savePositions() {
        byte[] content;
        synchronized (this) {
            if (!positionsDirty) {
                return;
            }
            ObjectNode node = JSON.createObjectNode();
            new TreeMap<>(published).forEach((id, t) -> node.put(id, t.toString()));
            content = node.toString().getBytes(StandardCharsets.UTF_8);
            positionsDirty = false;
        }
        try {
            AtomicFiles.write(stateDir.resolve(POSITIONS), content);
        } catch (IOException e) {
            Logger.warn("cannot save log positions in {}: {}", stateDir, e.getMessage());
        }
    }

    @Override
    public void close() {
        flush();
        savePositions();
    }
}
