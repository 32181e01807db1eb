package io.berth.engine.docker;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineEvent;
import io.berth.engine.http.EngineHttp;
import io.berth.engine.http.EngineStatusException;
import io.berth.engine.http.Exchange;
import io.berth.model.Health;
import io.berth.model.Labels;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reads the engine's container events ({@code GET /events}, one JSON object after another on a
 * connection that stays open): {@code die} (with its exit code, and whether an {@code oom} came
 * first for that container), {@code health_status: X}, and the {@code oom} and {@code kill} that
 * tell a death's cause. One per stream, on a thread of its own.
 */
final class EngineEvents {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEALTH_STATUS = "health_status: ";
    /** Containers with an {@code oom} event whose {@code die} has not come yet (a handful at most). */
    private final Set<String> outOfMemory = ConcurrentHashMap.newKeySet();
    /**
     * Containers the engine itself sent SIGKILL ({@code docker stop} past its grace period,
     * {@code docker kill}) whose {@code die} has not come yet: their 137 is that kill, not the kernel's.
     */
    private final Set<String> killedByEngine = ConcurrentHashMap.newKeySet();

    /**
     * Follows the engine's events for the containers carrying {@code ownership}; a {@code die}
     * also reads the container's own OOM flag when no {@code oom} event came first. Returns at
     * once: {@code onBroken} hears when the engine cannot be reached or the stream ends, never
     * after the result was closed.
     */
    static AutoCloseable watch(EngineHttp http, Map<String, String> ownership, Consumer<EngineEvent> onEvent,
                               Consumer<Throwable> onBroken) {
        EngineEvents events = new EngineEvents();
        Stream stream = new Stream();
        Thread thread = new Thread(() -> {
            try {
                Exchange exchange = http.open("GET", path(ownership), Map.of(), null);
                if (!stream.take(exchange)) {
                    return; // closed meanwhile
                }
                if (exchange.head().status() != 200) {
                    throw new EngineStatusException("GET", "/events", exchange.head().status(),
                            exchange.body().readNBytes(4096));
                }
                try (JsonParser parser = JSON.createParser(exchange.body())) {
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        EngineEvent read = events.read(parser.readValueAsTree());
                        if (read.kind() == EngineEvent.Kind.DIED && read.containerId() != null) {
                            int looks = events.looks(read);
                            // the oom event does not always come before die (not at all under some
                            // nested cgroup setups): the container's own state says it too
                            if (!read.oom() && oomKilled(http, read.containerId(), looks)) {
                                read = new EngineEvent(read.containerId(), read.service(), read.action(),
                                        read.kind(), read.revision(), read.exitCode(), true, read.health());
                            }
                        }
                        onEvent.accept(read);
                    }
                }
                if (!stream.closed()) {
                    onBroken.accept(new IOException("the engine closed its event stream"));
                }
            } catch (IOException | RuntimeException e) {
                if (!stream.closed()) {
                    onBroken.accept(e);
                }
            } finally {
                stream.close();
            }
        }, "berth-engine-events");
        thread.setDaemon(true);
        thread.start();
        return stream;
    }

    /** {@code /events?filters=…}: containers only, with all of the ownership labels. */
    static String path(Map<String, String> ownership) {
        ObjectNode filters = JSON.createObjectNode();
        filters.putArray("type").add("container");
        ArrayNode labels = filters.putArray("label");
        ownership.forEach((k, v) -> labels.add(k + "=" + v));
        return "/events?filters=" + URLEncoder.encode(filters.toString(), StandardCharsets.UTF_8);
    }

    /** The open connection of one watch; closing it ends the stream's read. */
    private static final class Stream implements AutoCloseable {
        private Exchange exchange;
        private boolean closed;

        synchronized boolean take(Exchange opened) {
            if (closed) {
                opened.close();
                return false;
            }
            exchange = opened;
            return true;
        }

        synchronized boolean closed() {
            return closed;
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (exchange != null) {
                exchange.close();
            }
        }
    }

    /**
     * How often to read a dead container's OOM flag. dockerd marks it when containerd's oom event
     * reaches it, which can come just after the exit (seen on a loaded machine: {@code die} with
     * 137, OOMKilled still false): a kill (137) the engine did not send itself is looked at again
     * for up to 2 s (this holds up the event stream meanwhile, so not for every {@code docker stop}
     * of a container that ignores SIGTERM); other exits are read once.
     */
    int looks(EngineEvent died) {
        boolean byEngine = killedByEngine.remove(String.valueOf(died.containerId()));
        return Integer.valueOf(137).equals(died.exitCode()) && !byEngine ? 11 : 1;
    }

    /** Whether the container's own state says it was killed for want of memory, read up to {@code looks} times. */
    private static boolean oomKilled(EngineHttp http, String containerId, int looks) {
        for (int i = 0; i < looks; i++) {
            try {
                if (i > 0) {
                    Thread.sleep(200);
                }
                if (http.get("/containers/" + containerId + "/json").path("State").path("OOMKilled").asBoolean(false)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (IOException | RuntimeException e) {
                return false; // gone already: the event says what it can
            }
        }
        return false;
    }

    /** One event of the stream, as the engine sends it ({@code Action}, {@code Actor.Attributes} …). */
    EngineEvent read(JsonNode event) {
        JsonNode actor = event.path("Actor");
        Map<String, String> attributes = EngineJson.strings(actor.path("Attributes"));
        String action = EngineJson.text(event, "Action");
        if (action == null) {
            action = String.valueOf(EngineJson.text(event, "status"));
        }
        String id = EngineJson.text(event, "id");
        if (id == null) {
            id = EngineJson.text(actor, "ID");
        }
        String service = attributes.get(Labels.SERVICE);
        long revision = parse(attributes.get(Labels.REVISION), 0L);
        if ("oom".equals(action)) {
            if (outOfMemory.size() < 1000) {
                outOfMemory.add(String.valueOf(id));
            }
            return new EngineEvent(id, service, action);
        }
        if ("kill".equals(action) && "9".equals(attributes.get("signal"))) {
            if (killedByEngine.size() < 1000) {
                killedByEngine.add(String.valueOf(id));
            }
            return new EngineEvent(id, service, action);
        }
        if ("die".equals(action)) {
            Long code = parse(attributes.get("exitCode"), null);
            return new EngineEvent(id, service, action, EngineEvent.Kind.DIED, revision,
                    code == null ? null : code.intValue(), outOfMemory.remove(String.valueOf(id)), null);
        }
        if (action.startsWith(HEALTH_STATUS)) {
            Health health = Health.of(action.substring(HEALTH_STATUS.length()).trim());
            return new EngineEvent(id, service, action, EngineEvent.Kind.HEALTH, revision, null, false, health);
        }
        return new EngineEvent(id, service, action);
    }

    private static Long parse(String value, Long otherwise) {
        try {
            return value == null ? otherwise : Long.valueOf(value.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
