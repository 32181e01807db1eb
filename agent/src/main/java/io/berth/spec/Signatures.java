package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signed desired state (PROTOCOL.md §3): {@code signature: {"alg": "Ed25519", "keyId": …, "value": base64}}
 * over the RFC 8785 canonical JSON of the document without {@code signature}. JDK 17's own Ed25519.
 */
public final class Signatures {
    public static final String ALG = "Ed25519";

    private Signatures() {}

    /**
     * The trusted keys of the config: {@code keyId=BASE64,keyId=BASE64}, each key the base64 of
     * its X.509 SubjectPublicKeyInfo (what {@code berth keygen} prints).
     *
     * @throws IllegalArgumentException naming the entry that is not a key
     */
    public static Map<String, PublicKey> parseTrustedKeys(String text) {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return keys;
        }
        for (String entry : text.split(",")) {
            String e = entry.strip();
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("trustedKeys entry '" + e + "' must be KEY_ID=BASE64_PUBLIC_KEY "
                        + "(as berth keygen prints it)");
            }
            keys.put(e.substring(0, eq).strip(), publicKey(e.substring(0, eq).strip(), e.substring(eq + 1).strip()));
        }
        return Map.copyOf(keys);
    }

    static PublicKey publicKey(String keyId, String base64) {
        try {
            return KeyFactory.getInstance(ALG).generatePublic(new X509EncodedKeySpec(Base64.getDecoder()
                    .decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("trusted key '" + keyId + "' is not a base64 Ed25519 public key: "
                    + e.getMessage());
        }
    }

    /** The bytes that are signed: JCS of the document without its {@code signature}. */
    public static byte[] signedBytes(JsonNode document) {
        JsonNode copy = document.deepCopy();
        if (copy instanceof ObjectNode object) {
            object.remove("signature");
        }
        return Jcs.canonicalize(copy);
    }

    /** The document with a signature by {@code key} added (replacing any). */
    public static ObjectNode sign(ObjectNode document, String keyId, PrivateKey key) throws GeneralSecurityException {
        Signature signer = Signature.getInstance(ALG);
        signer.initSign(key);
        signer.update(signedBytes(document));
        ObjectNode signed = document.deepCopy();
        signed.remove("signature");
        ObjectNode signature = signed.putObject("signature");
        signature.put("alg", ALG).put("keyId", keyId).put("value", Base64.getEncoder().encodeToString(signer.sign()));
        return signed;
    }

    /**
     * Checks a document against the trusted keys; no keys = no check. Every problem is an error
     * at {@code signature}: missing, malformed, unknown key id, or a value that does not verify.
     */
    public static List<SpecError> verify(JsonNode document, Map<String, PublicKey> trusted) {
        if (trusted.isEmpty()) {
            return List.of();
        }
        JsonNode signature = document.get("signature");
        if (signature == null || signature.isNull()) {
            return List.of(new SpecError("signature", "missing: this device accepts only documents signed by one of "
                    + "its trusted keys (" + String.join(", ", new java.util.TreeSet<>(trusted.keySet()))
                    + "): sign it with berth sign --key FILE DOC"));
        }
        if (!signature.isObject() || !ALG.equals(signature.path("alg").asText())
                || !signature.path("keyId").isTextual() || !signature.path("value").isTextual()) {
            return List.of(new SpecError("signature", "must be {\"alg\": \"Ed25519\", \"keyId\": …, \"value\": base64}"));
        }
        String keyId = signature.get("keyId").asText();
        PublicKey key = trusted.get(keyId);
        if (key == null) {
            return List.of(new SpecError("signature.keyId", "'" + keyId + "' is not a key this device trusts: sign "
                    + "with one of " + String.join(", ", new java.util.TreeSet<>(trusted.keySet()))));
        }
        try {
            Signature verifier = Signature.getInstance(ALG);
            verifier.initVerify(key);
            verifier.update(signedBytes(document));
            if (verifier.verify(Base64.getDecoder().decode(signature.get("value").asText()))) {
                return List.of();
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // a value that is not base64 or not a signature: the same answer as a wrong one
        }
        return List.of(new SpecError("signature.value", "does not verify with key '" + keyId + "': the document was "
                + "changed after signing, or signed with another key; sign it again"));
    }
}
