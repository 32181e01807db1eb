package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.EngineSocket;
import io.berth.engine.http.EngineHttp;
import io.berth.localapi.ControlClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code berth doctor}: one line per check (ok / warn / fail) with a fix for each problem. The
 * agent answers for what only it knows (its broker link, the registries of its document); the
 * engine is checked here, and the host by {@link HostChecks}, so that doctor also helps when the
 * agent does not run.
 */
final class Doctor {
    static final String HELP = """
            Usage: berth doctor [--json]

            Checks the agent, the container engine (version, API, storage driver), the
            broker connection, the registries of the current document, free disk and
            inodes, memory, the clock, the state dir and socket permissions and the cgroup
            controllers. One line each: ok, warn or fail, with a fix for each problem.
            Exit code 0 when nothing fails, 1 otherwise.
            """;

    record Check(String name, String level, String message, String fix) {}

    private final Map<String, String> env;
    private final List<Check> checks = new ArrayList<>();
    private JsonNode agent;

    Doctor(Map<String, String> env) {
        this.env = env;
    }

    static int main(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(HELP);
            return AgentVerbs.OK;
        }
        boolean json = args.contains("--json");
        if (args.stream().anyMatch(a -> !a.equals("--json"))) {
            err.println("berth doctor: unexpected argument; usage: berth doctor [--json]");
            return AgentVerbs.USAGE;
        }
        Doctor doctor = new Doctor(env);
        List<Check> checks = doctor.run();
        out.print(json ? toJson(checks) : render(checks, Terminal.detect(env)));
        return checks.stream().anyMatch(c -> c.level().equals("fail")) ? AgentVerbs.FAILED : AgentVerbs.OK;
    }

    static String render(List<Check> checks, Terminal term) {
        StringBuilder out = new StringBuilder();
        int fails = 0;
        int warns = 0;
        for (Check c : checks) {
            String level = c.level();
            out.append(term.state(level)).append(" ".repeat(6 - level.length()))
                    .append(String.format("%-12s", c.name())).append(c.message()).append('\n');
            if (c.fix() != null && !level.equals("ok")) {
                out.append("      ").append(" ".repeat(12)).append("fix: ").append(c.fix()).append('\n');
            }
            fails += level.equals("fail") ? 1 : 0;
            warns += level.equals("warn") ? 1 : 0;
        }
        out.append('\n').append(fails == 0 ? "No problems found" : fails + (fails == 1 ? " check failed" : " checks failed"))
                .append(warns > 0 ? " (" + warns + (warns == 1 ? " warning)" : " warnings)") : "").append(".\n");
        return out.toString();
    }

    static String toJson(List<Check> checks) {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var array = mapper.createArrayNode();
        checks.forEach(c -> array.addObject().put("check", c.name()).put("level", c.level())
                .put("message", c.message()).put("fix", c.fix()));
        return array.toPrettyString() + "\n";
    }

    List<Check> run() {
        agentCheck();
        String dockerHost = agent != null ? agent.path("agent").path("dockerHost").asText()
                : env.getOrDefault("BERTH_DOCKER_HOST", "unix:///var/run/docker.sock");
        JsonNode info = engineCheck(new EngineHttp(dockerHost));
        brokerAndRegistries();
        Path stateDir = Path.of(agent != null ? agent.path("agent").path("stateDir").asText()
                : env.getOrDefault("BERTH_STATE_DIR", "/var/lib/berth"));
        HostChecks host = new HostChecks(checks, agent != null);
        if (info != null) {
            host.disk("engine data", Path.of(info.path("DockerRootDir").asText("/var/lib/docker")));
        }
        host.disk("berth data", stateDir);
        host.memory();
        host.clock();
        host.permissions(stateDir, AgentVerbs.socket(env));
        host.cgroups(info);
        return checks;
    }

    private void add(String name, String level, String message, String fix) {
        checks.add(new Check(name, level, message, fix));
    }

    private void agentCheck() {
        Path socket = AgentVerbs.socket(env);
        try {
            agent = new ControlClient(socket).call("diagnose", null);
            JsonNode facts = agent.path("agent");
            add("agent", agent.path("paused").asBoolean() ? "warn" : "ok", "Berth " + facts.path("version").asText()
                    + " running as device " + facts.path("device").asText() + " (profile "
                    + facts.path("profile").asText() + ")" + (agent.path("paused").asBoolean()
                    ? "; reconciliation is paused" : ""), "berth resume");
        } catch (ControlClient.UnreachableException e) {
            add("agent", "fail", "not running (no answer on " + socket + ")",
                    "start it: systemctl start berth, or berth agent; set BERTH_SOCKET if it uses another socket");
        } catch (IOException e) {
            add("agent", "fail", "does not answer properly: " + e.getMessage(), "look at the agent's log");
        }
    }

    private JsonNode engineCheck(EngineSocket probe) {
        JsonNode version;
        JsonNode info;
        try {
            version = probe.get("/version");
            info = probe.get("/info");
        } catch (IOException e) {
            add("engine", "fail", e.getMessage(), "start the engine (systemctl start docker) or set BERTH_DOCKER_HOST");
            return null;
        }
        String api = version.path("ApiVersion").asText("?");
        add("engine", "ok", "Docker " + version.path("Version").asText("?") + " at " + probe.host() + ", "
                + version.path("Os").asText() + "/" + version.path("Arch").asText(), null);
        add("engine api", apiAtLeast(api, 1, 40) ? "ok" : "warn", "API " + api,
                "Berth is tested with API 1.41 (Docker 20.10) and later: update the engine");
        String driver = info.path("Driver").asText("?");
        boolean good = Set.of("overlay2", "fuse-overlayfs", "btrfs", "zfs", "overlayfs").contains(driver);
        add("storage", good ? "ok" : "warn", "storage driver " + driver,
                "use overlay2 (vfs and devicemapper waste space and are slow on flash)");
        return info;
    }

    static boolean apiAtLeast(String api, int major, int minor) {
        String[] parts = api.split("\\.");
        try {
            int ma = Integer.parseInt(parts[0]);
            int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return ma > major || ma == major && mi >= minor;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void brokerAndRegistries() {
        if (agent == null) {
            add("broker", "warn", "cannot tell without the agent", "start the agent, then run berth doctor again");
            return;
        }
        String url = agent.path("agent").path("mqttUrl").asText();
        if (agent.path("mqttConnected").asBoolean()) {
            add("broker", "ok", "authenticated and " + agent.path("mqtt").asText("connected to " + url), null);
        } else {
            add("broker", "fail", "not connected to " + url + ": " + agent.path("mqtt").asText(),
                    "check BERTH_MQTT_URL, the broker's address and port, and mqtt.username/mqtt.password");
        }
        JsonNode tls = agent.path("tls");
        if (tls.isObject()) {
            add("broker tls", tls.path("level").asText("warn"), tls.path("message").asText(),
                    "install the broker's CA in the JVM's trust store, or fix the certificate's host name or dates");
        }
        JsonNode registries = agent.path("registries");
        if (registries.isEmpty()) {
            add("registries", "ok", "none in the current document", null);
        }
        for (JsonNode r : registries) {
            add("registry", r.path("level").asText("warn"), r.path("message").asText(),
                    "check the registry's address and the credentials under 'registries' in the desired document");
        }
    }
}
