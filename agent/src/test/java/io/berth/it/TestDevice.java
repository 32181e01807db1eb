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
    final Path stateDir;
    final List<String> containers = new ArrayList<>();
    final List<String> volumes = new ArrayList<>();
    /** More environment for the agent's config (e.g. BERTH_PROFILE). */
    final Map<String, String> env = new HashMap<>();
    private Agent agent;
    private TestBroker broker;

    TestDevice() throws IOException {
        id = "it" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        stateDir = Files.createTempDirectory("berth-" + id);
    }

    /** A name unique to this test, recorded for removal at close. */
    String container(String base) {
        String name = base + "-" + id;
        containers.add(name);
        return name;
    }

    String volume(String base) {
        String name = base + "-" + id;
        volumes.add(name);
        return name;
    }

    String prefix() {
        return "berth-" + id;
    }

    TestBroker broker() throws Exception {
        if (broker == null) {
            broker = new TestBroker(prefix(), id);
        }
        return broker;
    }

    AgentConfig config(String mqttUrl) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_DEVICE_ID", id);
        env.put("BERTH_TOPIC_PREFIX", prefix());
        env.put("BERTH_MQTT_URL", mqttUrl);
        env.put("BERTH_STATE_DIR", stateDir.toString());
        env.put("BERTH_SOCKET", stateDir.resolve("berth.sock").toString());
        env.put("BERTH_REPORT_MIN_INTERVAL", "200ms");
        env.putAll(this.env);
        return ConfigLoader.load(null, env);
    }

    Agent startAgent() throws Exception {
        return startAgent(TestBroker.URL);
    }

    Agent startAgent(String mqttUrl) throws Exception {
        stopAgent();
        agent = new Agent(config(mqttUrl), Clock.systemUTC());
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
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
