package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;

/**
 * The agent run as a small board runs it: through the launcher with the smallest profile
 * ({@code raspberry-pi-zero-2w}, {@code -Xmx24m}, {@code -XX:+ExitOnOutOfMemoryError}), beside a
 * chatty container, under what an attacker or a buggy publisher can send: a 100 MB retained
 * message on its {@code desired} topic (delivered live, and again when the agent starts), a
 * flood of junk documents and oversized commands. The agent must stay up (the profile makes an
 * {@code OutOfMemoryError} anywhere end the process) and still reconcile a newer valid revision.
 */
class SmallHeapIT extends WithTestDevice {
    private static final String PROFILE = "raspberry-pi-zero-2w";
    private static final int HUGE = 100 * 1024 * 1024;
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Process startAgent(Path log, String mqttUrl) throws Exception {
        Path launcher = Path.of("..", "provisioning", "bin", "berth").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(launcher), "the launcher " + launcher);
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "agent");
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
        builder.environment().putAll(Map.of(
                "BERTH_PROFILE", PROFILE,
                "BERTH_DEVICE_ID", device.id,
                "BERTH_TOPIC_PREFIX", device.prefix(),
                "BERTH_MQTT_URL", mqttUrl,
                "BERTH_STATE_DIR", device.stateDir.resolve("state").toString(),
                "BERTH_SOCKET", device.stateDir.resolve("berth.sock").toString(),
                "BERTH_REPORT_MIN_INTERVAL", "200ms"));
        return builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** A service printing ~2000 lines of 200 bytes a second, and a line of 1 MB every two seconds. */
    private static String document(long revision, String chatty) {
        String script = "pad=$(head -c 200 /dev/zero | tr '\\0' p); n=0; while true; do i=0; "
                + "while [ $i -lt 200 ]; do echo \"line $i $pad\"; i=$((i+1)); done; sleep 0.1; n=$((n+1)); "
                + "if [ $((n % 20)) -eq 0 ]; then head -c 1000000 /dev/zero | tr '\\0' y; echo; fi; done";
        return """
                {"revision": %d, "name": "%s", "services": {"%s": {"image": "%s", "environment": {"REV": "%d"},
                  "command": ["sh", "-c", %s]}}}
                """.formatted(revision, chatty, chatty, ReconcileIT.IMAGE_V1, revision, JSON.valueToTree(script));
    }

    @Test
    void theSmallestProfileSurvivesAHugeRetainedMessageJunkAndAChattyContainerAndStillReconciles() throws Exception {
        String chatty = device.container("chatty");
        Path log = device.stateDir.resolve("agent.log");
        // the operator watches what the agent sends, not desired: the 100 MB message is not for it
        // a broker of its own: the shared one refuses packets over 2 MiB
        PrivateBroker broker = new PrivateBroker();
        TestBroker operator = new TestBroker(broker.url, device.prefix(), device.id,
                List.of("reported", "online", "events", "logs/#"));
        MqttClient attacker = new MqttClient(broker.url, "it-attacker-" + device.id, new MemoryPersistence());
        Process agent = null;
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            attacker.connect(options);
            String desired = operator.topic("desired");

            agent = startAgent(log, broker.url);
            assertFlags(agent);
            operator.publishDesired(document(1, chatty));
            awaitReported(operator, agent, log, "revision 1", r -> TestBroker.converged(r, 1));
            Await.until("the chatty service's logs forwarded", () -> !operator.logs.isEmpty(), Duration.ofSeconds(60),
                    () -> "no log batch yet");

            // 100 MB, retained: delivered to the running agent now, and to every agent that subscribes later
            byte[] huge = new byte[HUGE];
            Arrays.fill(huge, (byte) 'x');
            byte[] start = "{\"revision\": 99, \"x-pad\": \"".getBytes(StandardCharsets.UTF_8);
            System.arraycopy(start, 0, huge, 0, start.length);
            huge[HUGE - 2] = '"';
            huge[HUGE - 1] = '}';
            attacker.publish(desired, huge, 1, true);
            huge = null;

            // a flood of junk, not retained (the 100 MB one stays)
            byte[] random = new byte[256 * 1024];
            for (int i = 0; i < 300; i++) {
                byte[] junk = switch (i % 5) {
                    case 0 -> "{not json".getBytes(StandardCharsets.UTF_8);
                    case 1 -> ("{\"revision\": " + (1000 + i) + ", \"services\": {\"x\": {\"bogus\": \"" + "b".repeat(10_000)
                            + "\"}}}").getBytes(StandardCharsets.UTF_8);
                    case 2 -> "[".repeat(100_000).getBytes(StandardCharsets.UTF_8);
                    case 3 -> {
                        ThreadLocalRandom.current().nextBytes(random);
                        yield random;
                    }
                    default -> "{\"revision\": 0, \"services\": {}}".getBytes(StandardCharsets.UTF_8);
                };
                attacker.publish(desired, junk, 1, false);
            }
            // commands that ask for much: oversized bodies, and the longest log tail
            for (int i = 0; i < 20; i++) {
                attacker.publish(operator.topic("cmd/logs"), ("{\"service\": \"" + chatty + "\", \"tail\": 1000}")
                        .getBytes(StandardCharsets.UTF_8), 1, false);
                attacker.publish(operator.topic("cmd/restart"), random, 1, false);
            }

            // a rejection published after the flood shows the agent has taken all of it
            operator.publishDesired("{\"revision\": 1, \"services\": {}}");
            awaitReported(operator, agent, log, "the rejection of the changed revision 1, after the flood",
                    r -> r.path("rejected").path("revision").asLong() == 1);
            assertTrue(agent.isAlive(), "the agent is still running: " + tail(log));

            // a restart under the 100 MB retained message (the one above replaced it: put it back)
            byte[] again = new byte[HUGE];
            Arrays.fill(again, (byte) 'x');
            attacker.publish(desired, again, 1, true);
            again = null;
            agent.destroy();
            assertTrue(agent.waitFor(30, TimeUnit.SECONDS), "the agent stops on SIGTERM");
            assertEquals(0, agent.exitValue(), "a clean stop, not an OutOfMemoryError (exit 3): " + tail(log));
            String firstStart = operator.latest("reported").path("agent").path("startedAt").asText();
            agent = startAgent(log, broker.url);
            assertFlags(agent);
            awaitReported(operator, agent, log, "the restarted agent's report",
                    r -> !firstStart.equals(r.path("agent").path("startedAt").asText()));

            // a newer valid revision is reconciled
            operator.publishDesired(document(2, chatty));
            JsonNode reported = awaitReported(operator, agent, log, "revision 2", r -> TestBroker.converged(r, 2));
            assertEquals("2", DockerCli.inspect(chatty, "{{index .Config.Labels \"berth.revision\"}}"));
            assertEquals(PROFILE, reported.path("agent").path("profile").asText(), reported.toString());
            assertTrue(agent.isAlive(), "the agent is still running: " + tail(log));
            assertFalse(Files.readString(log).contains("OutOfMemoryError"), tail(log));
        } finally {
            try {
                if (agent != null) {
                    agent.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
                if (attacker.isConnected()) {
                    attacker.disconnect();
                }
                attacker.close();
                operator.close();
            } finally {
                broker.close(); // its retained messages go with it
            }
        }
    }

    /** Waits for a report, failing at once, with the agent's last log lines, when the agent has ended. */
    private static JsonNode awaitReported(TestBroker operator, Process agent, Path log, String what,
                                          Predicate<JsonNode> condition) throws InterruptedException {
        return Await.until(what, () -> {
            if (!agent.isAlive()) {
                throw new AssertionError("the agent ended (exit code " + agent.exitValue() + ", 3 is an "
                        + "OutOfMemoryError) while waiting for " + what + ":\n" + tail(log));
            }
            JsonNode reported = operator.latest("reported");
            return reported != null && condition.test(reported) ? reported : null;
        }, CONVERGE, () -> "last reported: " + operator.latest("reported") + "\nthe agent's log:\n" + tail(log));
    }

    /** The launcher execs java (same process) with the profile's heap and the exit on OutOfMemoryError. */
    private static void assertFlags(Process agent) throws Exception {
        Path cmdline = Path.of("/proc", String.valueOf(agent.pid()), "cmdline");
        String java = Await.until("the launcher to exec java", () -> {
            try {
                String line = Files.readString(cmdline).replace('\0', ' ');
                return line.contains(" -jar ") ? line : null;
            } catch (java.io.IOException gone) {
                return null;
            }
        }, Duration.ofSeconds(30), () -> "the agent process " + agent.pid() + (agent.isAlive() ? "" : " ended"));
        assertTrue(java.contains(" -Xmx24m ") && java.contains(" -XX:+ExitOnOutOfMemoryError "), java);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
