package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.engine.EngineSocket;
import io.berth.engine.http.EngineHttp;
import io.berth.localapi.ControlClient;
import io.berth.support.Redactor;
import io.berth.support.Version;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * {@code berth support-bundle}: one .tar.gz a technician hands to the fleet team. Every entry
 * passes the {@link Redactor} (secret-looking keys, {@code KEY=value} of such keys, PEM private
 * keys) and then a scrub of every secret value this process can learn (registry passwords and
 * secret environment values of the stored document, the MQTT password from the environment).
 */
final class SupportBundle {
    static final String HELP = """
            Usage: berth support-bundle [-o FILE [--force]] [--agent-log FILE]

            Writes a .tar.gz for the fleet team: the agent's settings, stored document and
            last report, the agent's recent log, the engine's info and version, inspects
            and log tails of the managed containers, and doctor's output. Passwords, tokens,
            private keys and secret-looking environment values are removed.
              -o, --output FILE   where to write (default: berth-support-DEVICE-TIME.tar.gz)
              --force             replace FILE when it exists (else berth refuses)
              --agent-log FILE    the agent's log file, when it does not log to journald
            """;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LOG_TAIL = 500;
    private static final int AGENT_LOG_LINES = 2000;
    private static final List<String> AGENT_UPDATE_RECORDS = List.of("pending.json", "result.json", "failed.json",
            "confirmed", "update.log", "updater.log");
    /** A record's end, at most: the script's logs are of one run, but a run can print much. */
    private static final int AGENT_UPDATE_RECORD_BYTES = 256 * 1024;

    private final Map<String, String> env;
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private final Set<String> secrets = new LinkedHashSet<>();
    private final List<String> notes = new ArrayList<>();

    private SupportBundle(Map<String, String> env) {
        this.env = env;
    }

    static int main(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(HELP);
            return AgentVerbs.OK;
        }
        Args a;
        try {
            a = Args.parse(args, Set.of("--force"), Set.of("--output", "--agent-log"), Map.of("-o", "--output"));
            if (!a.positional.isEmpty()) {
                throw new Args.UsageException("unexpected argument '" + a.positional.get(0) + "'");
            }
            if (a.value("--output") != null) {
                OutputFiles.check(Path.of(a.value("--output")), a.has("--force"));
            }
        } catch (Args.UsageException e) {
            err.println("berth support-bundle: " + e.getMessage());
            err.print(HELP);
            return AgentVerbs.USAGE;
        }
        SupportBundle bundle = new SupportBundle(env);
        String device = bundle.collect(a.value("--agent-log") == null ? null : Path.of(a.value("--agent-log")));
        String time = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path file = Path.of(a.value("--output") != null ? a.value("--output")
                : "berth-support-" + device.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + time + ".tar.gz");
        try {
            bundle.write(file, a.has("--force"));
        } catch (IOException e) {
            err.println("berth support-bundle: cannot write " + file + ": " + e.getMessage());
            return AgentVerbs.FAILED;
        }
        out.println("wrote " + file + " (" + bundle.entries.size() + " files; secrets removed)");
        bundle.notes.forEach(n -> err.println("note: " + n));
        return AgentVerbs.OK;
    }

    /** Gathers everything; returns the device id for the file name. */
    String collect(Path agentLog) {
        String device = env.getOrDefault("BERTH_DEVICE_ID", "device");
        addSecret(env.get("BERTH_MQTT_PASSWORD"));
        JsonNode support = null;
        try {
            support = new ControlClient(AgentVerbs.socket(env)).call("support", null);
            device = support.path("agent").path("device").asText(device);
        } catch (IOException e) {
            notes.add("the agent did not answer (" + e.getMessage() + "): the bundle has no agent state");
            entries.put("agent/UNREACHABLE.txt", text(e.getMessage() + "\n"));
        }
        String stateDir = support != null ? support.path("agent").path("stateDir").asText()
                : env.getOrDefault("BERTH_STATE_DIR", "/var/lib/berth");
        learnSecrets(Path.of(stateDir).resolve("desired.json"));
        if (support != null) {
            support.path("scrub").forEach(v -> addSecret(v.asText(null))); // what the agent read for us
            json("agent/config.json", support.path("agent"));
            json("agent/status.json", support.path("status"));
            json("agent/report.json", support.path("status").path("report"));
            json("agent/desired.json", support.path("desired"));
        }
        Map<String, String> berthEnv = new java.util.TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("BERTH_")) {
                berthEnv.put(k, v);
            }
        });
        json("cli/environment.json", JSON.valueToTree(berthEnv));
        agentLog(agentLog);
        entries.putAll(agentUpdateRecords(Path.of(stateDir).resolve("agent-update"), notes));

        String dockerHost = support != null ? support.path("agent").path("dockerHost").asText()
                : env.getOrDefault("BERTH_DOCKER_HOST", "unix:///var/run/docker.sock");
        EngineSocket engine = new EngineHttp(dockerHost);
        try {
            json("engine/version.json", engine.get("/version"));
            json("engine/info.json", engine.get("/info"));
            for (Map.Entry<String, String> c : containers(engine, support).entrySet()) {
                String name = c.getValue().replaceAll("[^A-Za-z0-9_.-]", "_");
                try {
                    json("containers/" + name + ".inspect.json", Redactor.redactInspect(
                            engine.get("/containers/" + c.getKey() + "/json")));
                    entries.put("containers/" + name + ".log", text(engine.logTail(c.getKey(), LOG_TAIL)));
                } catch (IOException e) {
                    entries.put("containers/" + name + ".error.txt", text(e.getMessage() + "\n"));
                }
            }
        } catch (IOException e) {
            notes.add("the engine did not answer: " + e.getMessage());
            entries.put("engine/UNREACHABLE.txt", text(e.getMessage() + "\n"));
        }
        List<Doctor.Check> checks = new Doctor(env).run();
        entries.put("doctor.txt", text(Doctor.render(checks, new Terminal(false))));
        entries.put("README.txt", text("Berth support bundle\ncreated " + Instant.now() + " by berth "
                + Version.current() + " for device " + device + "\nSecrets (passwords, tokens, private keys, every "
                + "environment value of the desired document and of container inspects, URL user info, "
                + "Authorization headers, --password-style arguments) were removed and show as " + Redactor.MASK
                + ".\n"));
        return device;
    }

    /** The managed containers: the agent's list, or the engine's containers with Berth's labels. */
    private Map<String, String> containers(EngineSocket engine, JsonNode support) throws IOException {
        Map<String, String> found = new LinkedHashMap<>();
        if (support != null) {
            support.path("containers").forEach(c -> found.put(c.path("id").asText(), c.path("name").asText()));
            return found;
        }
        List<String> labels = new ArrayList<>(List.of("berth.managed=true"));
        String device = env.get("BERTH_DEVICE_ID");
        if (device != null && !device.isBlank()) {
            labels.add("berth.device=" + device);
        }
        String filters = JSON.createObjectNode().set("label", JSON.valueToTree(labels)).toString();
        JsonNode list = engine.get("/containers/json?all=1&filters="
                + URLEncoder.encode(filters, StandardCharsets.UTF_8));
        for (JsonNode c : list) {
            String name = c.path("Names").path(0).asText(c.path("Id").asText());
            found.put(c.path("Id").asText(), name.startsWith("/") ? name.substring(1) : name);
        }
        return found;
    }

    private void agentLog(Path file) {
        String log = null;
        if (file != null) {
            try {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                log = String.join("\n", lines.subList(Math.max(0, lines.size() - AGENT_LOG_LINES), lines.size()))
                        + "\n";
            } catch (IOException e) {
                notes.add("cannot read the agent log " + file + ": " + e.getMessage());
            }
        } else {
            log = HostCommand.run(List.of("journalctl", "-u", "berth", "--no-pager", "-n",
                    String.valueOf(AGENT_LOG_LINES)));
            if (log == null) {
                notes.add("no journald log of the berth unit; pass --agent-log FILE if the agent logs to a file");
            }
        }
        if (log != null) {
            StringBuilder redacted = new StringBuilder();
            log.lines().forEach(line -> redacted.append(Redactor.redactText(line)).append('\n'));
            entries.put("agent/agent.log", text(redacted.toString()));
        }
    }

    /**
     * The agent update's records in {@code dir} ({@code {stateDir}/agent-update}), as
     * {@code agent-update/NAME}: where an update stands and why one failed. Not its packages.
     */
    static Map<String, byte[]> agentUpdateRecords(Path dir, List<String> notes) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String name : AGENT_UPDATE_RECORDS) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            try {
                byte[] bytes = Files.readAllBytes(file);
                String text = new String(bytes, Math.max(0, bytes.length - AGENT_UPDATE_RECORD_BYTES),
                        Math.min(bytes.length, AGENT_UPDATE_RECORD_BYTES), StandardCharsets.UTF_8);
                StringBuilder redacted = new StringBuilder();
                text.lines().forEach(line -> redacted.append(Redactor.redactText(line)).append('\n'));
                out.put("agent-update/" + name, text(redacted.toString()));
            } catch (IOException e) {
                notes.add("cannot read " + file + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** Reads the stored document, where this user may, to learn the secret values to scrub. */
    private void learnSecrets(Path desired) {
        try {
            Redactor.documentSecrets(JSON.readTree(Files.readAllBytes(desired))).forEach(this::addSecret);
        } catch (IOException | RuntimeException e) {
            // not readable by this user (or absent): the agent's list and the structural redaction still apply
        }
    }

    private void addSecret(String value) {
        if (value != null && !value.isBlank()) {
            secrets.add(value);
        }
    }

    private void json(String name, JsonNode node) {
        try {
            entries.put(name, text(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Redactor.redact(node))
                    + "\n"));
        } catch (IOException e) {
            entries.put(name, text("cannot render: " + e.getMessage() + "\n"));
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    void write(Path file, boolean force) throws IOException {
        Path temp = file.toAbsolutePath().resolveSibling("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream os = Files.newOutputStream(temp, StandardOpenOption.WRITE);
             GzipCompressorOutputStream gz = new GzipCompressorOutputStream(os);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            String root = file.getFileName().toString().replaceAll("\\.tar\\.gz$|\\.tgz$", "") + "/";
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                byte[] content = text(Redactor.scrub(new String(e.getValue(), StandardCharsets.UTF_8), secrets));
                TarArchiveEntry entry = new TarArchiveEntry(root + e.getKey());
                entry.setSize(content.length);
                entry.setMode(0600);
                entry.setModTime(java.util.Date.from(Instant.now()));
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        OutputFiles.place(temp, file, force);
    }
}
