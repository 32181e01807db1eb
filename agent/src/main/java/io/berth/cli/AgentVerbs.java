package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.localapi.ControlClient;
import io.berth.model.Durations;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The verbs that talk to the running agent over its control socket. They load neither Paho nor
 * docker-java, so they start fast; each maps its failures to the documented exit codes.
 */
final class AgentVerbs {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;
    /** Failed for now (the engine restarting, the agent busy): the same request may succeed later. */
    static final int TRY_AGAIN = 4;

    static final String DEFAULT_SOCKET = "/run/berth/berth.sock";
    private static final ObjectMapper JSON = new ObjectMapper();

    static final Map<String, String> HELP = Map.of(
            "status", """
                    Usage: berth status [--json]

                    The phase, revisions and broker connection of the agent, then one line per
                    service: state, health, image, restarts, uptime.
                      --json   print the reported-state document instead (as published on MQTT)
                    """,
            "logs", """
                    Usage: berth logs SERVICE [-f] [--tail N] [--since TIME] [-t]

                    The output of a service's container, stdout to stdout and stderr to stderr.
                      -f, --follow        keep printing new lines until Ctrl-C
                      -n, --tail N        only the last N lines (default: all)
                          --since TIME    only lines since TIME: 10m, 2h (relative), a Unix time,
                                          2026-11-23, 2026-11-23T10:00:00 or 2026-11-23T10:00:00Z
                      -t, --timestamps    show the engine's timestamp of each line
                    """,
            "restart", """
                    Usage: berth restart SERVICE

                    Stops and starts the container of SERVICE (as docker restart does). The
                    container is not recreated.
                    """,
            "pause", """
                    Usage: berth pause

                    Stops reconciliation: the agent changes nothing on the engine until
                    'berth resume'. New documents are still accepted and stored. Survives
                    agent restarts; the reported phase is 'paused'.
                    """,
            "resume", """
                    Usage: berth resume

                    Resumes reconciliation after 'berth pause'.
                    """,
            "apply", """
                    Usage: berth apply FILE

                    Hands a desired document (JSON or Compose YAML) to the agent, with the same
                    validation and revision rules as MQTT. A document without a revision gets
                    the next one. The report shows it came from the CLI (source: cli).
                    FILE may also be a bundle ('berth bundle create'): its images are checked
                    and loaded first, then its document is applied.
                    """);

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    AgentVerbs(Map<String, String> env, PrintStream out, PrintStream err, Clock clock) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.clock = clock;
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

    int run(String verb, List<String> args) {
        ControlClient client = new ControlClient(socket(env));
        try {
            return switch (verb) {
                case "status" -> status(client, args);
                case "logs" -> logs(client, args);
                case "restart" -> restart(client, args);
                case "pause", "resume" -> pause(client, verb, args);
                case "apply" -> apply(client, args);
                default -> throw new IllegalArgumentException(verb);
            };
        } catch (Args.UsageException e) {
            err.println("berth " + verb + ": " + e.getMessage());
            err.print(HELP.get(verb));
            return USAGE;
        } catch (ControlClient.UnreachableException e) {
            err.println(unreachable(client.socket(), e));
            return UNREACHABLE;
        } catch (ControlClient.RefusedException e) {
            err.println("berth " + verb + ": " + e.getMessage());
            return exitCode(e);
        } catch (IOException e) {
            err.println("berth " + verb + ": " + e.getMessage());
            return FAILED;
        }
    }

    /** True when the arguments ask for help; prints it. */
    private boolean help(String verb, List<String> args) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(HELP.get(verb));
            return true;
        }
        return false;
    }

    private int status(ControlClient client, List<String> args) throws IOException, Args.UsageException {
        if (help("status", args)) {
            return OK;
        }
        Args a = Args.parse(args, Set.of("--json"), Set.of(), Map.of());
        if (!a.positional.isEmpty()) {
            throw new Args.UsageException("unexpected argument '" + a.positional.get(0) + "'");
        }
        JsonNode status = client.call("status", null);
        if (a.has("--json")) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status.path("report")));
        } else {
            out.print(StatusView.render(status, clock.instant(), Terminal.detect(env)));
        }
        return OK;
    }

    private int logs(ControlClient client, List<String> args) throws IOException, Args.UsageException {
        if (help("logs", args)) {
            return OK;
        }
        Args a = Args.parse(args, Set.of("--follow", "--timestamps"), Set.of("--tail", "--since"),
                Map.of("-f", "--follow", "-t", "--timestamps", "-n", "--tail"));
        if (a.positional.size() != 1) {
            throw new Args.UsageException(a.positional.isEmpty() ? "which service? berth logs SERVICE"
                    : "one service at a time; got " + a.positional);
        }
        ObjectNode request = JSON.createObjectNode();
        request.put("service", a.positional.get(0));
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
            request.put("since", since(a.value("--since"), clock.instant()));
        }
        boolean timestamps = a.has("--timestamps");
        client.stream("logs", request, frame -> {
            String line = frame.path("line").asText("");
            String t = frame.path("t").asText(null);
            PrintStream target = "stderr".equals(frame.path("stream").asText()) ? err : out;
            target.println(timestamps && t != null ? t + " " + line : line);
        });
        return OK;
    }

    /** Docker's {@code --since}: a relative duration, a Unix time, or a date and time; epoch seconds. */
    static long since(String text, Instant now) throws Args.UsageException {
        if (text.matches("\\d+(\\.\\d+)?")) {
            return (long) Double.parseDouble(text);
        }
        Duration relative = Durations.parse(text);
        if (relative != null) {
            return now.minus(relative).getEpochSecond();
        }
        try {
            return OffsetDateTime.parse(text).toEpochSecond();
        } catch (DateTimeParseException notOffset) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toEpochSecond();
        } catch (DateTimeParseException notLocal) {
            // try the next form
        }
        try {
            return LocalDate.parse(text).atStartOfDay(ZoneId.systemDefault()).toEpochSecond();
        } catch (DateTimeParseException notDate) {
            throw new Args.UsageException("--since takes 10m, 2h, a Unix time or a date like 2026-11-23T10:00:00,"
                    + " not '" + text + "'");
        }
    }

    private int restart(ControlClient client, List<String> args) throws IOException, Args.UsageException {
        if (help("restart", args)) {
            return OK;
        }
        Args a = Args.parse(args, Set.of(), Set.of(), Map.of());
        if (a.positional.size() != 1) {
            throw new Args.UsageException("which service? berth restart SERVICE");
        }
        ObjectNode request = JSON.createObjectNode().put("service", a.positional.get(0));
        out.println(client.call("restart", request).asText());
        return OK;
    }

    private int pause(ControlClient client, String verb, List<String> args) throws IOException, Args.UsageException {
        if (help(verb, args)) {
            return OK;
        }
        Args a = Args.parse(args, Set.of(), Set.of(), Map.of());
        if (!a.positional.isEmpty()) {
            throw new Args.UsageException("unexpected argument '" + a.positional.get(0) + "'");
        }
        client.call(verb, null);
        out.println(verb.equals("pause")
                ? "reconciliation paused: the agent changes nothing until 'berth resume' (documents are still stored)"
                : "reconciliation resumed");
        return OK;
    }

    private int apply(ControlClient client, List<String> args) throws IOException, Args.UsageException {
        if (help("apply", args)) {
            return OK;
        }
        ComposeArgs compose = ComposeArgs.extract(args);
        Args a = Args.parse(compose.rest(), Set.of(), Set.of(), Map.of());
        List<Path> files = compose.filesWith(a.positional);
        if (files.isEmpty() || a.positional.size() > 1) {
            throw new Args.UsageException("which file? berth apply FILE, or -f FILE [-f FILE…] [--profile NAME]");
        }
        Path file = files.get(0);
        if (!Files.isReadable(file)) {
            err.println("berth apply: cannot read " + file);
            return USAGE;
        }
        JsonNode document;
        if (Sideload.isArchive(file)) {
            // a bundle: the agent checks it whole and loads its images, then the document is applied
            JsonNode loaded = Sideload.load(client, file);
            document = loaded.get("document");
            if (document == null || document.isNull()) {
                err.println("berth apply: " + file + " holds images but no document; its images were loaded (use "
                        + "'berth load' for image archives)");
                return FAILED;
            }
            out.println("loaded " + loaded.path("images").size() + " image(s) from " + file.getFileName());
        } else {
            document = ComposeFile.readForSending(files, compose.profiles(), env, "apply", err);
            if (document == null) {
                return FAILED;
            }
        }
        if (document == null || !document.isObject()) {
            err.println("berth apply: " + file + " does not hold a desired document (a map with 'services')");
            return FAILED;
        }
        ObjectNode request = JSON.createObjectNode();
        request.set("document", document);
        request.put("source", "cli");
        request.put("fillRevision", true);
        try {
            JsonNode result = client.call("apply", request);
            long revision = result.path("revision").asLong();
            if ("unchanged".equals(result.path("outcome").asText())) {
                out.println("revision " + revision + " is already the accepted one, with the same content: nothing "
                        + "to do");
            } else {
                out.println("accepted revision " + revision + " from " + file.getFileName()
                        + "; 'berth status' shows the progress");
            }
            return OK;
        } catch (ControlClient.RefusedException e) {
            JsonNode detail = e.answer().path("detail");
            err.println("berth apply: rejected: " + e.getMessage());
            for (JsonNode error : detail.path("errors")) {
                err.println("  " + error.path("path").asText() + ": " + error.path("message").asText());
            }
            return exitCode(e);
        }
    }

    /** The one mapping of the agent's refusal to an exit code: 4 when it says trying again may help, else 1. */
    static int exitCode(ControlClient.RefusedException e) {
        return e.answer().path("detail").path("retryable").asBoolean(false) ? TRY_AGAIN : FAILED;
    }

    static boolean handles(String verb) {
        return Arrays.asList("status", "logs", "restart", "pause", "resume", "apply").contains(verb);
    }

    static {
        JSON.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }
}
