package io.berth.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * device-wide rate limit ({@link LineRateLimit}) drops what exceeds it, and the next batch of
 * the service carries the count in {@code dropped}. Positions (the last line published per
 * container) survive a restart in the state dir, so following resumes where it stopped. A line
 * stamped no later than the container's last one is a duplicate ({@link SeenLines}: json-file
 * keeps time order; dockerd 20.10's follower re-reads part of a file as it rotates) and is
 * counted in {@link Stats#duplicates}, never forwarded twice. Positions are saved every 30 s
 * and at close: after a crash (an OOM kill, power loss) up to the last 30 s of lines are sent
 * again. Lines that rotate out of the engine's files before they are read are lost without a
 * count (raise {@code max-file}).
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

    /** Heap bytes a buffered line takes besides its text (see {@link BufferedLine#LINE_OVERHEAD}). */
    static final int LINE_OVERHEAD = BufferedLine.LINE_OVERHEAD;

    private final LogSettings limits;
    private final Publisher publisher;
    private final ScheduledExecutorService timer;
    private final Path stateDir;
    private LogStreams streams;

    // guarded by this
    private final Deque<BufferedLine> buffer = new ArrayDeque<>();
    private final BatchJson json = new BatchJson();
    /** Bytes of line text buffered (what a batch is bounded by). */
    private long bufferedBytes;
    /** Heap the buffered lines take (what {@code logs.bufferBytes} bounds). */
    private long bufferedCost;
    /** The last publish failed: only the once-a-second retry publishes until one succeeds. */
    private boolean brokerAway;
    private final Map<String, Long> droppedByService = new TreeMap<>();
    /** Per container: where its lines stand (one lookup a line, no key built per line). */
    private final Map<String, SeenLines> received = new HashMap<>();
    private final Map<String, Instant> published = new HashMap<>();
    private final Set<String> followed = new HashSet<>();
    private final Set<String> refused = new HashSet<>();
    private boolean flushScheduled;
    private boolean positionsDirty;
    private final LineRateLimit rateLimit;
    private long statReceived;
    private long statPublished;
    private long statDropped;
    private long statDuplicates;

    public LogForwarder(LogSettings limits, Publisher publisher, Clock clock, ScheduledExecutorService timer,
                        Path stateDir) {
        this.limits = limits;
        this.publisher = publisher;
        this.timer = timer;
        this.stateDir = stateDir;
        this.rateLimit = new LineRateLimit(limits, AgentClock.of(clock));
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
                    SeenLines seen = received.get(c.id());
                    Instant since = seen != null ? BatchJson.instant(seen.latest) : published.get(c.id());
                    if (since == null) {
                        // from the very start: the engine stamps the first lines before the container's StartedAt
                        since = Instant.EPOCH;
                    } else {
                        received.put(c.id(), new SeenLines(epochNanos(since)));
                    }
                    Instant from = since;
                    String service = c.service();
                    follow.add(() -> streams.follow(c.id(), service, from));
                }
            }
            positionsDirty |= published.keySet().retainAll(present);
            received.keySet().retainAll(present);
            refused.retainAll(present);
        }
        follow.forEach(Runnable::run);
    }

    @Override
    public void line(String containerId, String service, Instant time, String stream, String line) {
        boolean flushNow;
        synchronized (this) {
            long at = epochNanos(time);
            SeenLines seen = received.get(containerId);
            if (seen == null) {
                seen = new SeenLines(Long.MIN_VALUE);
                received.put(containerId, seen);
            }
            if (!seen.take(stream, at)) {
                // seen already: a resumed stream, or dockerd 20.10's json-file follower re-reading
                // part of a rotated file
                statDuplicates++;
                return;
            }
            statReceived++;
            String text = line;
            int bytes = text.length();
            if (bytes > limits.lineBytes()) {
                text = text.substring(0, limits.lineBytes()) + "…[+" + (bytes - limits.lineBytes()) + " chars]";
                bytes = text.length();
            }
            if (!rateLimit.take(bytes)) {
                drop(service, 1);
                flushSoon(); // the count goes out even when no line passes after it
                return;
            }
            BufferedLine pending = new BufferedLine(service, containerId, at, stream, text, bytes);
            buffer.addLast(pending);
            bufferedBytes += bytes;
            bufferedCost += pending.cost();
            while (bufferedCost > limits.bufferBytes() && buffer.size() > 1) {
                BufferedLine oldest = buffer.removeFirst();
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

    /** Publishes what is buffered, batch by batch, until the buffer is empty or the broker is away. */
    public synchronized void flush() {
        while (!buffer.isEmpty()) {
            BufferedLine first = buffer.peekFirst();
            int maxLines = limits.batchLines();
            int maxBytes = limits.batchBytes();
            List<BufferedLine> batch = new ArrayList<>(Math.min(buffer.size(), maxLines));
            int bytes = 0;
            for (BufferedLine p : buffer) {
                if (!p.service().equals(first.service()) || !p.container().equals(first.container())) {
                    break; // batches hold one container's lines, in order
                }
                if (!batch.isEmpty() && (batch.size() >= maxLines || bytes + p.bytes() > maxBytes)) {
                    break;
                }
                batch.add(p);
                bytes += p.bytes();
            }
            long dropped = droppedByService.getOrDefault(first.service(), 0L);
            if (!publisher.publish(first.service(), json.render(first.service(), first.container(), batch, dropped))) {
                brokerAway = true;
                flushSoon();
                return;
            }
            brokerAway = false;
            droppedByService.remove(first.service());
            for (int i = 0; i < batch.size(); i++) {
                BufferedLine sent = buffer.removeFirst();
                bufferedBytes -= sent.bytes();
                bufferedCost -= sent.cost();
            }
            statPublished += batch.size();
            published.put(first.container(), BatchJson.instant(batch.get(batch.size() - 1).epochNanos()));
            positionsDirty = true;
        }
        // counts for services that have no line waiting still go out, in a batch of no lines
        for (Iterator<Map.Entry<String, Long>> it = droppedByService.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (!publisher.publish(e.getKey(), json.render(e.getKey(), null, List.of(), e.getValue()))) {
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
