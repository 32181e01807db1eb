package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The real agent process killed with {@code kill -9} at random moments of a multi-service update,
 * again and again, then left to finish: exactly one container per service, on the new revision,
 * nothing left over, volume data intact.
 */
class CrashSafetyIT {
    private static final int SERVICES = 4;
    private TestDevice device;
    private Process agent;

    @BeforeEach
    void setUp() throws Exception {
        device = new TestDevice();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        device.close();
    }

    private Process startAgent() throws Exception {
        Path jar = Path.of(System.getProperty("berth.jar", "target/berth.jar"));
        ProcessBuilder builder = new ProcessBuilder("java", "-jar", jar.toString(), "agent");
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
        builder.environment().putAll(Map.of(
                "BERTH_DEVICE_ID", device.id,
                "BERTH_TOPIC_PREFIX", device.prefix(), "BERTH_PROJECT", device.project,
                "BERTH_MQTT_URL", TestBroker.URL,
                "BERTH_STATE_DIR", device.stateDir.resolve("state").toString(),
                "BERTH_SOCKET", device.stateDir.resolve("berth.sock").toString()));
        Path log = device.stateDir.resolve("agent.log");
        return builder.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private String document(long revision, String image, List<String> services, String volume) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < services.size(); i++) {
            s.append(i == 0 ? "" : ",").append("\"").append(services.get(i)).append("\": {\"image\": \"").append(image)
                    .append("\", \"command\": [\"sleep\", \"3600\"], \"environment\": {\"REV\": \"").append(revision)
                    .append("\"}").append(i == 0 ? ", \"volumes\": [\"" + volume + ":/data\"]" : "").append("}");
        }
        return "{\"revision\": " + revision + ", \"services\": {" + s + "}, \"volumes\": {\"" + volume + "\": {}}}";
    }

    @RepeatedTest(3)
    void killedAtRandomDuringAnUpdateItStillConvergesToExactlyTheNewRevision() throws Exception {
        List<String> services = new ArrayList<>();
        for (int i = 0; i < SERVICES; i++) {
            services.add(device.container("svc" + i));
        }
        String volume = device.volume("keep");
        TestBroker broker = device.broker();
        agent = startAgent();
        broker.publishDesired(document(1, ReconcileIT.IMAGE_V1, services, volume));
        broker.awaitReported("revision 1", r -> TestBroker.converged(r, 1), ReconcileIT.CONVERGE);
        DockerCli.ok("exec", services.get(0), "sh", "-c", "echo survived > /data/file");

        broker.publishDesired(document(2, ReconcileIT.IMAGE_V2, services, volume));
        Random random = new Random();
        int kills = 0;
        for (int round = 0; round < 6; round++) {
            Thread.sleep(200 + random.nextInt(1500)); // the JVM start alone takes about a second
            agent.destroyForcibly(); // SIGKILL
            assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
            kills++;
            agent = startAgent();
        }
        broker.awaitReported("revision 2 after " + kills + " kills", r -> TestBroker.converged(r, 2),
                Duration.ofSeconds(120));

        String all = DockerCli.ok("ps", "-a", "--filter", "label=berth.device=" + device.id,
                "--format", "{{.Names}} {{.Label \"berth.revision\"}} {{.Image}}");
        List<String> lines = all.lines().sorted().toList();
        assertEquals(SERVICES, lines.size(), "exactly one container per service, nothing left over:\n" + all);
        for (String service : services) {
            assertTrue(lines.contains(service + " 2 " + ReconcileIT.IMAGE_V2), "on revision 2: " + service + "\n" + all);
        }
        assertEquals("survived", DockerCli.ok("exec", services.get(0), "cat", "/data/file"));
        assertTrue(Files.readString(device.stateDir.resolve("state/desired.json")).contains("\"revision\": 2")
                || Files.readString(device.stateDir.resolve("state/desired.json")).contains("\"revision\":2"));
    }
}
