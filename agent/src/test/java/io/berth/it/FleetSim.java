package io.berth.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.agent.Agent;
import io.berth.config.ConfigLoader;
import io.berth.fleet.verbs.FleetCommand;
import io.berth.fleet.FleetView;
import io.berth.link.OperatorConnection;
import io.berth.link.TlsFiles;
import io.berth.model.Labels;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The fleet simulator (provisioning/bench/fleet): N devices in one JVM, each a real {@link Agent}
 * (the agent's own link, intake, reconciler and reporter, its state dir and control socket) over a
 * {@link MemoryEngine}; only containers are simulated. An observer on the broker counts what the
 * fleet sends. Prints one JSON line of results.
 *
 * <pre>FleetSim DEVICES mosquitto|nats IDLE_SECONDS</pre>
 */
public final class FleetSim {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "127.0.0.1:5000/demo/busybox:1";

    private final int size;
    private final boolean nats;
    private final String prefix = "fleetsim-" + Long.toHexString(System.nanoTime() & 0xffffff);
    private final Map<String, JsonNode> online = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> reported = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, Long> onlineAt = new ConcurrentHashMap<>();
    private final List<Agent> agents = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Object> results = new java.util.LinkedHashMap<>();
    private final List<String> retainedExtra = Collections.synchronizedList(new ArrayList<>());
    private final List<String> changes = Collections.synchronizedList(new ArrayList<>());
    private MqttClient observer;
    private LoopbackProxy proxy;
    private Path root;

    private FleetSim(int size, boolean nats) {
        this.size = size;
        this.nats = nats;
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        boolean nats = "nats".equals(args[1]);
        int idle = Integer.parseInt(args[2]);
        FleetSim sim = new FleetSim(size, nats);
        try {
            sim.run(idle);
        } catch (Exception e) {
            sim.results.put("error", e.toString()); // with the results, not minutes later after the sessions end
            throw e;
        } finally {
            // the results first: ending a thousand sessions one by one takes minutes on a busy cluster
            System.out.println(JSON.writeValueAsString(sim.results));
            System.out.flush();
            sim.close();
        }
        System.exit(0);
    }

    /** Device ids are MQTT client ids: unique per run, so two simulators on one broker never take each other's sessions. */
    private String id(int i) {
        return String.format("sim%s-%05d", prefix.substring(prefix.indexOf('-') + 1), i);
    }

    private void run(int idleSeconds) throws Exception {
        results.put("devices", size);
        results.put("broker", nats ? "nats (3 nodes, MQTT 3.1.1)" : "mosquitto (MQTT 5)");
        root = Files.createTempDirectory("berth-fleetsim");
        observe(nats ? NatsCluster.node(3) : TestBroker.URL);
        if (!nats) {
            proxy = new LoopbackProxy(1883); // the devices' way to Mosquitto, cut for the reconnect storm
        }
        long heap0 = heapAfterGc();
        long rss0 = rss();
        long broker0 = brokerRss();
        int threads0 = Thread.activeCount();

        long t0 = System.nanoTime();
        for (int i = 0; i < size; i++) {
            start(i);
        }
        try {
            await("all online", size, () -> count(online, o -> o.path("online").asBoolean()), 900);
        } catch (IllegalStateException e) {
            // say which devices, and what their link says (the link status of berth status)
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                JsonNode o = online.get(id(i));
                if (o == null || !o.path("online").asBoolean()) {
                    missing.add(id(i) + ": " + agents.get(i).linkStatus());
                }
            }
            throw new IllegalStateException(e.getMessage() + "; not online: " + missing, e);
        }
        results.put("startToAllOnlineSeconds", seconds(t0));

        t0 = System.nanoTime();
        for (int i = 0; i < size; i++) {
            String doc = "{\"revision\":1,\"services\":{\"app\":{\"image\":\"" + IMAGE + "\",\"command\":[\"sleep\","
                    + "\"inf\"]}}}";
            observer.publish(prefix + "/" + id(i) + "/desired", doc.getBytes(StandardCharsets.UTF_8), 1, true);
        }
        await("all converged on revision 1", size, () -> converged(1), 600);
        results.put("publishToAllConvergedSeconds", seconds(t0));

        long heap = heapAfterGc();
        results.put("heapPerDeviceKiB", (heap - heap0) / size / 1024);
        results.put("rssPerDeviceKiB", (rss() - rss0) / size / 1024);
        results.put("brokerRssPerDeviceKiB", (brokerRss() - broker0) / size / 1024);
        results.put("threadsPerDevice", (Thread.activeCount() - threads0) / (double) size);

        fleetLs();
        if (nats && "node-kill".equals(System.getenv("FLEETSIM_ONLY"))) {
            // a second look at the rollout through a node kill, without the idle count and the plain rollout
            results.put("rolloutWithNode1Killed", rollout("busybox:2", "r2" + prefix.substring(9), true));
            return;
        }
        Thread.sleep(5_000); // let the converge reports settle
        counts.clear();
        changes.clear();
        long idleStart = System.nanoTime();
        Thread.sleep(idleSeconds * 1000L);
        double hours = (System.nanoTime() - idleStart) / 3.6e12;
        Map<String, Double> perDeviceHour = new java.util.TreeMap<>();
        counts.forEach((kind, n) -> perDeviceHour.put(kind, Math.round(n.get() / hours / size * 10) / 10.0));
        results.put("idleSeconds", idleSeconds);
        results.put("idleMessagesPerDeviceHour", perDeviceHour);
        results.put("idleReportChangesOfOneDevice", new ArrayList<>(changes));

        results.put("rollout", rollout("busybox:2", "r1" + prefix.substring(9), false));
        if (nats) {
            results.put("rolloutWithNode1Killed", rollout("busybox:1", "r2" + prefix.substring(9), true));
        }

        if (!nats) {
            storm(); // on NATS the node killed during the rollout is the storm
        }
    }

    private int canaries() {
        return Math.max(1, size / 100);
    }

    private void start(int i) throws Exception {
        String id = id(i);
        Path dir = root.resolve(id);
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_DEVICE_ID", id);
        env.put("BERTH_TOPIC_PREFIX", prefix);
        env.put("BERTH_PROFILE", "generic");
        env.put("BERTH_LABELS", "tier=" + (i < canaries() ? "canary" : "prod") + ",sim=" + prefix);
        // one host under every simulated device, busy with other work: its memory and disk swings are
        // no device's news (a real device reports them past 64 MiB / 256 MiB)
        env.put("BERTH_REPORT_MEM_CHANGE_BYTES", String.valueOf(Long.MAX_VALUE / 8));
        env.put("BERTH_REPORT_DISK_CHANGE_BYTES", String.valueOf(Long.MAX_VALUE / 8));
        env.put("BERTH_STATE_DIR", dir.toString());
        env.put("BERTH_SOCKET", dir.resolve("s.sock").toString());
        if (nats) {
            // each device gets the node list rotated, as a fleet spreads its load over the nodes
            List<String> nodes = new ArrayList<>(NatsCluster.NODES);
            Collections.rotate(nodes, -(i % nodes.size()));
            env.put("BERTH_MQTT_URL", String.join(",", nodes));
        } else {
            env.put("BERTH_MQTT_URL", proxy.url());
        }
        Agent agent = new Agent(ConfigLoader.load(null, env), Clock.systemUTC(),
                new MemoryEngine(Labels.ownership(id)));
        agent.start();
        agents.add(agent);
    }

    /** Mosquitto goes away under the whole fleet (every connection cut) and comes back once the wills are out. */
    private void storm() throws Exception {
        Map<String, Object> storm = new java.util.LinkedHashMap<>();
        proxy.cut();
        await("every will", size, () -> count(online, o -> !o.path("online").asBoolean()), 120);
        onlineAt.clear();
        long t0 = System.nanoTime();
        proxy.open();
        await("all online again", size, () -> count(online, o -> o.path("online").asBoolean()), 600);
        storm.put("what", "every connection cut, the broker back after the wills");
        storm.put("devicesReconnected", size);
        storm.put("allBackSeconds", seconds(t0));
        List<Long> times = new ArrayList<>(onlineAt.values());
        Collections.sort(times);
        if (!times.isEmpty()) {
            storm.put("onlineAfterSecondsP50", (times.get(times.size() / 2) - t0) / 1e9);
            storm.put("onlineAfterSecondsP90", (times.get(times.size() * 9 / 10) - t0) / 1e9);
        }
        results.put("storm", storm);
    }

    /** {@code berth fleet ls}'s view, in this JVM: connect, subscribe, every retained online and report in. */
    private void fleetLs() throws Exception {
        long t0 = System.nanoTime();
        try (OperatorConnection c = OperatorConnection.connect(new OperatorConnection.Settings(operatorUrls(), null,
                null, new TlsFiles.Settings(null, null, null)))) {
            FleetView view = new FleetView(prefix);
            view.attach(c);
            results.put("fleetLsSeconds", seconds(t0));
            results.put("fleetLsListed", view.devices().size());
        }
    }

    /** The operator's brokers: on NATS node 3 first (the node the storms never kill), then the others. */
    private List<String> operatorUrls() {
        return nats ? List.of(NatsCluster.node(3), NatsCluster.node(2), NatsCluster.node(1)) : List.of(TestBroker.URL);
    }

    /**
     * {@code berth fleet rollout start --selector tier --canary tier=canary --waves 1%,10%,100% --wait}
     * of a document with another image, as an operator runs it; on NATS optionally with node 1
     * killed while the waves run.
     */
    private Map<String, Object> rollout(String image, String id, boolean killNode) throws Exception {
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        Path doc = root.resolve(id + ".json");
        Files.writeString(doc, "{\"services\":{\"app\":{\"image\":\"127.0.0.1:5000/demo/" + image
                + "\",\"command\":[\"sleep\",\"inf\"]}}}");
        Map<String, String> env = Map.of("BERTH_MQTT_URL", String.join(",", operatorUrls()), "BERTH_TOPIC_PREFIX",
                prefix);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int affected = killNode ? count(reported, x -> NatsCluster.node(1).equals(x.path("agent").path("broker")
                .asText())) : 0;
        // a device has this rollout's document once it applied a revision above the one it had now (an
        // earlier rollout that halted may have left devices on this very image, under an older revision)
        Map<String, Long> before = new HashMap<>();
        reported.forEach((device, x) -> before.put(device, Math.max(x.path("revision").path("desired").asLong(),
                x.path("revision").path("applied").asLong())));
        java.util.function.IntSupplier tookIt = () -> (int) reported.entrySet().stream().filter(e -> "converged"
                .equals(e.getValue().path("phase").asText()) && e.getValue().path("services").path("app").path("image")
                .asText().endsWith(image) && e.getValue().path("revision").path("applied").asLong()
                > before.getOrDefault(e.getKey(), 1L)).count(); // revision 1: the simulator's own first publish
        Thread killer = null;
        long t0 = System.nanoTime();
        if (killNode) {
            killer = new Thread(() -> {
                try {
                    // once the canaries have it: the 10% wave and the rest are still to come
                    await("the first wave", canaries(), tookIt, 300);
                    r.put("node1KilledAfterSeconds", seconds(t0));
                    long killed = System.nanoTime();
                    NatsCluster.kill(1);
                    await("the devices of node 1 on another node", size, () -> count(reported, x -> !NatsCluster
                            .node(1).equals(x.path("agent").path("broker").asText())), 300);
                    r.put("allMovedSecondsAfterKill", seconds(killed));
                } catch (Exception e) {
                    r.put("killError", e.toString());
                }
            });
            killer.start();
        }
        int exit;
        try {
            exit = FleetCommand.main(List.of("rollout", "start", "--selector", "tier", "--canary", "tier=canary",
                    "--waves", "1%,10%,100%", "--wave-timeout", "5m", "--id", id, "--wait", doc.toString()), env,
                    new java.io.PrintStream(out), new java.io.PrintStream(err), (file, verb, errors) -> {
                        try {
                            return io.berth.spec.DocumentReader.readFile(file);
                        } catch (java.io.IOException e) {
                            errors.println(e.getMessage());
                            return null;
                        }
                    });
            r.put("driverSeconds", seconds(t0));
            r.put("exit", exit);
            String said = (out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8)).strip();
            r.put("driverLastLine", said.substring(said.lastIndexOf('\n') + 1));
            // the driver is done when every device converged, failed or was away when its wave came
            // (away devices take their retained document later): wait for the fleet itself
            r.put("devicesOnNewImageWhenDriverDone", tookIt.getAsInt());
            try {
                await("every device converged on " + image, size, tookIt, 900);
                r.put("allConvergedSeconds", seconds(t0));
            } catch (IllegalStateException e) {
                r.put("allConverged", e.getMessage());
            }
            if (killNode) {
                killer.join();
                r.put("devicesOnKilledNode", affected);
                r.put("devicesStillOnKilledNode", count(reported, x -> NatsCluster.node(1).equals(x.path("agent")
                        .path("broker").asText())));
            }
        } finally {
            if (killNode) {
                NatsCluster.restore();
            }
        }
        String said = err.toString(StandardCharsets.UTF_8) + out.toString(StandardCharsets.UTF_8);
        // what the driver said about its broker connection (a node kill may break it)
        r.put("driverConnectionLines", said.lines().filter(l -> l.contains("connection") || l.contains("taking the "
                + "rollout up again")).limit(20).toList());
        if (exit != 0) {
            r.put("driverOutputEnd", said.substring(Math.max(0, said.length() - 2000))); // the wave list is long
        }
        retainedExtra.add(prefix + "/_fleet/rollouts/" + id);
        return r;
    }

    private static List<String> changed(String path, JsonNode a, JsonNode b) {
        List<String> out = new ArrayList<>();
        if (a.isObject() && b.isObject()) {
            java.util.Set<String> keys = new java.util.TreeSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                if (!"time".equals(k)) {
                    out.addAll(changed(path + "/" + k, a.path(k), b.path(k)));
                }
            }
        } else if (!a.equals(b)) {
            out.add(path);
        }
        return out;
    }

    private void observe(String url) throws Exception {
        observer = new MqttClient(url, "fleetsim-observer-" + prefix, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setMaxInflight(1000);
        observer.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                System.err.println("fleetsim: the observer lost the broker: " + cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) throws Exception {
                String[] parts = topic.split("/");
                String kind = parts.length > 2 ? parts[2] : "other";
                counts.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
                if (message.getPayload().length == 0 || parts.length < 3) {
                    return;
                }
                JsonNode node = JSON.readTree(message.getPayload());
                if ("online".equals(kind)) {
                    online.put(parts[1], node);
                    if (node.path("online").asBoolean()) {
                        onlineAt.put(parts[1], System.nanoTime());
                    }
                } else if ("reported".equals(kind)) {
                    JsonNode before = reported.put(parts[1], node);
                    if (before != null && parts[1].equals(id(0))) {
                        changes.add(String.join(",", changed("", before, node)));
                    }
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        observer.connect(options);
        // QoS 0: Mosquitto keeps only 20 QoS 1 messages in flight to a 3.1.1 client and drops past
        // 1,000 queued, which a thousand devices' start or storm exceeds; QoS 0 goes straight out
        observer.subscribe(prefix + "/#", 0);
    }

    private int converged(long revision) {
        return count(reported, r -> "converged".equals(r.path("phase").asText())
                && r.path("revision").path("applied").asLong() == revision);
    }

    private static int count(Map<String, JsonNode> map, Predicate<JsonNode> test) {
        return (int) map.values().stream().filter(test).count();
    }

    private static void await(String what, int target, java.util.function.IntSupplier probe, int seconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (probe.getAsInt() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fleetsim: timed out waiting for " + what + ": " + probe.getAsInt()
                        + " of " + target);
            }
            Thread.sleep(50);
        }
    }

    private static double seconds(long since) {
        return Math.round((System.nanoTime() - since) / 1e7) / 100.0;
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rss() throws Exception {
        return rss(Path.of("/proc/self/status"));
    }

    /** The broker's RSS (the three NATS nodes together), from dev-services' pid files. */
    private long brokerRss() throws Exception {
        Path run = Path.of(System.getenv().getOrDefault("BERTH_DEV_DIR", "/var/tmp/berth-dev"));
        long sum = 0;
        for (String name : nats ? List.of("nats-1", "nats-2", "nats-3") : List.of("mosquitto")) {
            Path pid = run.resolve(name + ".pid");
            if (Files.isReadable(pid)) {
                Path status = Path.of("/proc", Files.readString(pid).strip(), "status");
                sum += Files.isReadable(status) ? rss(status) : 0;
            }
        }
        return sum;
    }

    private static long rss(Path statusFile) throws Exception {
        for (String line : Files.readAllLines(statusFile)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return 0;
    }

    /**
     * The agents keep persistent sessions (QoS 1 messages wait for a device that is away); a
     * simulated fleet that is gone for good ends them with a clean connect per client id, or
     * they stay on the broker (on NATS as replicated JetStream state, until someone deletes them).
     */
    private void endSessions() {
        String url = nats ? NatsCluster.node(3) : TestBroker.URL;
        for (int i = 0; i < size; i++) {
            try {
                MqttClient client = new MqttClient(url, id(i), new MemoryPersistence());
                MqttConnectOptions options = new MqttConnectOptions();
                options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
                options.setCleanSession(true);
                client.connect(options);
                client.disconnect();
                client.close();
            } catch (Exception e) {
                System.err.println("fleetsim: cannot end the session of " + id(i) + ": " + e);
            }
        }
    }

    private void close() throws Exception {
        synchronized (agents) {
            agents.parallelStream().forEach(Agent::close);
        }
        if (observer != null && observer.isConnected()) {
            for (int i = 0; i < size; i++) {
                for (String t : List.of("desired", "reported", "online")) {
                    observer.publish(prefix + "/" + id(i) + "/" + t, new byte[0], 1, true);
                }
            }
            for (String topic : retainedExtra) {
                observer.publish(topic, new byte[0], 1, true);
            }
            observer.disconnect();
        }
        endSessions();
        if (proxy != null) {
            proxy.close();
        }
        if (root != null) {
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
