package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;

/** Remote commands over MQTT 5 request/response (PROTOCOL.md §7), from Java and from mosquitto_rr. */
class RemoteCommandsIT extends WithTestDevice {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Sends a command the MQTT 5 way: response topic + correlation data; returns the answer. */
    private JsonNode request(String verb, String body) throws Exception {
        MqttClient client = new MqttClient(TestBroker.URL, "it-rr-" + device.id, new MemoryPersistence());
        CompletableFuture<MqttMessage> answer = new CompletableFuture<>();
        String replyTopic = device.prefix() + "/" + device.id + "/reply/" + verb;
        byte[] correlation = ("corr-" + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        client.setCallback(OnMessage.callback((topic, message) -> {
            answer.complete(message);
        }));
        client.connect();
        try {
            client.subscribe(replyTopic, 1);
            MqttProperties properties = new MqttProperties();
            properties.setResponseTopic(replyTopic);
            properties.setCorrelationData(correlation);
            MqttMessage message = new MqttMessage(body.getBytes(StandardCharsets.UTF_8), 1, false, properties);
            client.publish(device.prefix() + "/" + device.id + "/cmd/" + verb, message);
            MqttMessage reply = answer.get(20, TimeUnit.SECONDS);
            assertArrayEquals(correlation, reply.getProperties().getCorrelationData(), "the correlation data comes back");
            return JSON.readTree(reply.getPayload());
        } finally {
            client.disconnect();
            client.close();
        }
    }

    private void awaitOnline() throws Exception {
        TestBroker broker = device.broker();
        Await.until("the agent online", () -> {
            JsonNode online = broker.latest("online");
            return online != null && online.path("online").asBoolean();
        }, Duration.ofSeconds(30), () -> String.valueOf(broker.latest("online")));
    }

    @Test
    void reconcileIsAnsweredOnTheResponseTopicWithTheCorrelationData() throws Exception {
        device.startAgent();
        awaitOnline();
        JsonNode answer = request("reconcile", "{}");
        assertTrue(answer.path("ok").asBoolean(), answer.toString());
        assertTrue(answer.path("error").isNull());
    }

    @Test
    void restartLogsAndDiagnoseWorkOnARealService() throws Exception {
        String svc = device.container("cmd");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("""
                {"revision": 1, "services": {"%s": {"image": "%s", "command": ["sh", "-c", "echo hello from $$HOSTNAME; sleep 3600"]}}}
                """.formatted(svc, ReconcileIT.IMAGE_V1).replace("$$", "$"));
        broker.awaitReported("converged", r -> TestBroker.converged(r, 1), ReconcileIT.CONVERGE);

        JsonNode logs = request("logs", "{\"service\": \"" + svc + "\", \"tail\": 10}");
        assertTrue(logs.path("ok").asBoolean(), logs.toString());
        assertTrue(logs.path("result").path("lines").toString().contains("hello from"), logs.toString());

        String startedBefore = DockerCli.inspect(svc, "{{.State.StartedAt}}");
        JsonNode restart = request("restart", "{\"service\": \"" + svc + "\"}");
        assertTrue(restart.path("ok").asBoolean(), restart.toString());
        assertTrue(!startedBefore.equals(DockerCli.inspect(svc, "{{.State.StartedAt}}")), "restarted");

        JsonNode missing = request("restart", "{}");
        assertFalse(missing.path("ok").asBoolean());
        assertTrue(missing.path("error").asText().contains("'service' is missing"), missing.toString());

        JsonNode diagnose = request("diagnose", "{}");
        assertTrue(diagnose.path("ok").asBoolean(), diagnose.toString());
        assertTrue(diagnose.path("result").path("mqttConnected").asBoolean(), diagnose.toString());
    }

    @Test
    void unknownVerbsAndMalformedBodiesAreRefusedWithTheReason() throws Exception {
        device.startAgent();
        awaitOnline();
        JsonNode unknown = request("explode", "{}");
        assertFalse(unknown.path("ok").asBoolean());
        assertTrue(unknown.path("error").asText().contains("unknown command 'explode'"), unknown.toString());
        assertTrue(unknown.path("error").asText().contains("reconcile"), "lists the verbs: " + unknown);

        JsonNode malformed = request("reconcile", "{not json");
        assertFalse(malformed.path("ok").asBoolean());
        assertTrue(malformed.path("error").asText().contains("not valid JSON"), malformed.toString());

        JsonNode array = request("reconcile", "[1]");
        assertFalse(array.path("ok").asBoolean());
        assertTrue(array.path("error").asText().contains("JSON object"), array.toString());
    }

    @Test
    void mosquittoRrGetsAnAnswer() throws Exception {
        device.startAgent();
        awaitOnline();
        String topic = device.prefix() + "/" + device.id + "/cmd/reconcile";
        String reply = device.prefix() + "/" + device.id + "/reply/rr";
        Process rr = new ProcessBuilder(List.of("mosquitto_rr", "-h", "127.0.0.1", "-p", "1883", "-V", "mqttv5",
                "-t", topic, "-e", reply, "-m", "{}", "-W", "20")).redirectErrorStream(true).start();
        String out = new String(rr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(rr.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, rr.exitValue(), out);
        assertTrue(JSON.readTree(out).path("ok").asBoolean(), out);
    }
}
