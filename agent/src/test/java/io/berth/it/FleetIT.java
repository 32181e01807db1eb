package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.fleet.Device;
import io.berth.fleet.FleetView;
import io.berth.fleet.rollout.Rollout;
import io.berth.fleet.rollout.RolloutStore;
import io.berth.link.OperatorConnection;
import io.berth.link.TlsFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fleet rollouts (PROTOCOL.md §10) with three real agents, each on a dockerd of its own,
 * labelled canary/prod, driven by the real {@code berth fleet rollout} process. The engines are
 * started once for the class; each test has its own topic prefix and device ids.
 */
class FleetIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V1 = "127.0.0.1:5000/demo/busybox:1";
    private static final String V2 = "127.0.0.1:5000/demo/busybox:2";
    private static final List<String> NAMES = List.of("c1", "p1", "p2");
    private static final Map<String, PrivateEngine> ENGINES = new ConcurrentHashMap<>();

    private String prefix;
    private final Map<String, TestDevice> devices = new LinkedHashMap<>();
    private OperatorConnection operator;
    private FleetView view;
    private RolloutStore store;
    /** Every record version seen, in order. */
    private final List<Rollout> history = new CopyOnWriteArrayList<>();
    /** Desired documents published to each device after the test's baseline. */
    private final Map<String, List<JsonNode>> published = new ConcurrentHashMap<>();
    private volatile boolean countPublishes;
    private Path dir;
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void engines() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Map<String, Future<PrivateEngine>> starting = new LinkedHashMap<>();
            NAMES.forEach(n -> starting.put(n, pool.submit(PrivateEngine::start)));
            for (Map.Entry<String, Future<PrivateEngine>> e : starting.entrySet()) {
                ENGINES.put(e.getKey(), e.getValue().get(90, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdown();
        }
    }

    @AfterAll
    static void stopEngines() throws Exception {
        for (PrivateEngine e : ENGINES.values()) {
            e.close();
        }
    }

    @BeforeEach
    void fleet() throws Exception {
        prefix = "fleet" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        dir = Files.createTempDirectory("berth-fleet-it");
        operator = OperatorConnection.connect(new OperatorConnection.Settings(List.of(TestBroker.URL), null, null,
                new TlsFiles.Settings(null, null, null)));
        view = new FleetView(prefix);
        store = new RolloutStore(operator, prefix);
        store.addListener(history::add);
        store.attach(true);
        view.attach(operator);
        operator.subscribe(prefix + "/+/desired", (topic, payload) -> {
            if (countPublishes && payload.length > 0) {
                String id = topic.split("/")[1];
                published.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(read(payload));
            }
        });
        for (String name : NAMES) {
            TestDevice d = new TestDevice();
            d.env.put("BERTH_TOPIC_PREFIX", prefix);
            d.env.put("BERTH_DOCKER_HOST", ENGINES.get(name).host);
            d.env.put("BERTH_LABELS", "tier=" + (name.startsWith("c") ? "canary" : "prod") + ",name=" + name);
            devices.put(name, d);
            d.startAgent();
        }
        // the baseline: revision 1 of V1 everywhere, converged and past its trial
        for (TestDevice d : devices.values()) {
            operator.publish(prefix + "/" + d.id + "/desired", document(1, V1).getBytes(StandardCharsets.UTF_8), true);
        }
        for (TestDevice d : devices.values()) {
            awaitDevice(d, "converged on revision 1", x -> "converged".equals(x.phase()) && x.goodRevision() == 1);
        }
        countPublishes = true;
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (TestDevice d : devices.values()) {
            d.close();
        }
        // retained messages of this test's prefix: cleared, so the broker keeps nothing
        for (TestDevice d : devices.values()) {
            for (String t : List.of("desired", "reported", "online")) {
                retainedTopics.add(prefix + "/" + d.id + "/" + t);
            }
        }
        for (String topic : List.copyOf(retainedTopics)) {
            operator.publish(topic, new byte[0], true);
        }
        operator.close();
        ENGINES.values().forEach(PrivateEngine::removeAllContainers);
        ENGINES.values().forEach(PrivateEngine::removeAllNetworks); // their bridges would outlive the engines
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private final List<String> retainedTopics = new CopyOnWriteArrayList<>();

    @Test
    void theCanaryGoesFirstAndProdOnlyAfterItConverged() throws Exception {
        Path doc = file("v2.json", document(0, V2));
        Process driver = berth("fleet", "rollout", "start", "--selector", "tier in (canary,prod)", "--canary",
                "tier=canary", "--waves", "1,100%", "--id", "canary-first", "--wait", doc.toString());
        assertEquals(0, exit(driver, 180), log(driver));
        System.out.println("fleet rollout start --wait printed:\n" + log(driver));
        Process status = berth("fleet", "rollout", "status", "canary-first");
        Process ls = berth("fleet", "ls");
        assertEquals(0, exit(status, 30));
        assertEquals(0, exit(ls, 30));
        System.out.println("fleet rollout status printed:\n" + stdout(status) + "\nfleet ls printed:\n" + stdout(ls));
        assertTrue(stdout(ls).contains(id("c1")) && stdout(ls).contains("tier=canary"), stdout(ls));
        Rollout end = finished("canary-first");
        assertEquals(Rollout.COMPLETED, end.status(), end.reason());
        assertEquals(List.of(id("c1")), end.waves().get(0).devices());
        // in the record's history, prod was first touched only after the canary had converged
        Rollout firstProd = history.stream().filter(r -> r.id().equals("canary-first")
                && !Rollout.Target.PENDING.equals(r.targets().get(id("p1")).state())).findFirst().orElseThrow();
        assertEquals(Rollout.Target.CONVERGED, firstProd.targets().get(id("c1")).state());
        for (String name : NAMES) {
            Device d = view.device(id(name)).orElseThrow();
            assertEquals(2, d.appliedRevision(), name);
            assertEquals(V2, d.report().path("services").path("web").path("image").asText(), name);
            assertEquals(1, published.get(id(name)).size(), name + " got its document once: " + published.get(id(name)));
        }
    }

    @Test
    void aBadImageHaltsAtTheCanaryWithProdUntouched() throws Exception {
        Path doc = file("bad.json", document(0, "127.0.0.1:5000/demo/busybox:does-not-exist"));
        Process driver = berth("fleet", "rollout", "start", "--selector", "tier", "--canary", "tier=canary",
                "--waves", "1,100%", "--id", "bad", "--wait", doc.toString());
        assertEquals(1, exit(driver, 180), log(driver));
        Rollout end = finished("bad");
        assertEquals(Rollout.HALTED, end.status());
        assertTrue(end.targets().get(id("c1")).result().startsWith("rolled back"), end.targets().get(id("c1")).result());
        for (String prod : List.of("p1", "p2")) {
            assertEquals(Rollout.Target.PENDING, end.targets().get(id(prod)).state());
            assertEquals(null, published.get(id(prod)), prod + " was never published to");
            assertEquals(1, view.device(id(prod)).orElseThrow().desiredRevision());
        }
        awaitDevice(devices.get("c1"), "the canary back on revision 1's image", d -> "rolled-back".equals(d.phase())
                && V1.equals(d.report().path("services").path("web").path("image").asText()));
    }

    @Test
    void aDriverKilledMidRolloutIsResumedAndEveryDeviceGetsItsDocumentOnce() throws Exception {
        Path doc = file("v2.json", document(0, V2));
        Process driver = berth("fleet", "rollout", "start", "--selector", "tier", "--canary", "tier=canary",
                "--waves", "1,100%", "--id", "killed", "--wait", doc.toString());
        // kill -9 while the canary is on its way (published, not yet converged)
        Await.until("the canary published", () -> store.get("killed").map(r -> Rollout.Target.PUBLISHED.equals(
                r.targets().get(id("c1")).state())).orElse(false), Duration.ofSeconds(60), () -> log(driver));
        driver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertTrue(store.get("killed").orElseThrow().open());
        Process resume = berth("fleet", "rollout", "resume", "killed");
        assertEquals(0, exit(resume, 180), log(resume));
        Rollout end = finished("killed");
        assertEquals(Rollout.COMPLETED, end.status(), end.reason());
        for (String name : NAMES) {
            List<JsonNode> docs = published.get(id(name));
            assertEquals(1, docs.size(), name + " got its document exactly once: " + docs);
            assertEquals(end.targets().get(id(name)).revision(), docs.get(0).path("revision").asLong());
            assertEquals(2, view.device(id(name)).orElseThrow().appliedRevision(), name);
        }
    }

    @Test
    void abortRevertGivesTheDevicesTheirPreviousDocumentBack() throws Exception {
        Path doc = file("v2.json", document(0, V2));
        assertEquals(0, exit(berth("fleet", "rollout", "start", "--selector", "tier", "--waves", "100%", "--id", "rv",
                "--wait", doc.toString()), 180));
        Process abort = berth("fleet", "rollout", "abort", "rv", "--revert");
        assertEquals(0, exit(abort, 60), log(abort));
        Rollout end = finished("rv");
        assertEquals(Rollout.ABORTED, end.status(), log(abort));
        for (String name : NAMES) {
            assertEquals(Rollout.Target.REVERTED, end.targets().get(id(name)).state(), name);
            awaitDevice(devices.get(name), "revision 3 with V1 again", d -> d.appliedRevision() == 3
                    && "converged".equals(d.phase()) && V1.equals(d.report().path("services").path("web").path("image")
                    .asText()));
            assertEquals(2, published.get(id(name)).size(), name + ": the rollout's document, then the old one back");
        }
    }

    @Test
    void anOfflineDeviceDoesNotHoldTheRolloutAndCatchesUpLater() throws Exception {
        TestDevice away = devices.get("p2");
        away.stopAgent();
        awaitDevice(away, "offline", d -> Boolean.FALSE.equals(d.online()));
        Path doc = file("v2.json", document(0, V2));
        assertEquals(0, exit(berth("fleet", "rollout", "start", "--selector", "tier", "--canary", "tier=canary",
                "--waves", "1,100%", "--id", "late", "--wait", doc.toString()), 180));
        Rollout end = finished("late");
        assertEquals(Rollout.COMPLETED, end.status());
        assertEquals(Rollout.Target.PUBLISHED, end.targets().get(away.id).state(), "pending while away");
        away.startAgent();
        awaitDevice(away, "caught up on revision 2", d -> d.appliedRevision() == 2 && "converged".equals(d.phase()));
        Process status = berth("fleet", "rollout", "status", "late", "--json");
        assertEquals(0, exit(status, 30));
        JsonNode s = JSON.readTree(stdout(status));
        assertEquals(2, s.path("targets").path(away.id).path("device").path("revision").path("applied").asLong(),
                s.toString());
    }

    @Test
    void logsAndCommandsReachOneDevice() throws Exception {
        String c1 = id("c1");
        Process logs = berth("logs", "--device", c1, "web");
        assertEquals(0, exit(logs, 60), log(logs));
        assertTrue(stdout(logs).contains("hello-fleet"), log(logs));
        Process diagnose = berth("cmd", "--device", c1, "diagnose", "--json");
        assertEquals(0, exit(diagnose, 60), log(diagnose));
        assertTrue(JSON.readTree(stdout(diagnose)).path("ok").asBoolean(), stdout(diagnose));
        Process refused = berth("cmd", "--device", c1, "restart", "no-such-service");
        assertEquals(1, exit(refused, 60), "ok:false is exit 1: " + log(refused));
        Process nobody = berth("cmd", "--device", "ghost-" + c1, "reconcile", "--timeout", "2s");
        assertEquals(3, exit(nobody, 60), "no answer is exit 3: " + log(nobody));
    }

    // ---- helpers -----------------------------------------------------------------------------

    private String id(String name) {
        return devices.get(name).id;
    }

    private static String document(long revision, String image) {
        return "{" + (revision > 0 ? "\"revision\": " + revision + ", " : "") + "\"services\": {\"web\": {\"image\": \""
                + image + "\", \"command\": [\"sh\", \"-c\", \"echo hello-fleet; sleep 3600\"]}}, "
                + "\"update\": {\"healthTimeout\": \"20s\"}}";
    }

    private Path file(String name, String content) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    private final Map<Process, Path> outputs = new ConcurrentHashMap<>();
    private final AtomicInteger runs = new AtomicInteger();

    private Process berth(String... args) throws Exception {
        Path jar = Path.of(System.getProperty("berth.jar", "target/berth.jar"));
        List<String> command = new ArrayList<>(List.of("java", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
        builder.environment().put("BERTH_MQTT_URL", TestBroker.URL);
        builder.environment().put("BERTH_TOPIC_PREFIX", prefix);
        builder.environment().put("BERTH_FLEET_LEASE", "3s");
        Path out = dir.resolve("run-" + runs.incrementAndGet());
        Process p = builder.redirectError(Path.of(out + ".err").toFile()).redirectOutput(out.toFile()).start();
        outputs.put(p, out);
        processes.add(p);
        return p;
    }

    /**
     * The rollout's last record as this test's subscriber received it. The driver's process ends
     * once the broker acknowledged that record, which can be before the copy reaches this
     * subscriber; it publishes the devices' documents before it on the same connection, so once
     * it is here those are too.
     */
    private Rollout finished(String id) throws InterruptedException {
        return Await.until("rollout " + id + "'s last record", () -> store.get(id).filter(r -> !r.open())
                .orElse(null), Duration.ofSeconds(30), () -> "the record: " + store.get(id));
    }

    private int exit(Process p, int seconds) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("berth did not end within " + seconds + " s: " + log(p));
        }
        retainedTopics.addAll(store.all().keySet().stream().map(id -> prefix + "/_fleet/rollouts/" + id).toList());
        return p.exitValue();
    }

    private String stdout(Process p) throws java.io.IOException {
        return Files.readString(outputs.get(p));
    }

    private String log(Process p) {
        try {
            return stdout(p) + "\n" + Files.readString(Path.of(outputs.get(p) + ".err"));
        } catch (Exception e) {
            return "(no output)";
        }
    }

    private Device awaitDevice(TestDevice d, String what, java.util.function.Predicate<Device> condition)
            throws InterruptedException {
        return Await.until(d.id + " " + what, () -> view.device(d.id).filter(condition).orElse(null),
                Duration.ofSeconds(90), () -> String.valueOf(view.device(d.id).map(Device::report).orElse(null)));
    }

    private static JsonNode read(byte[] payload) {
        try {
            return JSON.readTree(payload);
        } catch (Exception e) {
            return JSON.nullNode();
        }
    }

}
