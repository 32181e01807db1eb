package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.localapi.ControlClient;
import io.berth.model.Durations;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code berth start|stop|restart SERVICE…}. */
final class ServiceVerbs implements AgentVerbs.Verb {
    static final Map<String, String> HELP = Map.of(
            "start", """
                    Usage: berth start SERVICE... [--timeout 60s] [--json]

                    Runs services that 'berth stop' (or the document's 'state: stopped')
                    stopped, and waits until they run. Like 'berth stop', it lasts until the
                    next revision of the document.
                    """,
            "stop", """
                    Usage: berth stop SERVICE... [--timeout 60s] [--json]

                    Stops services and keeps them stopped: the agent records 'state: stopped'
                    for them as a local override of the accepted document (in the state dir, so
                    it survives restarts and reboots) and does not start them again. The next
                    revision of the document (MQTT or 'berth apply') replaces the override;
                    'berth start SERVICE' ends it sooner. 'berth config' shows the overrides.
                    Waits until the services stopped, at most --timeout.
                    """,
            "restart", """
                    Usage: berth restart SERVICE... [--json]

                    Stops and starts the container of each SERVICE (as docker restart does). The
                    containers are not recreated.
                    """);

    private static final Duration POLL = Duration.ofMillis(300);

    private final Io io;

    ServiceVerbs(Io io) {
        this.io = io;
    }

    @Override
    public int run(ControlClient client, String verb, List<String> args) throws IOException, Args.UsageException {
        Args a = Args.parse(args, Set.of("--json"), Set.of("--timeout"), Map.of());
        if (a.positional.isEmpty()) {
            throw new Args.UsageException("which service? berth " + verb + " SERVICE...");
        }
        Duration timeout = Duration.ofSeconds(60);
        if (a.value("--timeout") != null) {
            timeout = Durations.parse(a.value("--timeout"));
            if (timeout == null) {
                throw new Args.UsageException("--timeout takes a duration like 30s or 2m, not '" + a.value("--timeout")
                        + "'");
            }
        }
        ObjectNode result = Io.JSON.createObjectNode();
        ArrayNode messages = result.putArray("messages");
        if (verb.equals("restart")) {
            for (String service : a.positional) {
                messages.add(client.call("restart", Io.JSON.createObjectNode().put("service", service)).asText());
                if (!a.has("--json")) {
                    io.out().println(messages.get(messages.size() - 1).asText());
                }
            }
        } else {
            ObjectNode request = Io.JSON.createObjectNode();
            a.positional.forEach(request.putArray("services")::add);
            String message = client.call(verb, request).path("message").asText();
            messages.add(message);
            if (!a.has("--json")) {
                io.out().println(message);
            }
            List<String> late = await(client, a.positional, verb.equals("stop"), timeout, result.putObject("states"));
            if (!late.isEmpty()) {
                io.err().println("berth " + verb + ": " + String.join(", ", late) + " did not "
                        + (verb.equals("stop") ? "stop" : "start") + " within " + timeout.toSeconds() + " s"
                        + "; 'berth status' shows why");
                if (a.has("--json")) {
                    io.json(result);
                }
                return AgentVerbs.FAILED;
            }
        }
        if (a.has("--json")) {
            io.json(result);
        }
        return AgentVerbs.OK;
    }

    /** Waits until every service runs (or not); returns those that did not get there in time. */
    private List<String> await(ControlClient client, List<String> services, boolean stopped, Duration timeout,
                               ObjectNode states) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        List<String> pending = new ArrayList<>(services);
        while (true) {
            JsonNode report = client.call("status", null).path("report").path("services");
            pending.removeIf(service -> {
                String state = report.path(service).path("state").asText("missing");
                states.put(service, state);
                boolean there = stopped ? !state.equals("running") && !state.equals("restarting")
                        : state.equals("running");
                if (there) {
                    io.err().println(service + ": " + state);
                }
                return there;
            });
            if (pending.isEmpty() || Instant.now().isAfter(deadline)) {
                return pending;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return pending;
            }
        }
    }
}
