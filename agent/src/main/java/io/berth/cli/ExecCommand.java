package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineSocket;
import io.berth.engine.http.EngineHttp;
import io.berth.engine.http.FrameDemux;
import io.berth.localapi.ControlClient;
import io.berth.model.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code berth exec SERVICE [--] CMD…}: runs a command in a service's container through the
 * engine's socket, as {@code docker exec -i} (and {@code -t} on a terminal) does. Talking to the
 * engine directly needs what {@code docker exec} needs (root or the socket's group): exec is a
 * shell in a container, so it gets no wider door than the engine's own.
 */
final class ExecCommand {
    static final String HELP = """
            Usage: berth exec [-t|-T] [-u USER] [-w DIR] [-e KEY=VALUE]... SERVICE [--]
                              COMMAND [ARG...]

            Runs COMMAND in the running container of SERVICE, as 'docker exec -i' does: its
            output to yours, your input to it, and its exit code as berth's. On a terminal
            it gets a TTY (as 'docker exec -it'), in raw mode, resized to yours.
            berth exec talks to the engine's socket (BERTH_DOCKER_HOST) directly, so it
            needs the same rights as 'docker exec' (root, or the socket's group); the
            container is found through the agent when it runs, else by its labels.
              -t, --tty           a TTY even when not on a terminal
              -T, --no-tty        no TTY even on a terminal (clean output for pipes)
              -u, --user USER     run as USER (name or uid[:gid])
              -w, --workdir DIR   run in DIR
              -e, --env KEY=VALUE set an environment variable (repeat the option)
            Exit codes: the command's; 1 when it cannot be started, 2 usage.
            """;

    private final Io io;

    ExecCommand(Io io) {
        this.io = io;
    }

    int run(List<String> args) {
        if (!args.isEmpty() && (args.get(0).equals("-h") || args.get(0).equals("--help"))) {
            io.out().print(HELP);
            return AgentVerbs.OK;
        }
        Options o;
        try {
            o = Options.parse(args);
        } catch (Args.UsageException e) {
            io.err().println("berth exec: " + e.getMessage());
            io.err().print(HELP);
            return AgentVerbs.USAGE;
        }
        EngineSocket engine = new EngineHttp(io.env().getOrDefault("BERTH_DOCKER_HOST", "unix:///var/run/docker.sock"));
        try {
            String container = container(engine, o.service);
            boolean tty = o.tty != null ? o.tty : System.console() != null;
            ObjectNode create = Io.JSON.createObjectNode().put("AttachStdin", true).put("AttachStdout", true)
                    .put("AttachStderr", true).put("Tty", tty);
            o.command.forEach(create.putArray("Cmd")::add);
            if (o.user != null) {
                create.put("User", o.user);
            }
            if (o.workdir != null) {
                create.put("WorkingDir", o.workdir);
            }
            if (!o.env.isEmpty()) {
                o.env.forEach(create.putArray("Env")::add);
            }
            String exec = engine.post("/containers/" + container + "/exec", create).path("Id").asText();
            try (RawTerminal raw = tty && System.console() != null ? RawTerminal.enter() : RawTerminal.NONE;
                 EngineSocket.Upgraded session = engine.upgrade("/exec/" + exec + "/start",
                         Io.JSON.createObjectNode().put("Detach", false).put("Tty", tty))) {
                raw.size().ifPresent(hw -> resize(engine, exec, hw));
                Thread input = new Thread(() -> pump(System.in, session), "berth-exec-stdin");
                input.setDaemon(true);
                input.start();
                copyOutput(session.output(), tty);
            }
            return engine.get("/exec/" + exec + "/json").path("ExitCode").asInt(AgentVerbs.FAILED);
        } catch (IOException e) {
            io.err().println("berth exec: " + e.getMessage());
            return AgentVerbs.FAILED;
        }
    }

    /** The container of a service: the agent's report when it answers, else the engine's labels. */
    private String container(EngineSocket engine, String service) throws IOException {
        try {
            JsonNode report = new ControlClient(AgentVerbs.socket(io.env())).call("status", null).path("report");
            JsonNode s = report.path("services").path(service);
            if (s.isMissingNode()) {
                List<String> names = new ArrayList<>();
                report.path("services").fieldNames().forEachRemaining(names::add);
                throw new IOException("no service named '" + service + "' on this device; services: "
                        + (names.isEmpty() ? "none" : String.join(", ", names)));
            }
            if (!"running".equals(s.path("state").asText()) || !s.path("container").isTextual()) {
                throw new IOException("service " + service + " is " + s.path("state").asText("not running")
                        + ": nothing to exec in ('berth start " + service + "' runs it)");
            }
            return s.path("container").asText();
        } catch (ControlClient.UnreachableException agentDown) {
            ObjectNode filters = Io.JSON.createObjectNode();
            var labels = filters.putArray("label").add(Labels.MANAGED + "=true").add(Labels.SERVICE + "=" + service);
            String device = io.env().get("BERTH_DEVICE_ID");
            if (device != null && !device.isBlank()) {
                labels.add(Labels.DEVICE + "=" + device);
            }
            JsonNode list = engine.get("/containers/json?filters="
                    + URLEncoder.encode(filters.toString(), StandardCharsets.UTF_8));
            if (list.size() != 1) {
                throw new IOException(list.isEmpty() ? "no running container of service " + service + " (the agent "
                        + "is not running to tell more)" : list.size() + " running containers are labelled for service "
                        + service + " (several agents on this engine?): set BERTH_DEVICE_ID or start the agent");
            }
            return list.get(0).path("Id").asText();
        }
    }

    private static void resize(EngineSocket engine, String exec, int[] hw) {
        try {
            engine.post("/exec/" + exec + "/resize?h=" + hw[0] + "&w=" + hw[1], null);
        } catch (IOException e) {
            // the TTY keeps its default size
        }
    }

    private static void pump(InputStream in, EngineSocket.Upgraded session) {
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                session.write(buffer, 0, n);
            }
            session.closeInput();
        } catch (IOException e) {
            // the process ended or the connection went: nothing more to send
        }
    }

    private void copyOutput(InputStream output, boolean tty) throws IOException {
        PrintStream out = io.out();
        PrintStream err = io.err();
        FrameDemux demux = new FrameDemux(tty ? FrameDemux.Mode.RAW : FrameDemux.Mode.FRAMED, (stream, data, off, len) -> {
            PrintStream target = stream == FrameDemux.STDERR ? err : out;
            target.write(data, off, len);
            target.flush();
        });
        byte[] buffer = new byte[8192];
        for (int n; (n = output.read(buffer)) > 0; ) {
            demux.feed(buffer, 0, n);
        }
    }

    /** The options of exec; they end at SERVICE, the rest is the command. */
    record Options(String service, List<String> command, Boolean tty, String user, String workdir, List<String> env) {
        static Options parse(List<String> args) throws Args.UsageException {
            int at = 0;
            Boolean tty = null;
            String user = null;
            String workdir = null;
            List<String> env = new ArrayList<>();
            Set<String> valued = Set.of("-u", "--user", "-w", "--workdir", "-e", "--env");
            while (at < args.size() && args.get(at).startsWith("-") && !args.get(at).equals("--")) {
                String a = args.get(at++);
                String name = a.contains("=") && a.startsWith("--") ? a.substring(0, a.indexOf('=')) : a;
                String value = null;
                if (valued.contains(name)) {
                    value = !name.equals(a) ? a.substring(a.indexOf('=') + 1) : at < args.size() ? args.get(at++) : null;
                    if (value == null) {
                        throw new Args.UsageException("option " + name + " needs a value");
                    }
                }
                switch (name) {
                    case "-t", "--tty" -> tty = true;
                    case "-T", "--no-tty" -> tty = false;
                    case "-i", "--interactive", "-it", "-ti" -> tty = name.length() == 3 ? Boolean.TRUE : tty;
                    case "-u", "--user" -> user = value;
                    case "-w", "--workdir" -> workdir = value;
                    case "-e", "--env" -> {
                        if (!value.contains("=")) {
                            throw new Args.UsageException("-e takes KEY=VALUE, not '" + value + "'");
                        }
                        env.add(value);
                    }
                    default -> throw new Args.UsageException("unknown option " + a);
                }
            }
            if (at < args.size() && args.get(at).equals("--")) {
                at++;
            }
            if (at >= args.size()) {
                throw new Args.UsageException("which service? berth exec SERVICE COMMAND");
            }
            String service = args.get(at++);
            if (at < args.size() && args.get(at).equals("--")) {
                at++;
            }
            if (at >= args.size()) {
                throw new Args.UsageException("which command? berth exec " + service + " COMMAND");
            }
            return new Options(service, List.copyOf(args.subList(at, args.size())), tty, user, workdir, env);
        }
    }
}
