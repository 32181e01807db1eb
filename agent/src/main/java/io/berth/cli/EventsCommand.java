package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.localapi.ControlClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code berth events}: the agent's events (PROTOCOL.md §5) as they happen, as {@code docker events}. */
final class EventsCommand implements AgentVerbs.Verb {
    static final Map<String, String> HELP = Map.of("events", """
            Usage: berth events [--since TIME] [--until TIME] [--json]

            The agent's events as they happen (accepted, pulled, created, started, died,
            health, rollback, converged, ...), one line each, until Ctrl-C. The agent keeps
            its last 500 events in memory (none survive its restart).
              --since TIME   first the kept events since TIME: 10m, 2h, a Unix time,
                             2026-11-23 or 2026-11-23T10:00:00Z
              --until TIME   only the kept events before TIME, then stop (no live events)
              --json         one JSON object per event, as published on MQTT
            """);

    private final Io io;

    EventsCommand(Io io) {
        this.io = io;
    }

    @Override
    public int run(ControlClient client, String verb, List<String> args) throws IOException, Args.UsageException {
        Args a = Args.parse(args, Set.of("--json"), Set.of("--since", "--until"), Map.of());
        if (!a.positional.isEmpty()) {
            throw new Args.UsageException("unexpected argument '" + a.positional.get(0) + "'");
        }
        Instant now = io.clock().instant();
        Instant until = a.value("--until") == null ? null : Times.instant("--until", a.value("--until"), now);
        ObjectNode request = Io.JSON.createObjectNode().put("follow", until == null);
        if (a.value("--since") != null) {
            request.put("since", Times.instant("--since", a.value("--since"), now).toEpochMilli());
        } else if (until == null) {
            request.put("since", now.toEpochMilli()); // live only, as docker events
        }
        boolean json = a.has("--json");
        try {
            client.stream("events", request, event -> {
                if (until != null && !time(event).isBefore(until)) {
                    return;
                }
                try {
                    if (json) {
                        io.jsonLine(event);
                    } else {
                        io.out().println(line(event));
                    }
                    io.out().flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return AgentVerbs.OK;
    }

    static String line(JsonNode event) {
        String service = event.path("service").asText("");
        return event.path("time").asText() + "  r" + event.path("revision").asLong() + "  "
                + String.format("%-13s", event.path("type").asText()) + " "
                + (service.isEmpty() ? "" : service + ": ") + event.path("message").asText();
    }

    private static Instant time(JsonNode event) {
        try {
            return Instant.parse(event.path("time").asText());
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }
}
