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

    /** The device's clock, settable. */
    private static final class FixedClock extends java.time.Clock {
        java.time.Instant now = java.time.Instant.parse("2026-12-01T09:30:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    private final FixedClock clock = new FixedClock();

    @Test
    void mutatingVerbsNeedASignatureReadOnlyOnesStayOpen() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        List<String> ran = new ArrayList<>();
        RemoteCommands commands = new RemoteCommands(Map.of("ops", key.getPublic()), "pi-1", clock);
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

        ObjectNode body = (ObjectNode) JSON.readTree("{\"service\": \"web\", \"verb\": \"restart\", "
                + "\"device\": \"pi-1\", \"expiresAt\": \"2026-12-01T10:00:00Z\"}");
        ObjectNode signed = Signatures.signCommand(body, "ops", key.getPrivate());
        signed.put("replyTo", "berth/replies/1").put("correlation", "abc");
        assertTrue(answer(commands, "restart", signed.toString()).path("ok").asBoolean());
        ObjectNode forOther = Signatures.signCommand(body.deepCopy().put("device", "pi-2"), "ops", key.getPrivate());
        assertFalse(answer(commands, "restart", forOther.toString()).path("ok").asBoolean(), "another device's");
        assertEquals(List.of("logs", "restart"), ran);

        // the same signed command again (read off the broker), even with another reply address: refused
        JsonNode replayed = answer(commands, "restart", signed.deepCopy().put("correlation", "other").toString());
        assertFalse(replayed.path("ok").asBoolean(), replayed.toString());
        assertTrue(replayed.path("error").asText().contains("replay"), replayed.toString());
        // a restart's signature sent as a reconcile
        ObjectNode restartOfDb = Signatures.signCommand(body.deepCopy().put("service", "db"), "ops", key.getPrivate());
        JsonNode asReconcile = answer(commands, "reconcile", restartOfDb.toString());
        assertTrue(asReconcile.path("error").asText().contains("not as 'reconcile'"), asReconcile.toString());
        // expiring more than an hour ahead of the device's clock
        ObjectNode longLived = Signatures.signCommand(body.deepCopy().put("service", "db")
                .put("expiresAt", "2026-12-01T11:00:00Z"), "ops", key.getPrivate());
        assertFalse(answer(commands, "restart", longLived.toString()).path("ok").asBoolean(), "lives too long");
        assertEquals(List.of("logs", "restart"), ran);
        // once expired, the remembered signature is forgotten, and the command is refused as expired
        clock.now = java.time.Instant.parse("2026-12-01T10:00:01Z");
        JsonNode expired = answer(commands, "restart", signed.toString());
        assertTrue(expired.path("error").asText().contains("expired"), expired.toString());
        clock.now = java.time.Instant.parse("2026-12-01T09:30:00Z");
        assertTrue(answer(commands, "restart", restartOfDb.toString()).path("ok").asBoolean(), "a new one runs");
        assertEquals(List.of("logs", "restart", "restart"), ran);

        RemoteCommands open = new RemoteCommands(Map.of(), "pi-1");
        open.register("restart", b -> JSON.createObjectNode());
        assertTrue(answer(open, "restart", "{\"service\": \"web\"}").path("ok").asBoolean(), "no keys: open");
    }

    private static JsonNode answer(RemoteCommands commands, String verb, String body) throws Exception {
        return JSON.readTree(commands.answer(verb, body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
