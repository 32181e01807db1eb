package io.berth.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.Signatures;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §7: with trusted keys, restart and reconcile run only signed for this device. */
class RemoteCommandsSigningTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void mutatingVerbsNeedASignatureReadOnlyOnesStayOpen() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        List<String> ran = new ArrayList<>();
        RemoteCommands commands = new RemoteCommands(Map.of("ops", key.getPublic()), "pi-1");
        for (String verb : List.of("restart", "reconcile", "logs")) {
            commands.register(verb, body -> {
                ran.add(verb);
                return JSON.createObjectNode();
            });
        }
        JsonNode unsigned = answer(commands, "restart", "{\"service\": \"web\", \"replyTo\": \"r\", "
                + "\"correlation\": \"1\"}");
        assertFalse(unsigned.path("ok").asBoolean(), unsigned.toString());
        assertTrue(unsigned.path("error").asText().contains("signed"), unsigned.toString());
        assertFalse(answer(commands, "reconcile", "{}").path("ok").asBoolean());
        assertEquals(List.of(), ran, "nothing ran unsigned");

        assertTrue(answer(commands, "logs", "{\"service\": \"web\"}").path("ok").asBoolean(), "read-only stays open");

        ObjectNode body = (ObjectNode) JSON.readTree("{\"service\": \"web\", \"device\": \"pi-1\", "
                + "\"expiresAt\": \"2099-01-01T00:00:00Z\"}");
        ObjectNode signed = Signatures.signCommand(body, "ops", key.getPrivate());
        signed.put("replyTo", "berth/replies/1").put("correlation", "abc");
        assertTrue(answer(commands, "restart", signed.toString()).path("ok").asBoolean());
        ObjectNode forOther = Signatures.signCommand(body.deepCopy().put("device", "pi-2"), "ops", key.getPrivate());
        assertFalse(answer(commands, "restart", forOther.toString()).path("ok").asBoolean(), "another device's");
        assertEquals(List.of("logs", "restart"), ran);

        RemoteCommands open = new RemoteCommands(Map.of(), "pi-1");
        open.register("restart", b -> JSON.createObjectNode());
        assertTrue(answer(open, "restart", "{\"service\": \"web\"}").path("ok").asBoolean(), "no keys: open");
    }

    private static JsonNode answer(RemoteCommands commands, String verb, String body) throws Exception {
        return JSON.readTree(commands.answer(verb, body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
