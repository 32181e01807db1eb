package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import io.berth.localapi.ControlClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The verbs that talk to the running agent over its control socket. They load neither Paho nor
 * docker-java, so they start fast; each maps its failures to the documented exit codes. The
 * verbs live by family (logs, apply, services, events, volumes, config); this class holds what
 * they share: the socket, help, and the mapping of failures to exit codes.
 */
final class AgentVerbs {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;
    /** Failed for now (the engine restarting, the agent busy): the same request may succeed later. */
    static final int TRY_AGAIN = 4;

    static final String DEFAULT_SOCKET = "/run/berth/berth.sock";

    /** One verb of a family. */
    interface Verb {
        int run(ControlClient client, String verb, List<String> args) throws IOException, Args.UsageException;
    }

    private static final Map<String, String> OWN_HELP = Map.of(
            "status", """
                    Usage: berth status [--json]

                    The phase, revisions and broker connection of the agent, then one line per
                    service: state, health, image, restarts, uptime.
                      --json   print the reported-state document instead (as published on MQTT)
                    """,
            "pause", """
                    Usage: berth pause [--json]

                    Stops reconciliation: the agent changes nothing on the engine until
                    'berth resume'. New documents are still accepted and stored. Survives
                    agent restarts; the reported phase is 'paused'.
                    """,
            "resume", """
                    Usage: berth resume [--json]

                    Resumes reconciliation after 'berth pause'.
                    """);

    static final Map<String, String> HELP = help();

    private static Map<String, String> help() {
        Map<String, String> all = new HashMap<>(OWN_HELP);
        all.putAll(LogsCommand.HELP);
        all.putAll(ApplyCommand.HELP);
        all.putAll(ServiceVerbs.HELP);
        all.putAll(EventsCommand.HELP);
        all.putAll(VolumesCommand.HELP);
        all.putAll(ConfigCommand.HELP);
        return Map.copyOf(all);
    }

    private final Io io;

    AgentVerbs(Map<String, String> env, PrintStream out, PrintStream err, Clock clock) {
        this.io = new Io(env, out, err, clock);
    }

    static boolean handles(String verb) {
        return HELP.containsKey(verb);
    }

    static Path socket(Map<String, String> env) {
        String s = env.get("BERTH_SOCKET");
        return Path.of(s == null || s.isBlank() ? DEFAULT_SOCKET : s);
    }

    /** The one line for an agent that does not answer; exit code 3. */
    static String unreachable(Path socket, IOException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        String why = String.valueOf(cause.getMessage());
        if (why.toLowerCase().contains("permission denied")) {
            return "berth: cannot open the agent's socket " + socket + ": permission denied; run as root or as a "
                    + "member of the socket's group";
        }
        return "berth: the Berth agent is not running (no answer on " + socket + "); start it with "
                + "'systemctl start berth' or 'berth agent', or set BERTH_SOCKET to its socket";
    }

    /** Whether the arguments ask for help (before any {@code --}). */
    static boolean asksHelp(List<String> args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("-h") || a.equals("--help")) {
                return true;
            }
        }
        return false;
    }

    int run(String verb, List<String> args) {
        if (asksHelp(args)) {
            io.out().print(HELP.get(verb));
            return OK;
        }
        ControlClient client = new ControlClient(socket(io.env()));
        Verb family = switch (verb) {
            case "status", "pause", "resume" -> this::own;
            case "logs" -> new LogsCommand(io);
            case "apply" -> new ApplyCommand(io);
            case "start", "stop", "restart" -> new ServiceVerbs(io);
            case "events" -> new EventsCommand(io);
            case "volumes" -> new VolumesCommand(io);
            case "config" -> new ConfigCommand(io);
            default -> throw new IllegalArgumentException(verb);
        };
        try {
            return family.run(client, verb, args);
        } catch (Args.UsageException e) {
            io.err().println("berth " + verb + ": " + e.getMessage());
            io.err().print(HELP.get(verb));
            return USAGE;
        } catch (ControlClient.UnreachableException e) {
            io.err().println(unreachable(client.socket(), e));
            return UNREACHABLE;
        } catch (ControlClient.RefusedException e) {
            io.err().println("berth " + verb + ": " + e.getMessage());
            return exitCode(e);
        } catch (IOException e) {
            io.err().println("berth " + verb + ": " + e.getMessage());
            return FAILED;
        }
    }

    /** The one mapping of the agent's refusal to an exit code: 4 when it says trying again may help, else 1. */
    static int exitCode(ControlClient.RefusedException e) {
        return e.answer().path("detail").path("retryable").asBoolean(false) ? TRY_AGAIN : FAILED;
    }

    private int own(ControlClient client, String verb, List<String> args) throws IOException, Args.UsageException {
        Args a = Args.parse(args, Set.of("--json"), Set.of(), Map.of());
        if (!a.positional.isEmpty()) {
            throw new Args.UsageException("unexpected argument '" + a.positional.get(0) + "'");
        }
        if (verb.equals("status")) {
            JsonNode status = client.call("status", null);
            if (a.has("--json")) {
                io.json(status.path("report"));
            } else {
                io.out().print(StatusView.render(status, io.clock().instant(), io.terminal()));
            }
            return OK;
        }
        client.call(verb, null);
        if (a.has("--json")) {
            io.json(Io.JSON.createObjectNode().put("paused", verb.equals("pause")));
        } else {
            io.out().println(verb.equals("pause")
                    ? "reconciliation paused: the agent changes nothing until 'berth resume' (documents are still "
                    + "stored)" : "reconciliation resumed");
        }
        return OK;
    }
}
