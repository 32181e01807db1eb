package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import io.berth.localapi.ControlClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code berth volumes [ls|rm NAME…|prune]}: the explicit command PROTOCOL.md §8 promises for orphan volumes. */
final class VolumesCommand implements AgentVerbs.Verb {
    static final Map<String, String> HELP = Map.of("volumes", """
            Usage: berth volumes [ls] [--json]
                   berth volumes rm NAME... [--force]
                   berth volumes prune [--force] [--json]

            The volumes of the accepted document and every volume this agent created. A
            volume that left the document is an orphan: the agent keeps it, with its data,
            until a technician removes it here. Volumes Berth did not create, and those
            the document declares, are never removed; the engine refuses one a container
            still uses.
              ls        list them: NAME, STATE (present, missing, orphan, conflict), SERVICE
              rm NAME   remove orphan volumes, after asking (y/N) on a terminal
              prune     remove every orphan volume, after asking
              --force   do not ask (needed when stdin is not a terminal)
              --json    print the list (or what prune removed) as JSON
            """);

    private final Io io;

    VolumesCommand(Io io) {
        this.io = io;
    }

    @Override
    public int run(ControlClient client, String verb, List<String> args) throws IOException, Args.UsageException {
        Args a = Args.parse(args, Set.of("--json", "--force"), Set.of(), Map.of("-f", "--force"));
        List<String> words = new ArrayList<>(a.positional);
        String action = words.isEmpty() ? "ls" : words.remove(0);
        switch (action) {
            case "ls", "list" -> {
                if (!words.isEmpty()) {
                    throw new Args.UsageException("unexpected argument '" + words.get(0) + "'");
                }
                JsonNode list = client.call("volumes", null);
                if (a.has("--json")) {
                    io.json(list);
                } else {
                    io.out().print(table(list.path("volumes")));
                }
                return AgentVerbs.OK;
            }
            case "rm", "remove" -> {
                if (words.isEmpty()) {
                    throw new Args.UsageException("which volume? berth volumes rm NAME");
                }
                if (!confirm("remove the volume(s) " + String.join(", ", words) + " and their data", a.has("--force"))) {
                    return AgentVerbs.FAILED;
                }
                int code = AgentVerbs.OK;
                for (String name : words) {
                    try {
                        io.out().println("removed " + client.call("volume-rm", Io.JSON.createObjectNode()
                                .put("name", name)).path("removed").asText());
                    } catch (ControlClient.RefusedException e) {
                        io.err().println("berth volumes rm: " + e.getMessage());
                        code = AgentVerbs.FAILED;
                    }
                }
                return code;
            }
            case "prune" -> {
                if (!words.isEmpty()) {
                    throw new Args.UsageException("unexpected argument '" + words.get(0) + "'");
                }
                if (!confirm("remove every orphan volume and its data", a.has("--force"))) {
                    return AgentVerbs.FAILED;
                }
                JsonNode result = client.call("volume-prune", null);
                if (a.has("--json")) {
                    io.json(result);
                } else {
                    result.path("removed").forEach(v -> io.out().println("removed " + v.asText()));
                    if (result.path("removed").isEmpty()) {
                        io.out().println("no orphan volume to remove");
                    }
                }
                result.path("failed").fields().forEachRemaining(e -> io.err().println("berth volumes prune: "
                        + e.getKey() + ": " + e.getValue().asText()));
                return result.path("failed").isEmpty() ? AgentVerbs.OK : AgentVerbs.FAILED;
            }
            default -> throw new Args.UsageException("unknown volumes command '" + action + "': ls, rm or prune");
        }
    }

    /** Asks on the terminal; without one, only {@code --force} goes ahead. */
    private boolean confirm(String what, boolean force) throws IOException {
        if (force) {
            return true;
        }
        if (System.console() == null) {
            io.err().println("berth volumes: not asking without a terminal: give --force to " + what);
            return false;
        }
        io.err().print("This will " + what + ". Continue? [y/N] ");
        io.err().flush();
        String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        boolean yes = answer != null && answer.trim().toLowerCase().matches("y|yes");
        if (!yes) {
            io.err().println("nothing removed");
        }
        return yes;
    }

    static String table(JsonNode volumes) {
        int width = 6;
        for (JsonNode v : volumes) {
            width = Math.max(width, v.path("name").asText().length());
        }
        StringBuilder out = new StringBuilder(String.format("%-" + width + "s  %-10s  %s%n", "VOLUME", "STATE",
                "SERVICE"));
        for (JsonNode v : volumes) {
            out.append(String.format("%-" + width + "s  %-10s  %s%n", v.path("name").asText(),
                    v.path("state").asText(), v.path("service").asText("-").isEmpty() ? "-"
                            : v.path("service").asText("-")));
        }
        if (volumes.isEmpty()) {
            out.append("(no volumes)\n");
        }
        return out.toString();
    }
}
