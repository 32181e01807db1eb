package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.localapi.ControlClient;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code berth logs [SERVICE…]}: one service as {@code docker logs}, several or all as {@code docker compose logs}. */
final class LogsCommand implements AgentVerbs.Verb {
    static final Map<String, String> HELP = Map.of("logs", """
            Usage: berth logs [SERVICE...] [-f] [--tail N] [--since TIME] [--until TIME]
                              [-t] [--no-prefix] [--json]

            The output of services' containers, stdout to stdout and stderr to stderr. With
            no SERVICE, every service; with more than one, each line starts with its
            service's name (as docker compose logs does).
              -f, --follow        keep printing new lines until Ctrl-C
              -n, --tail N        only the last N lines of each service (default: all)
                  --since TIME    only lines since TIME: 10m, 2h (relative), a Unix time,
                                  2026-11-23, 2026-11-23T10:00:00 or 2026-11-23T10:00:00Z
                  --until TIME    only lines before TIME (same forms)
              -t, --timestamps    show the engine's timestamp of each line
                  --no-prefix     no service name before the lines
                  --json          one JSON object per line: service, t, stream, line
            """);

    private final Io io;

    LogsCommand(Io io) {
        this.io = io;
    }

    @Override
    public int run(ControlClient client, String verb, List<String> args) throws IOException, Args.UsageException {
        Args a = Args.parse(args, Set.of("--follow", "--timestamps", "--no-prefix", "--json"),
                Set.of("--tail", "--since", "--until"), Map.of("-f", "--follow", "-t", "--timestamps", "-n", "--tail"));
        ObjectNode request = Io.JSON.createObjectNode();
        ArrayNode services = request.putArray("services");
        a.positional.forEach(services::add);
        request.put("follow", a.has("--follow"));
        if (a.value("--tail") != null) {
            String tail = a.value("--tail");
            if (!tail.equals("all")) {
                try {
                    int n = Integer.parseInt(tail);
                    if (n < 0) {
                        throw new NumberFormatException();
                    }
                    request.put("tail", n);
                } catch (NumberFormatException e) {
                    throw new Args.UsageException("--tail takes a number of lines or 'all', not '" + tail + "'");
                }
            }
        }
        if (a.value("--since") != null) {
            request.put("since", Times.epochSeconds("--since", a.value("--since"), io.clock().instant()));
        }
        if (a.value("--until") != null) {
            request.put("until", Times.epochSeconds("--until", a.value("--until"), io.clock().instant()));
        }
        boolean timestamps = a.has("--timestamps");
        boolean json = a.has("--json");
        boolean prefix = a.positional.size() != 1 && !a.has("--no-prefix");
        int[] width = {a.positional.stream().mapToInt(String::length).max().orElse(0)};
        client.stream("logs", request, frame -> {
            if (json) {
                try {
                    io.jsonLine(frame);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return;
            }
            String line = frame.path("line").asText("");
            String t = frame.path("t").asText(null);
            String service = frame.path("service").asText("");
            width[0] = Math.max(width[0], service.length());
            PrintStream target = "stderr".equals(frame.path("stream").asText()) ? io.err() : io.out();
            target.println((prefix ? String.format("%-" + width[0] + "s | ", service) : "")
                    + (timestamps && t != null ? t + " " : "") + line);
        });
        return AgentVerbs.OK;
    }
}
