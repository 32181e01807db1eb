package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;

/**
 * The real agent process killed with {@code kill -9} in the middle of a multi-service update, each
 * time just after it changed something on the engine, again and again, then left to finish:
 * exactly one container per service, on the new revision, nothing left over, volume data intact.
 */
// alone: it kills the agent on observed progress and needs at least 3 kills mid-update; beside
// other ITs its `docker ps` polls were slow enough for an update to finish after 2 (fresh-machine run)
@Tag("alone")
class CrashSafetyIT {
    private static final int SERVICES = 4;
    private static final int KILLS = 6;
    private TestDevice device;
    private Process agent;

    @BeforeEach
    void setUp() throws Exception {
        device = new TestDevice();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (agent != null) {
                agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            device.close();
        }
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

    /** The device's containers as {@code NAME REVISION STATE} lines, sorted. */
    private String engineState() {
        return DockerCli.ok("ps", "-a", "--filter", "label=berth.device=" + device.id,
                "--format", "{{.Names}} {{.Label \"berth.revision\"}} {{.State}}").lines().sorted()
                .collect(Collectors.joining("\n"));
    }

    /** Exactly one running container per service, each on revision 2: the update is over. */
    private static boolean isDone(String state, List<String> services) {
        List<String> expected = services.stream().map(s -> s + " 2 running").sorted().toList();
        return state.lines().toList().equals(expected);
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
        // Kill on observed progress, so every kill lands while an agent is at work (not while the
        // JVM starts): wait until the engine's containers changed since the last kill (one stopped,
        // kept as NAME-berth-previous, created or started on revision 2, removed), then kill -9.
        int kills = 0;
        int midUpdate = 0;
        List<String> seen = new ArrayList<>();
        String last = engineState();
        for (int round = 0; round < KILLS; round++) {
            if (isDone(last, services)) {
                break; // the last kill came after the update was over: no progress is left to wait for
            }
            String before = last;
            String progressed = Await.until("progress of the update by agent " + (round + 1),
                    () -> {
                        String now = engineState();
                        return now.equals(before) ? null : now;
                    }, Duration.ofSeconds(60), () -> "the engine still shows\n" + before);
            if (isDone(progressed, services)) {
                break;
            }
            agent.destroyForcibly(); // SIGKILL
            assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
            kills++;
            last = engineState();
            seen.add(last);
            if (!isDone(last, services)) {
                midUpdate++;
            }
            agent = startAgent();
        }
        System.out.println("CrashSafetyIT: " + midUpdate + " of " + kills + " kills landed in the middle of the update");
        assertTrue(midUpdate >= 3, midUpdate + " of " + kills + " kills landed in the middle of the update, expected "
                + "at least 3; the engine at each kill:\n" + String.join("\n--\n", seen));
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
