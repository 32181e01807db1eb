package io.berth.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §7: a signed command covers its body with device and expiresAt, not its reply address. */
class CommandSignaturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSignedCommandVerifiesWhateverItsReplyAddressAndOnlyOnItsDevice() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        var trusted = Map.of("ops", key.getPublic());
        ObjectNode body = (ObjectNode) JSON.readTree("""
                {"service": "web", "device": "pi-1", "expiresAt": "2026-12-01T10:00:00Z"}""");
        ObjectNode signed = Signatures.signCommand(body, "ops", key.getPrivate());
        signed.put("replyTo", "berth/_replies/x").put("correlation", "c-1");
        assertEquals(List.of(), Signatures.verifyCommand(signed, trusted, "pi-1"));

        assertEquals("device", Signatures.verifyCommand(signed, trusted, "pi-2").get(0).path(),
                "a command signed for another device");
        ObjectNode otherService = signed.deepCopy().put("service", "db");
        assertEquals("signature.value", Signatures.verifyCommand(otherService, trusted, "pi-1").get(0).path());
        ObjectNode later = signed.deepCopy().put("expiresAt", "2030-01-01T00:00:00Z");
        assertEquals("signature.value", Signatures.verifyCommand(later, trusted, "pi-1").get(0).path(),
                "expiresAt is signed");
        ObjectNode unsigned = body.deepCopy();
        assertEquals("signature", Signatures.verifyCommand(unsigned, trusted, "pi-1").get(0).path());
        assertEquals(List.of(), Signatures.verifyCommand(unsigned, Map.of(), "pi-1"), "no keys: open");
        assertThrows(IllegalArgumentException.class, () -> Signatures.signCommand((ObjectNode) JSON.readTree(
                "{\"service\": \"web\"}"), "ops", key.getPrivate()), "no device or expiresAt: not signed");
    }
}
