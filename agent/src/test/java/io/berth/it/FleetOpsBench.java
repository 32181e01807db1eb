package io.berth.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.fleet.verbs.FleetCommand;
import io.berth.fleet.FleetView;
import io.berth.fleet.rollout.Rollout;
import io.berth.fleet.rollout.RolloutStore;
import io.berth.link.OperatorConnection;
import io.berth.link.TlsFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator side at fleet size (provisioning/bench/fleet-ops): how long {@code fleet ls} takes
 * to list N devices, and a staged rollout (waves 1%, 10%, 100%) across them: time per wave,
 * messages per device. The devices are protocol stand-ins on one MQTT connection (retained
 * online and reported; on a desired document: applying, then converged with the revision as
 * their good one after {@code CONVERGE_MS}), so the numbers are the broker's and the driver's,
 * not an agent's: for real agents use the fleet simulator (provisioning/bench/fleet). Prints one
 * JSON line.
 *
 * <pre>FleetOpsBench DEVICES [CONVERGE_MS] [BROKER_URL]</pre>
 */
public final class FleetOpsBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        long convergeMs = args.length > 1 ? Long.parseLong(args[1]) : 200;
        String url = args.length > 2 ? args[2] : TestBroker.URL;
        String prefix = "fleetops" + Long.toHexString(System.nanoTime() & 0xffffff);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("devices", n);
        results.put("convergeMs", convergeMs);
        OperatorConnection.Settings settings = new OperatorConnection.Settings(List.of(url), null, null,
                new TlsFiles.Settings(null, null, null));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        List<String> retained = new ArrayList<>();
        try (OperatorConnection devices = OperatorConnection.connect(settings);
             OperatorConnection observer = OperatorConnection.connect(settings)) {
            // the stand-ins: every device online and converged on revision 1
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String id = String.format("dev-%05d", i);
                String tier = i < Math.max(1, n / 100) ? "canary" : "prod";
                ObjectNode online = JSON.createObjectNode().put("online", true).put("since", Instant.now().toString());
                online.putObject("labels").put("tier", tier);
                devices.publish(prefix + "/" + id + "/online", JSON.writeValueAsBytes(online), true);
                devices.publish(prefix + "/" + id + "/reported", report(id, tier, "converged", 1, 1), true);
                retained.add(prefix + "/" + id + "/online");
                retained.add(prefix + "/" + id + "/reported");
                retained.add(prefix + "/" + id + "/desired");
            }
            results.put("setupSeconds", (System.nanoTime() - t0) / 1e9);
            devices.subscribe(prefix + "/+/desired", (topic, payload) -> {
                if (payload.length == 0) {
                    return;
                }
                String id = topic.split("/")[1];
                // a handler runs on the MQTT thread, which must not wait for a publish of its own
                timer.execute(() -> {
                try {
                    long revision = JSON.readTree(payload).path("revision").asLong();
                    String tier = Integer.parseInt(id.substring(4)) < Math.max(1, n / 100) ? "canary" : "prod";
                    devices.publish(prefix + "/" + id + "/reported", report(id, tier, "applying", revision, 1), true);
                    timer.schedule(() -> {
                        try {
                            devices.publish(prefix + "/" + id + "/reported", report(id, tier, "converged", revision,
                                    revision), true);
                        } catch (Exception e) {
                            System.err.println("stand-in " + id + ": " + e);
                        }
                    }, convergeMs, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    System.err.println("stand-in " + id + ": " + e);
                }
                });
            });
            observer.subscribe(prefix + "/#", (topic, payload) -> counts.computeIfAbsent(kind(topic),
                    k -> new AtomicLong()).incrementAndGet());

            // fleet ls: in this JVM (a console's view) and as the CLI runs (a JVM start included)
            long l0 = System.nanoTime();
            try (OperatorConnection c = OperatorConnection.connect(settings)) {
                FleetView view = new FleetView(prefix);
                view.attach(c);
                results.put("fleetLsInProcessSeconds", (System.nanoTime() - l0) / 1e9);
                results.put("fleetLsListed", view.devices().size());
            }
            Path jar = Path.of(System.getProperty("berth.jar", "agent/target/berth.jar"));
            if (Files.exists(jar)) {
                ProcessBuilder pb = new ProcessBuilder("java", "-jar", jar.toString(), "fleet", "ls", "--json");
                pb.environment().put("BERTH_MQTT_URL", url);
                pb.environment().put("BERTH_TOPIC_PREFIX", prefix);
                long p0 = System.nanoTime();
                Process p = pb.redirectErrorStream(true).start();
                byte[] out = p.getInputStream().readAllBytes();
                p.waitFor();
                results.put("fleetLsCliSeconds", (System.nanoTime() - p0) / 1e9);
                results.put("fleetLsCliListed", JSON.readTree(out).size());
            }

            // a rollout across all of them, driven in this JVM as 'berth fleet rollout start --wait' drives it
            Path doc = Files.createTempFile("fleetops", ".json");
            Files.writeString(doc, "{\"services\": {\"web\": {\"image\": \"127.0.0.1:5000/demo/busybox:2\"}}}");
            counts.clear();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long r0 = System.nanoTime();
            int exit = FleetCommand.main(List.of("rollout", "start", "--selector", "tier", "--canary", "tier=canary",
                            "--waves", "1%,10%,100%", "--id", "bench", "--wait", doc.toString()),
                    Map.of("BERTH_MQTT_URL", url, "BERTH_TOPIC_PREFIX", prefix), new PrintStream(out), new PrintStream(err),
                    (file, verb, errors) -> {
                        try {
                            return io.berth.spec.DocumentReader.readFile(file);
                        } catch (java.io.IOException e) {
                            errors.println(e.getMessage());
                            return null;
                        }
                    });
            results.put("rolloutSeconds", (System.nanoTime() - r0) / 1e9);
            results.put("rolloutExit", exit);
            retained.add(prefix + "/_fleet/rollouts/bench");
            try (OperatorConnection c = OperatorConnection.connect(settings)) {
                RolloutStore store = new RolloutStore(c, prefix);
                store.attach(false);
                new FleetView(prefix).attach(c);
                Rollout r = store.get("bench").orElseThrow();
                results.put("rolloutStatus", r.status());
                List<Map<String, Object>> waves = new ArrayList<>();
                for (Rollout.Wave w : r.waves()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("size", w.size());
                    m.put("devices", w.devices().size());
                    m.put("seconds", Duration.between(Instant.parse(w.startedAt()), Instant.parse(w.doneAt())).toMillis()
                            / 1000.0);
                    waves.add(m);
                }
                results.put("waves", waves);
                results.put("recordBytes", r.toJson().length);
                results.put("recordWrites", r.version());
            }
            Map<String, Long> perKind = new LinkedHashMap<>();
            counts.forEach((k, v) -> perKind.put(k, v.get()));
            results.put("messagesDuringRollout", perKind);
            results.put("desiredPerDevice", perKind.getOrDefault("desired", 0L) / (double) n);
            results.put("recordWritesPerDevice", perKind.getOrDefault("rollout-record", 0L) / (double) n);
            if (exit != 0) {
                results.put("driverOutput", err.toString(StandardCharsets.UTF_8));
            }
            for (String topic : retained) {
                devices.publish(topic, new byte[0], true);
            }
        } finally {
            timer.shutdownNow();
        }
        System.out.println(JSON.writeValueAsString(results));
        System.exit(0);
    }

    private static String kind(String topic) {
        if (topic.contains("/_fleet/rollouts/")) {
            return topic.endsWith("/request") ? "rollout-request" : "rollout-record";
        }
        if (topic.contains("/_fleet/")) {
            return "fleet-sync";
        }
        return topic.substring(topic.lastIndexOf('/') + 1);
    }

    private static byte[] report(String id, String tier, String phase, long desired, long applied) throws Exception {
        ObjectNode r = JSON.createObjectNode().put("device", id).put("time", Instant.now().toString()).put("phase", phase);
        r.putObject("labels").put("tier", tier);
        r.putObject("revision").put("desired", desired).put("applied", applied).put("good", applied);
        r.putNull("rejected");
        r.putNull("rollback");
        r.putObject("services").putObject("web").put("state", "running").put("health", "none");
        return JSON.writeValueAsBytes(r);
    }

    private FleetOpsBench() {}
}
