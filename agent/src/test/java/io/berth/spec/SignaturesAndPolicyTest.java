package io.berth.spec;

import static io.berth.spec.SpecFixtures.desired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §3: signed desired state and device policy. */
class SignaturesAndPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOC = """
            {"revision": 3, "services": {"web": {"image": "127.0.0.1:5000/demo/busybox:1", "ports": ["8080:80"],
             "environment": {"PI": 3.14, "N": 10}}}}""";

    private static KeyPair pair() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    @Test
    void aSignedDocumentVerifiesWhateverItsKeyOrderAndWhitespace() throws Exception {
        KeyPair key = pair();
        ObjectNode signed = Signatures.sign((ObjectNode) JSON.readTree(DOC), "ops", key.getPrivate());
        Map<String, java.security.PublicKey> trusted = Map.of("ops", key.getPublic());
        assertEquals(List.of(), Signatures.verify(signed, trusted));
        // the same document re-serialized with other key order and spacing
        String reordered = "{ \"services\" : {\"web\": {\"environment\": {\"N\": 10, \"PI\": 3.140}, \"ports\": "
                + "[\"8080:80\"], \"image\": \"127.0.0.1:5000/demo/busybox:1\"}}, \"signature\": "
                + JSON.writeValueAsString(signed.get("signature")) + ", \"revision\": 3}";
        assertEquals(List.of(), Signatures.verify(JSON.readTree(reordered), trusted));
        // and the parser takes the signature key
        assertTrue(DocumentParser.parseJson(JSON.writeValueAsBytes(signed)) instanceof ParsedDocument.Valid);
    }

    @Test
    void unsignedTamperedAndUnknownKeysAreRejectedWithPaths() throws Exception {
        KeyPair key = pair();
        Map<String, java.security.PublicKey> trusted = Map.of("ops", key.getPublic());
        ObjectNode signed = Signatures.sign((ObjectNode) JSON.readTree(DOC), "ops", key.getPrivate());

        assertEquals("signature", Signatures.verify(JSON.readTree(DOC), trusted).get(0).path());
        ObjectNode tampered = signed.deepCopy();
        tampered.put("revision", 4);
        assertEquals("signature.value", Signatures.verify(tampered, trusted).get(0).path());
        ObjectNode other = Signatures.sign((ObjectNode) JSON.readTree(DOC), "ops", pair().getPrivate());
        assertEquals("signature.value", Signatures.verify(other, trusted).get(0).path());
        ObjectNode unknown = Signatures.sign((ObjectNode) JSON.readTree(DOC), "someone", key.getPrivate());
        assertEquals("signature.keyId", Signatures.verify(unknown, trusted).get(0).path());
        ObjectNode garbage = signed.deepCopy();
        ((ObjectNode) garbage.get("signature")).put("value", "not base64!");
        assertEquals("signature.value", Signatures.verify(garbage, trusted).get(0).path());
        assertEquals(List.of(), Signatures.verify(JSON.readTree(DOC), Map.of()), "no trusted keys: no check");
    }

    @Test
    void trustedKeysFromConfigText() throws Exception {
        KeyPair key = pair();
        String text = "ops=" + Base64.getEncoder().encodeToString(key.getPublic().getEncoded()) + ", spare="
                + Base64.getEncoder().encodeToString(pair().getPublic().getEncoded());
        assertEquals(key.getPublic(), Signatures.parseTrustedKeys(text).get("ops"));
        assertEquals(2, Signatures.parseTrustedKeys(text).size());
        assertThrows(IllegalArgumentException.class, () -> Signatures.parseTrustedKeys("ops=AAAA"));
        assertThrows(IllegalArgumentException.class, () -> Signatures.parseTrustedKeys("justakey"));
    }

    @Test
    void aStrictPolicyRefusesWithPathAndPolicyKey() {
        var state = desired("""
                {"revision": 1, "services": {"web": {"image": "docker.io/library/busybox", "privileged": true,
                  "network_mode": "host", "devices": ["/dev/ttyUSB0"], "cap_add": ["NET_ADMIN"],
                  "volumes": ["./ok:/ok", "/srv/data:/data", "/etc:/host-etc:ro"]}}}""");
        DevicePolicy strict = new DevicePolicy(false, false, false, java.util.Set.of(), true, true, List.of("/srv/"),
                List.of("127.0.0.1:5000"));
        List<SpecError> errors = strict.check(state);
        assertEquals(List.of("services.web.privileged", "services.web.network_mode", "services.web.devices",
                "services.web.cap_add", "services.web.volumes[2]", "services.web.image"),
                errors.stream().map(SpecError::path).toList());
        assertTrue(errors.get(0).message().contains("policy.privileged=false"), errors::toString);
        assertTrue(errors.get(4).message().contains("policy.bindPaths=/srv/"), errors::toString);
        assertTrue(errors.get(5).message().contains("registry docker.io"), errors::toString);
        assertEquals(List.of(), DevicePolicy.PERMISSIVE.check(state));
    }
}
