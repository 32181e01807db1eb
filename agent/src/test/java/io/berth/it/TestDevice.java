package io.berth.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.agent.Agent;
import io.berth.config.AgentConfig;
import io.berth.config.ConfigLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * One simulated device for a test: a unique device id and topic prefix, a fresh state dir, an
 * in-process agent, and the names of everything the test made on the engine, removed at close.
 */
final class TestDevice implements AutoCloseable {
    final String id;
    /**
     * The device's Compose project name (config {@code project}): documents without {@code name}
     * put their services on {@code {project}_default}, unique to this test and removed at close.
     */
    final String project;
    private final String prefixOverride;
    /** A fixed id may be shared with another test run on this engine: sweep by label only for unique ones. */
    private final boolean uniqueId;
    final Path stateDir;
    final List<String> containers = new ArrayList<>();
    final List<String> volumes = new ArrayList<>();
    final List<String> networks = new ArrayList<>();
    /** More environment for the agent's config (policy keys, trusted keys, BERTH_PROFILE…). */
    final Map<String, String> env = new HashMap<>();
    private Agent agent;
    private TestBroker broker;

    TestDevice() throws IOException {
        this(null);
    }

    /** A device with a given id (ACL tests need the broker's user names); the topic prefix stays unique. */
    TestDevice(String fixedId) throws IOException {
        String unique = "it" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        id = fixedId == null ? unique : fixedId;
        uniqueId = fixedId == null;
        prefixOverride = fixedId == null ? null : "berth-" + unique;
        stateDir = Files.createTempDirectory("berth-" + unique);
        project = unique;
        networks.add(project + "_default");
    }

    /** A name unique to this test, recorded for removal at close. */
    String container(String base) {
        String name = base + "-" + id;
        containers.add(name);
        containers.add(io.berth.plan.Planner.keptName(name)); // kept while a replacement is on trial
        return name;
    }

    String volume(String base) {
        String name = base + "-" + id;
        volumes.add(name);
        return name;
    }

    String network(String base) {
        String name = base + "-" + id;
        networks.add(name);
        return name;
    }

    String prefix() {
        return prefixOverride != null ? prefixOverride : "berth-" + id;
    }

    TestBroker broker() throws Exception {
        if (broker == null) {
            broker = new TestBroker(prefix(), id);
        }
        return broker;
    }

    AgentConfig config(String mqttUrl) throws Exception {
        return config(mqttUrl, Map.of());
    }

    AgentConfig config(String mqttUrl, Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_DEVICE_ID", id);
        env.put("BERTH_TOPIC_PREFIX", prefix());
        env.put("BERTH_MQTT_URL", mqttUrl);
        env.put("BERTH_STATE_DIR", stateDir.toString());
        env.put("BERTH_SOCKET", stateDir.resolve("berth.sock").toString());
        env.put("BERTH_REPORT_MIN_INTERVAL", "200ms");
        env.put("BERTH_PROJECT", project);
        // the profile's log rate limit is for metered links, not for tests that count lines
        env.put("BERTH_LOGS_LINES_PER_SECOND", "100000");
        env.putAll(extraEnv);
        env.putAll(this.env);
        return ConfigLoader.load(null, env);
    }

    Agent startAgent() throws Exception {
        return startAgent(TestBroker.URL);
    }

    Agent startAgent(String mqttUrl) throws Exception {
        return startAgent(mqttUrl, Map.of());
    }

    Agent startAgent(String mqttUrl, Map<String, String> extraEnv) throws Exception {
        stopAgent();
        agent = new Agent(config(mqttUrl, extraEnv), Clock.systemUTC());
        agent.start();
        return agent;
    }

    /**
     * Restarts the in-process agent and waits for the new agent's first report that matches (a
     * report carries the agent's start time): what the new agent does on start, it has done by then.
     */
    JsonNode restartAgentAndAwaitReport(String what, Predicate<JsonNode> condition) throws Exception {
        JsonNode last = broker().latest("reported");
        String before = last == null ? "" : last.path("agent").path("startedAt").asText();
        startAgent();
        return broker().awaitReported(what + " from the restarted agent",
                r -> !before.equals(r.path("agent").path("startedAt").asText()) && condition.test(r),
                Duration.ofSeconds(90));
    }

    void stopAgent() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }

    private static final int PORTS_FROM = 20000;
    private static final int PORTS_TO = 32767; // below Linux's ephemeral range, 32768-60999
    private static final Set<Integer> PORTS_HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final List<FileChannel> PORT_LOCKS = new CopyOnWriteArrayList<>();

    /**
     * A loopback port for a test to publish or listen on later, that nothing takes meanwhile: it is
     * below the kernel's ephemeral range (no outgoing connection or {@code bind(0)} gets it), held by
     * a lock file for this JVM's life (no other test JVM picks it; the lock goes with the process),
     * and free when picked.
     */
    static int freePort() throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "berth-it-ports");
        Files.createDirectories(dir);
        for (int attempt = 0; attempt < 2000; attempt++) {
            int port = PORTS_FROM + ThreadLocalRandom.current().nextInt(PORTS_TO - PORTS_FROM + 1);
            if (!PORTS_HANDED_OUT.add(port)) {
                continue;
            }
            FileChannel channel = FileChannel.open(dir.resolve(port + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null && bindable(port)) {
                PORT_LOCKS.add(channel);
                return port;
            }
            channel.close();
        }
        throw new IOException("no free port between " + PORTS_FROM + " and " + PORTS_TO + " after 2000 tries");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Stops the agent and removes what the test made, each step even when one before failed: the
     * names it recorded, and anything else carrying this device's label (with anonymous volumes),
     * so a test that forgot to record a name leaves nothing behind either.
     */
    @Override
    public void close() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        step(failures, this::stopAgent);
        step(failures, () -> {
            if (broker != null) {
                broker.close();
            }
        });
        step(failures, () -> {
            List<String> all = new ArrayList<>(containers);
            if (uniqueId) {
                all.addAll(DockerCli.ok("ps", "-a", "-q", "--filter", "label=berth.device=" + id).lines().toList());
            }
            all.forEach(DockerCli::removeContainer);
        });
        step(failures, () -> {
            List<String> all = new ArrayList<>(volumes);
            if (uniqueId) {
                all.addAll(DockerCli.ok("volume", "ls", "-q", "--filter", "label=berth.device=" + id).lines().toList());
            }
            all.forEach(DockerCli::removeVolume);
        });
        step(failures, () -> {
            List<String> all = new ArrayList<>(networks);
            if (uniqueId) {
                all.addAll(DockerCli.ok("network", "ls", "-q", "--filter", "label=berth.device=" + id).lines().toList());
            }
            all.forEach(DockerCli::removeNetwork);
        });
        step(failures, () -> {
            try (var files = Files.walk(stateDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        });
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("closing test device " + id + " failed", failures.get(0));
            failures.stream().skip(1).forEach(error::addSuppressed);
            throw error;
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void step(List<Throwable> failures, Step step) {
        try {
            step.run();
        } catch (Exception | AssertionError e) {
            failures.add(e);
        }
    }
}
