package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code berth} CLI as a technician runs it: the built jar against a running agent (also the
 * built jar) on the real engine, broker and registry, every verb, and the failure paths.
 */
class CliProcessIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Given in the desired document only: it must show up nowhere a human can read. */
    private static final String REGISTRY_PASSWORD = "Reg-Pa55-" + Long.toHexString(System.nanoTime());
    private static final String TOKEN_VALUE = "tok-" + Long.toHexString(System.nanoTime());

    private TestDevice device;
    private Path agentLog;
    private List<String> outputs;

    private BerthCli cli;

    @BeforeEach
    void setUp() throws Exception {
        device = new TestDevice();
        cli = new BerthCli(device);
        agentLog = cli.agentLog();
        outputs = cli.outputs();
    }

    @AfterEach
    void tearDown() throws Exception {
        cli.stopAgent();
        device.close();
    }

    private Map<String, String> env() {
        return cli.env();
    }

    private static ProcessBuilder process(Map<String, String> env, List<String> jvm, String... args) {
        return BerthCli.process(env, jvm, args);
    }

    private BerthCli.Result berth(String... args) throws Exception {
        return cli.berth(args);
    }

    private BerthCli.Result berth(Map<String, String> env, List<String> jvm, String... args) throws Exception {
        return cli.berth(env, jvm, args);
    }

    private void startAgent() throws Exception {
        cli.startAgent();
    }

    private void stopAgent() throws Exception {
        cli.stopAgent();
    }

    private String agentLogText() {
        return cli.agentLogText();
    }

    private JsonNode awaitReport(String what, Predicate<JsonNode> condition) throws Exception {
        return cli.awaitReport(what, condition);
    }

    private static <T> java.util.function.Supplier<T> unchecked(java.util.concurrent.Callable<T> call) {
        return BerthCli.unchecked(call);
    }

    private static boolean at(JsonNode report, String phase, long desired, long applied) {
        return BerthCli.at(report, phase, desired, applied);
    }

    @Test
    void withoutAnAgentEveryAgentVerbSaysSoInOneLineAndExitsThree() throws Exception {
        for (String[] args : List.of(new String[] {"status"}, new String[] {"logs", "web"}, new String[] {"logs"},
                new String[] {"restart", "web"}, new String[] {"pause"}, new String[] {"resume"},
                new String[] {"status", "--json"}, new String[] {"stop", "web"}, new String[] {"start", "web", "db"},
                new String[] {"events"}, new String[] {"volumes"}, new String[] {"volumes", "prune", "--force"},
                new String[] {"config"})) {
            BerthCli.Result r = berth(args);
            assertEquals(3, r.code(), r.all());
            assertEquals("", r.out());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("not running") && r.err().contains("berth agent"), r.err());
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        }
        Path doc = device.stateDir.resolve("doc.yaml");
        Files.writeString(doc, "services: {x: {image: busybox}}\n");
        assertEquals(3, berth("apply", doc.toString()).code());
    }

    @Test
    void usageErrorsExitTwoAndEveryVerbHasHelp() throws Exception {
        BerthCli.Result unknown = berth("frobnicate");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.err());
        assertEquals(2, berth("logs", "web", "--tail").code());
        assertEquals(2, berth("logs", "--until", "whenever").code());
        assertEquals(2, berth("apply", "--timeout", "1m", "x.yaml").code(), "--timeout goes with --wait");
        assertEquals(2, berth("stop").code());
        assertEquals(2, berth("exec", "web").code(), "no command");
        assertEquals(2, berth("volumes", "frob").code());
        assertEquals(2, berth("logs", "web", "--tail", "many").code());
        assertEquals(2, berth("status", "extra").code());
        assertEquals(2, berth("restart").code());
        for (String verb : List.of("status", "logs", "start", "stop", "restart", "exec", "events", "volumes", "pause",
                "resume", "apply", "config", "doctor", "support-bundle", "load", "bundle", "publish", "watch", "agent",
                "validate", "keygen", "sign", "version", "help")) {
            for (String[] asked : List.of(new String[] {verb, "--help"}, new String[] {"help", verb})) {
                BerthCli.Result help = berth(asked);
                assertEquals(0, help.code(), verb + ": " + help.all());
                assertTrue(help.out().startsWith("Usage: berth " + verb), help.out());
                help.out().lines().forEach(line -> assertTrue(line.length() <= 80, line));
            }
        }
    }

    @Test
    void aTechnicianDrivesTheAgent() throws Exception {
        String web = device.container("web");
        startAgent();

        // socket verbs load neither Paho nor docker-java
        BerthCli.Result verbose = berth(env(), List.of("-verbose:class"), "status");
        assertEquals(0, verbose.code(), verbose.all());
        assertFalse(verbose.out().contains("org.eclipse.paho") || verbose.out().contains("com.github.dockerjava")
                || verbose.out().contains("org.apache.hc"), "status loaded an MQTT or docker-java class");

        Path compose = device.stateDir.resolve("compose.yaml");
        Files.writeString(compose, """
                services:
                  %s:
                    image: %s
                    command: ["sh", "-c", "echo line one; echo line two >&2; exec sleep 3600"]
                    environment:
                      API_TOKEN: %s
                      MODE: test
                registries:
                  "127.0.0.1:5000": {username: tech, password: %s}
                """.formatted(web, ReconcileIT.IMAGE_V1, TOKEN_VALUE, REGISTRY_PASSWORD));
        BerthCli.Result apply = berth("apply", compose.toString());
        assertEquals(0, apply.code(), apply.all());
        assertTrue(apply.out().contains("accepted revision 1"), apply.out());
        awaitReport("converged on revision 1", r -> at(r, "converged", 1, 1));
        BerthCli.Result json = berth("status", "--json");
        assertEquals(0, json.code(), json.all());
        JsonNode report = JSON.readTree(json.out());
        assertTrue(at(report, "converged", 1, 1), json.out());
        assertEquals("cli", report.path("source").asText());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                device.stateDir.resolve("state/desired.json"))), "the stored document holds credentials");
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                device.stateDir.resolve("run/berth.sock"))));

        BerthCli.Result again = berth("apply", compose.toString());
        assertEquals(0, again.code(), again.all());
        assertTrue(again.out().contains("nothing to do"), "the same file twice is the same revision: " + again.out());

        BerthCli.Result status = berth("status");
        assertEquals(0, status.code(), status.all());
        assertTrue(status.out().contains("Phase:     converged"), status.out());
        assertTrue(status.out().contains("desired 1, applied 1 (from cli)"), status.out());
        assertTrue(status.out().lines().anyMatch(l -> l.startsWith(web) && l.contains("running")), status.out());
        status.out().lines().forEach(line -> assertTrue(line.length() <= 80, line));

        BerthCli.Result logs = Await.until("both log lines", unchecked(() -> {
            BerthCli.Result r = berth("logs", web);
            return r.out().contains("line one") && r.err().contains("line two") ? r : null;
        }), Duration.ofSeconds(20), () -> "");
        assertEquals(0, logs.code());
        BerthCli.Result tail = berth("logs", "--tail", "1", "-t", web);
        assertEquals(0, tail.code(), tail.all());
        assertEquals(1, (tail.out() + tail.err()).strip().lines().count(), tail.all());
        assertTrue((tail.out() + tail.err()).matches("(?s)\\d{4}-\\d\\d-\\d\\dT.*"), "timestamps: " + tail.all());
        BerthCli.Result since = berth("logs", web, "--since", "1h");
        assertEquals(0, since.code(), since.all());
        assertTrue(since.out().contains("line one"), since.out());

        // -f follows until the client goes; the agent lets go of the stream and keeps serving
        Process follow = process(env(), List.of(), "logs", "-f", web).start();
        BufferedReader followed = new BufferedReader(new InputStreamReader(follow.getInputStream(),
                StandardCharsets.UTF_8));
        assertEquals("line one", followed.readLine());
        follow.destroy();
        assertTrue(follow.waitFor(20, TimeUnit.SECONDS));

        BerthCli.Result missing = berth("logs", "nosuchservice");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no service named 'nosuchservice'") && missing.err().contains(web),
                missing.err());

        String startedBefore = DockerCli.inspect(web, "{{.State.StartedAt}}");
        BerthCli.Result restart = berth("restart", web);
        assertEquals(0, restart.code(), restart.all());
        assertTrue(!startedBefore.equals(DockerCli.inspect(web, "{{.State.StartedAt}}")), "restarted");

        // pause: persisted across an agent restart; documents are stored but not applied
        BerthCli.Result pause = berth("pause");
        assertEquals(0, pause.code(), pause.all());
        awaitReport("paused", r -> "paused".equals(r.path("phase").asText()));
        assertTrue(Files.exists(device.stateDir.resolve("state/paused")));
        stopAgent();
        startAgent();
        awaitReport("still paused after a restart", r -> "paused".equals(r.path("phase").asText()));
        Files.writeString(compose, Files.readString(compose).replace("exec sleep 3600", "exec sleep 3601"));
        BerthCli.Result paused = berth("apply", compose.toString());
        assertEquals(0, paused.code(), paused.all());
        assertTrue(paused.out().contains("accepted revision 2"), paused.out());
        awaitReport("revision 2 stored, not applied", r -> at(r, "paused", 2, 1));
        assertTrue(DockerCli.inspect(web, "{{json .Config.Cmd}}").contains("sleep 3600"), "nothing changed");
        assertTrue(berth("status").out().contains("reconciliation paused"));
        BerthCli.Result resume = berth("resume");
        assertEquals(0, resume.code(), resume.all());
        awaitReport("converged on revision 2", r -> at(r, "converged", 2, 2));
        assertTrue(DockerCli.inspect(web, "{{json .Config.Cmd}}").contains("sleep 3601"));

        // the same validation and revision rules as MQTT
        Path bad = device.stateDir.resolve("bad.json");
        Files.writeString(bad, """
                {"revision": 1, "services": {"%s": {"image": "%s"}}}
                """.formatted(web, ReconcileIT.IMAGE_V1));
        BerthCli.Result lower = berth("apply", bad.toString());
        assertEquals(1, lower.code(), lower.all());
        assertTrue(lower.err().contains("lower than the accepted revision 2"), lower.err());
        Files.writeString(bad, """
                {"services": {"%s": {"image": "%s", "ports": ["not-a-port"], "secrets": ["x"]}}}
                """.formatted(web, ReconcileIT.IMAGE_V1));
        BerthCli.Result invalid = berth("apply", bad.toString());
        assertEquals(1, invalid.code(), invalid.all());
        assertTrue(invalid.err().contains("services." + web + ".ports[0]"), invalid.err());
        assertTrue(invalid.err().contains("services." + web + ".secrets"), invalid.err());

        BerthCli.Result doctor = berth("doctor");
        assertEquals(0, doctor.code(), doctor.all());
        for (String check : List.of("agent", "engine", "engine api", "storage", "broker", "broker tls", "registry",
                "memory",
                "clock", "state dir", "credentials", "socket", "cgroups")) {
            assertTrue(doctor.out().lines().anyMatch(l -> l.matches("(ok|warn) +" + check + " .*")),
                    check + " in\n" + doctor.out());
        }
        assertTrue(doctor.out().contains("registry 127.0.0.1:5000 reachable"), doctor.out());

        Path bundle = device.stateDir.resolve("support.tar.gz");
        BerthCli.Result support = berth("support-bundle", "-o", bundle.toString(), "--agent-log", agentLog.toString());
        assertEquals(0, support.code(), support.all());
        Map<String, String> files = untar(bundle);
        for (String expected : List.of("agent/config.json", "agent/report.json", "agent/desired.json",
                "agent/agent.log", "engine/version.json", "engine/info.json", "containers/" + web + ".inspect.json",
                "containers/" + web + ".log", "doctor.txt")) {
            assertTrue(files.keySet().stream().anyMatch(name -> name.endsWith("/" + expected)),
                    expected + " in " + files.keySet());
        }
        String everything = String.join("\n", files.values());
        assertTrue(everything.contains("line one"), "container log tails are in the bundle");
        assertTrue(everything.contains("API_TOKEN=***"), "secret environment values are masked");

        // a registry password given in a desired document appears nowhere a human reads
        assertFalse(outputs.isEmpty(), "the CLI's outputs were recorded");
        for (String secret : List.of(REGISTRY_PASSWORD, TOKEN_VALUE)) {
            files.forEach((name, content) -> assertFalse(content.contains(secret), secret + " in bundle " + name));
            assertFalse(agentLogText().contains(secret), secret + " in the agent log");
            outputs.forEach(out -> assertFalse(out.contains(secret), secret + " in CLI output"));
        }
        assertFalse(REGISTRY_PASSWORD.isEmpty());
    }

    @Test
    void aDeviceConvergesFromAUsbStickAlone() throws Exception {
        String job = device.container("side");
        // an image tag only this test has: no registry serves it, so converging proves the sideload
        String image = "berth-it-sideload-" + device.id + ":1";
        String other = "berth-it-tampered-" + device.id + ":1";
        Path stick = Files.createDirectories(device.stateDir.resolve("usb"));
        try {
            DockerCli.ok("tag", ReconcileIT.IMAGE_V1, image);
            Path doc = stick.resolve("compose.yaml");
            Files.writeString(doc, """
                    services:
                      %s:
                        image: %s
                        command: ["sleep", "3600"]
                    """.formatted(job, image));
            Path bundle = stick.resolve("site.tar.gz");
            BerthCli.Result create = berth("bundle", "create", "-o", bundle.toString(), doc.toString());
            assertEquals(0, create.code(), create.all());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(bundle)));
            DockerCli.ok("rmi", image);

            startAgent();
            // a truncated bundle is refused whole
            Path truncated = stick.resolve("truncated.tar.gz");
            byte[] bytes = Files.readAllBytes(bundle);
            Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
            BerthCli.Result refused = berth("apply", truncated.toString());
            assertEquals(1, refused.code(), refused.all());
            assertTrue(refused.err().contains("nothing was loaded"), refused.err());
            assertFalse(imagePresent(image), "nothing was loaded from a truncated bundle");

            BerthCli.Result apply = berth("apply", bundle.toString());
            assertEquals(0, apply.code(), apply.all());
            assertTrue(apply.out().contains("loaded 1 image(s)") && apply.out().contains("accepted revision 1"),
                    apply.out());
            awaitReport("converged from the bundle", r -> at(r, "converged", 1, 1));

            // docker save archives: a changed layer is refused and nothing reaches the engine
            DockerCli.ok("tag", ReconcileIT.IMAGE_V1, other);
            Path save = stick.resolve("images.tar");
            DockerCli.ok("save", "-o", save.toString(), other);
            DockerCli.ok("rmi", other);
            byte[] tar = Files.readAllBytes(save);
            int layer = new String(tar, StandardCharsets.ISO_8859_1).indexOf("/layer.tar");
            assertTrue(layer > 0, "a docker save archive of this engine has layer.tar entries");
            byte[] tampered = tar.clone();
            tampered[(layer / 512) * 512 + 512 + 4096] ^= 0x5a;
            Path bad = stick.resolve("tampered.tar");
            Files.write(bad, tampered);
            BerthCli.Result changed = berth("load", bad.toString());
            assertEquals(1, changed.code(), changed.all());
            assertTrue(changed.err().contains("does not match its digest"), changed.err());
            assertFalse(imagePresent(other), "nothing was loaded from a changed archive");
            BerthCli.Result load = berth("load", save.toString());
            assertEquals(0, load.code(), load.all());
            assertTrue(imagePresent(other));
        } finally {
            stopAgent();
            DockerCli.run("rmi", image);
            DockerCli.run("rmi", other);
        }
    }

    @Test
    void anOperatorPublishesAndWatchesOverMqtt() throws Exception {
        String job = device.container("pub");
        startAgent();
        Process watch = process(env(), List.of(), "watch", "--device", device.id).start();
        try {
            BufferedReader watched = new BufferedReader(new InputStreamReader(watch.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = watched.readLine();
            if (first != null && first.contains(" online ")) {
                first = watched.readLine(); // the retained online message may come before the first report
            }
            assertTrue(first != null && first.contains(" reported "), "the retained report comes first: " + first);
            Path doc = device.stateDir.resolve("publish.yaml");
            Files.writeString(doc, """
                    services:
                      %s:
                        image: %s
                        command: ["sleep", "3600"]
                    registries:
                      "127.0.0.1:5000": {username: op, password: %s}
                    """.formatted(job, ReconcileIT.IMAGE_V1, REGISTRY_PASSWORD));
            BerthCli.Result published = berth("publish", "--device", device.id, doc.toString(), "--wait", "--timeout", "90s");
            assertEquals(0, published.code(), published.all());
            assertTrue(published.out().contains("published revision 1") && published.out().contains("converged"),
                    published.out());
            String line;
            boolean converged = false;
            while (!converged && (line = watched.readLine()) != null) {
                assertFalse(line.contains(REGISTRY_PASSWORD), line);
                converged = line.contains("reported converged desired 1 applied 1") && line.contains(job + "=running");
            }
            assertTrue(converged, "watch shows the device converge");
            BerthCli.Result again = berth("publish", "--device", device.id, doc.toString(), "--wait", "--timeout", "30s");
            assertEquals(0, again.code(), again.all());
            assertTrue(again.out().contains("published revision 1"), "same content, same revision: " + again.out());

            Path bad = device.stateDir.resolve("bad.json");
            Files.writeString(bad, "{\"services\": {\"x\": {\"image\": \"a\", \"bogus\": 1}}}");
            BerthCli.Result invalid = berth("publish", "--device", device.id, bad.toString());
            assertEquals(1, invalid.code(), invalid.all());
            assertTrue(invalid.err().contains("services.x.bogus") && invalid.err().contains("nothing was published"),
                    invalid.err());
            assertEquals(2, berth("publish", doc.toString()).code(), "--device is required");
            assertFalse(outputs.isEmpty(), "the CLI's outputs were recorded");
            outputs.forEach(out -> assertFalse(out.contains(REGISTRY_PASSWORD), "password in CLI output"));
        } finally {
            watch.destroy();
            watch.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static boolean imagePresent(String image) {
        return DockerCli.run("image", "inspect", image).exitCode() == 0;
    }

    private static Map<String, String> untar(Path file) throws IOException {
        Map<String, String> files = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                Files.newInputStream(file)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                tar.transferTo(content);
                files.put(entry.getName(), content.toString(StandardCharsets.UTF_8));
            }
        }
        return files;
    }
}
