package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.EngineSocket;
import io.berth.engine.http.EngineHttp;
import io.berth.localapi.ControlClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code berth doctor}: one line per check (ok / warn / fail) with a fix for each problem. The
 * agent answers for what only it knows (its broker link, the registries of its document); the
 * rest is checked here, so that doctor also helps when the agent does not run.
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

    private static final long GIB = 1024L * 1024 * 1024;
    private static final long MIB = 1024L * 1024;

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
        if (info != null) {
            disk("engine data", Path.of(info.path("DockerRootDir").asText("/var/lib/docker")));
        }
        disk("berth data", stateDir);
        memory();
        clock();
        permissions(stateDir, AgentVerbs.socket(env));
        cgroups(info);
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

    private void disk(String name, Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            add(name, "warn", path + " does not exist", "create it or fix the configuration");
            return;
        }
        try {
            FileStore store = Files.getFileStore(existing);
            long free = store.getUsableSpace();
            long total = store.getTotalSpace();
            String message = path + ": " + free / MIB + " MiB free of " + total / MIB + " MiB";
            String level = free < 200 * MIB ? "fail" : free < GIB || free * 10 < total ? "warn" : "ok";
            long[] inodes = inodes(existing);
            if (inodes != null) {
                message += ", " + inodes[0] + " inodes free of " + inodes[1];
                if (inodes[1] > 0 && inodes[0] < 1000) {
                    level = "fail";
                } else if (inodes[1] > 0 && inodes[0] * 20 < inodes[1] && level.equals("ok")) {
                    level = "warn";
                }
            }
            add(name, level, message, "free space: docker image prune, remove orphan volumes, or a bigger card");
        } catch (IOException e) {
            add(name, "warn", "cannot read free space of " + path + ": " + e.getMessage(), null);
        }
    }

    /** Free and total inodes from {@code df -Pi}, or null when df is not there. */
    private static long[] inodes(Path path) {
        String text = command(List.of("df", "-Pi", path.toString()));
        if (text == null) {
            return null;
        }
        String[] lines = text.strip().split("\n");
        String[] cols = lines[lines.length - 1].trim().split("\\s+");
        try {
            return new long[] {Long.parseLong(cols[3]), Long.parseLong(cols[1])};
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void memory() {
        try {
            long total = 0;
            long available = 0;
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                String[] cols = line.split("\\s+");
                if (line.startsWith("MemTotal:")) {
                    total = Long.parseLong(cols[1]) * 1024;
                } else if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(cols[1]) * 1024;
                }
            }
            String level = available < 32 * MIB ? "fail" : available < 100 * MIB ? "warn" : "ok";
            add("memory", level, available / MIB + " MiB available of " + total / MIB + " MiB",
                    "lower the services' mem_limit or stop unneeded services");
        } catch (IOException | RuntimeException e) {
            add("memory", "warn", "cannot read /proc/meminfo", null);
        }
    }

    private void clock() {
        Instant now = Instant.now();
        Instant built = buildTime();
        if (built != null && now.isBefore(built.minus(Duration.ofDays(1)))) {
            add("clock", "fail", "the clock says " + now + ", before this Berth was built (" + built + ")",
                    "set the time (timedatectl set-ntp true, or date -s); TLS and logs need a sane clock");
            return;
        }
        String sync = command(List.of("timedatectl", "show", "-p", "NTPSynchronized", "--value"));
        if (sync != null && sync.strip().equals("yes")) {
            add("clock", "ok", now + ", NTP synchronised", null);
        } else if (sync != null && sync.strip().equals("no")) {
            add("clock", "warn", now + ", NTP not synchronised", "timedatectl set-ntp true, and let UDP 123 out");
        } else {
            add("clock", "ok", now + " (after the build date; NTP state unknown on this system)", null);
        }
    }

    /** When the running jar was built: its file time (good enough for a clock that reset to 1970). */
    private static Instant buildTime() {
        try {
            var source = Doctor.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            return Files.getLastModifiedTime(Path.of(source.getLocation().toURI())).toInstant();
        } catch (Exception e) {
            return null;
        }
    }

    private void permissions(Path stateDir, Path socket) {
        try {
            if (!Files.isDirectory(stateDir)) {
                add("state dir", agent == null ? "warn" : "fail", stateDir + " does not exist",
                        "the agent creates it at start; check BERTH_STATE_DIR");
            } else {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(stateDir);
                boolean open = perms.contains(PosixFilePermission.OTHERS_READ)
                        || perms.contains(PosixFilePermission.OTHERS_WRITE);
                add("state dir", open ? "warn" : "ok", stateDir + " " + PosixFilePermissions.toString(perms)
                        + (Files.isWritable(stateDir) ? "" : " (not writable by this user)"), "chmod 700 " + stateDir);
                Path desired = stateDir.resolve("desired.json");
                if (Files.exists(desired)) {
                    Set<PosixFilePermission> p = Files.getPosixFilePermissions(desired);
                    boolean secret = p.equals(PosixFilePermissions.fromString("rw-------"));
                    add("credentials", secret ? "ok" : "fail", desired + " " + PosixFilePermissions.toString(p),
                            "chmod 600 " + desired + " (it may hold registry passwords)");
                }
            }
        } catch (IOException e) {
            add("state dir", "warn", "cannot read the permissions of " + stateDir + ": " + e.getMessage(),
                    "run berth doctor as root");
        }
        try {
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(socket);
                boolean others = p.contains(PosixFilePermission.OTHERS_READ)
                        || p.contains(PosixFilePermission.OTHERS_WRITE);
                add("socket", others ? "fail" : "ok", socket + " " + PosixFilePermissions.toString(p),
                        "chmod 660 " + socket + " (anyone who can write it controls the device)");
            } else if (agent != null) {
                add("socket", "warn", socket + " missing though the agent answers", null);
            }
        } catch (IOException e) {
            add("socket", "warn", "cannot read the permissions of " + socket + ": " + e.getMessage(), null);
        }
    }

    private void cgroups(JsonNode info) {
        Path v2 = Path.of("/sys/fs/cgroup/cgroup.controllers");
        boolean memory;
        boolean cpu;
        String version;
        try {
            if (Files.exists(v2)) {
                String controllers = Files.readString(v2, StandardCharsets.UTF_8);
                memory = controllers.contains("memory");
                cpu = controllers.contains("cpu");
                version = "v2";
            } else {
                memory = Files.isDirectory(Path.of("/sys/fs/cgroup/memory"));
                cpu = Files.isDirectory(Path.of("/sys/fs/cgroup/cpu"));
                version = "v1";
            }
        } catch (IOException e) {
            add("cgroups", "warn", "cannot read /sys/fs/cgroup: " + e.getMessage(), null);
            return;
        }
        if (info != null) {
            memory &= info.path("MemoryLimit").asBoolean(true);
            cpu &= info.path("CpuCfsQuota").asBoolean(true);
        }
        add("cgroups", memory && cpu ? "ok" : "warn", "cgroup " + version + ", memory controller "
                + (memory ? "present" : "missing") + ", cpu controller " + (cpu ? "present" : "missing"),
                "enable them on the kernel command line: cgroup_enable=memory cgroup_memory=1 (Raspberry Pi: "
                        + "/boot/cmdline.txt); without them mem_limit and cpus are ignored");
    }

    /** Runs a short command and returns its output, or null when it is missing or fails. */
    static String command(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] output = p.getInputStream().readNBytes(1 << 20);
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(output, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
