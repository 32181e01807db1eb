package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.fleet.verbs.FleetCommand;
import io.berth.link.OperatorConnection;
import io.berth.link.TlsFiles;
import io.berth.spec.DocumentReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The rollout verbs one after the other, as an operator types them, on the real broker with
 * protocol stand-ins for devices (no engine: FleetIT has the real agents): start without --wait
 * publishes the first wave and returns; pause with no driver records it; resume drives to the
 * end; ls and status print JSON; a bad selector is a usage error.
 */
class FleetVerbsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int exit, String out, String err) {}

    @Test
    void startPauseResumeAndTheListings() throws Exception {
        String prefix = "verbs" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Map<String, String> env = Map.of("BERTH_MQTT_URL", TestBroker.URL, "BERTH_TOPIC_PREFIX", prefix,
                "BERTH_FLEET_LEASE", "3s");
        Path doc = Files.createTempFile("verbs", ".json");
        Files.writeString(doc, "{\"services\": {\"web\": {\"image\": \"127.0.0.1:5000/demo/busybox:2\"}}}");
        ExecutorService answers = Executors.newSingleThreadExecutor();
        List<String> retained = new ArrayList<>();
        try (OperatorConnection devices = OperatorConnection.connect(new OperatorConnection.Settings(
                List.of(TestBroker.URL), null, null, new TlsFiles.Settings(null, null, null)))) {
            for (String id : List.of("a1", "a2", "a3")) {
                devices.publish(prefix + "/" + id + "/online", ("{\"online\":true,\"labels\":{\"tier\":\""
                        + (id.equals("a1") ? "canary" : "prod") + "\"}}").getBytes(StandardCharsets.UTF_8), true);
                devices.publish(prefix + "/" + id + "/reported", report(1), true);
                retained.addAll(List.of(prefix + "/" + id + "/online", prefix + "/" + id + "/reported",
                        prefix + "/" + id + "/desired"));
            }
            // a stand-in converges on whatever it is given (answering off the MQTT thread)
            devices.subscribe(prefix + "/+/desired", (topic, payload) -> answers.execute(() -> {
                if (payload.length == 0) {
                    return;
                }
                try {
                    long revision = JSON.readTree(payload).path("revision").asLong();
                    devices.publish(topic.replace("/desired", "/reported"), report(revision), true);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
            retained.add(prefix + "/_fleet/rollouts/v");

            Run bad = berth(env, "rollout", "start", "--selector", "tier in (", doc.toString());
            assertEquals(FleetCommand.USAGE, bad.exit(), bad.err());
            assertTrue(bad.err().contains("at position 10"), bad.err());

            Run start = berth(env, "rollout", "start", "--selector", "tier", "--canary", "tier=canary", "--waves",
                    "1,100%", "--id", "v", doc.toString());
            assertEquals(0, start.exit(), start.err());
            assertEquals("v", start.out().strip(), "start prints the id");
            JsonNode status = JSON.readTree(berth(env, "rollout", "status", "v", "--json").out());
            assertEquals("running", status.path("status").asText());
            assertEquals("published", status.path("targets").path("a1").path("state").asText(), status.toString());
            assertEquals("pending", status.path("targets").path("a2").path("state").asText());
            assertTrue(status.path("lease").isMissingNode(), "start released its lease: " + status);
            assertTrue(status.path("document").isMissingNode(), "status never shows the document");

            Run pause = berth(env, "rollout", "pause", "v");
            assertEquals(0, pause.exit(), pause.err());
            assertTrue(pause.out().startsWith("v paused"), pause.out());

            Run resume = berth(env, "rollout", "resume", "v");
            assertEquals(0, resume.exit(), resume.err());
            assertTrue(resume.out().startsWith("v completed: 3 converged"), resume.out());

            JsonNode list = JSON.readTree(berth(env, "rollout", "ls", "--json").out());
            assertEquals(1, list.size());
            assertEquals("completed", list.get(0).path("status").asText());
            assertEquals(3, list.get(0).path("devicesByState").path("converged").asInt(), list.toString());

            Run ls = berth(env, "ls", "--selector", "tier=prod", "--json");
            JsonNode rows = JSON.readTree(ls.out());
            assertEquals(List.of("a2", "a3"), List.of(rows.get(0).path("id").asText(), rows.get(1).path("id").asText()));
            assertEquals(2, rows.get(0).path("revision").path("applied").asLong());
        } finally {
            answers.shutdownNow();
            try (OperatorConnection c = OperatorConnection.connect(new OperatorConnection.Settings(
                    List.of(TestBroker.URL), null, null, new TlsFiles.Settings(null, null, null)))) {
                for (String topic : retained) {
                    c.publish(topic, new byte[0], true);
                }
            }
            Files.deleteIfExists(doc);
        }
    }

    private static byte[] report(long revision) {
        return ("{\"time\":\"" + Instant.now() + "\",\"phase\":\"converged\",\"revision\":{\"desired\":" + revision
                + ",\"applied\":" + revision + ",\"good\":" + revision + "},\"rejected\":null,\"rollback\":null}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Run berth(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = FleetCommand.main(List.of(args), env, new PrintStream(out, true), new PrintStream(err, true),
                (file, verb, errors) -> {
                    try {
                        return DocumentReader.readFile(file);
                    } catch (IOException e) {
                        errors.println(e.getMessage());
                        return null;
                    }
                });
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
