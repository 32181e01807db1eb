package io.berth.fleet.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.Signatures;
import io.berth.spec.SigningKey;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each device's copy of a rollout's document: its revision, and signed with its own target (§3, §10). */
class DeviceDocumentsTest {
    @Test
    void aSignedCopyVerifiesForItsDeviceOnly() throws Exception {
        ObjectNode doc = (ObjectNode) new ObjectMapper().readTree(
                "{\"revision\":99,\"services\":{\"web\":{\"image\":\"demo:2\"}},\"signature\":{\"alg\":\"x\"}}");
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ObjectNode copy = DeviceDocuments.build(doc, 7, "pi-1", new SigningKey("k1", pair.getPrivate()));
        assertEquals(7, copy.path("revision").asLong());
        assertEquals("pi-1", copy.path("target").path("devices").path(0).asText());
        assertEquals(Documents.hash(doc), Documents.hash(copy), "the content is the rollout's");
        Map<String, java.security.PublicKey> trusted = Map.of("k1", pair.getPublic());
        assertTrue(Signatures.verify(copy, trusted).isEmpty(), Signatures.verify(copy, trusted).toString());
        assertTrue(Signatures.checkTarget(copy, "pi-1", Map.of(), Instant.now()).isEmpty());
        assertFalse(Signatures.checkTarget(copy, "pi-2", Map.of(), Instant.now()).isEmpty(), "refused elsewhere");
    }

    @Test
    void unsignedCopiesCarryNoTarget() throws Exception {
        ObjectNode doc = (ObjectNode) new ObjectMapper().readTree("{\"services\":{}}");
        ObjectNode copy = DeviceDocuments.build(doc, 3, "pi-1", null);
        assertEquals("{\"services\":{},\"revision\":3}", copy.toString());
    }
}
