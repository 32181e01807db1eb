package io.berth.it;

import io.berth.agent.Agent;
import io.berth.config.AgentConfig;
import io.berth.config.ConfigLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

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

    void stopAgent() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        stopAgent();
        if (broker != null) {
            broker.close();
        }
        containers.forEach(DockerCli::removeContainer);
        volumes.forEach(DockerCli::removeVolume);
        networks.forEach(DockerCli::removeNetwork);
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
