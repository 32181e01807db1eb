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

    /** What a command's signature leaves out (PROTOCOL.md §7): the 3.1.1 reply address, and the signature. */
    static final List<String> UNSIGNED_COMMAND_KEYS = List.of("signature", "replyTo", "correlation");

    /** The bytes that are signed: JCS of the document without its {@code signature}. */
    public static byte[] signedBytes(JsonNode document) {
        return signedBytes(document, List.of("signature"));
    }

    private static byte[] signedBytes(JsonNode document, List<String> without) {
        JsonNode copy = document.deepCopy();
        if (copy instanceof ObjectNode object) {
            object.remove(without);
        }
        return Jcs.canonicalize(copy);
    }

    /** The document with a signature by {@code key} added (replacing any). */
    public static ObjectNode sign(ObjectNode document, String keyId, PrivateKey key) throws GeneralSecurityException {
        return sign(document, keyId, key, List.of("signature"));
    }

    /**
     * A command body (PROTOCOL.md §7) with a signature by {@code key} added (replacing any):
     * over the body with its {@code device} and {@code expiresAt}, without {@code replyTo},
     * {@code correlation} and {@code signature}, so those may be added or changed afterwards.
     *
     * @throws IllegalArgumentException when the body names no {@code device} or {@code expiresAt}
     *                                  (an unbound signed command could be replayed on any device, forever)
     */
    public static ObjectNode signCommand(ObjectNode body, String keyId, PrivateKey key)
            throws GeneralSecurityException {
        if (!body.path("device").isTextual() || !body.path("expiresAt").isTextual()) {
            throw new IllegalArgumentException("a signed command names its 'device' and 'expiresAt' (an ISO-8601 "
                    + "instant)");
        }
        return sign(body, keyId, key, UNSIGNED_COMMAND_KEYS);
    }

    private static ObjectNode sign(ObjectNode document, String keyId, PrivateKey key, List<String> without)
            throws GeneralSecurityException {
        Signature signer = Signature.getInstance(ALG);
        signer.initSign(key);
        signer.update(signedBytes(document, without));
        ObjectNode signed = document.deepCopy();
        signed.remove("signature");
        ObjectNode signature = signed.putObject("signature");
        signature.put("alg", ALG).put("keyId", keyId).put("value", Base64.getEncoder().encodeToString(signer.sign()));
        return signed;
    }

    /**
     * Checks a signed command body for this device: a signature by a trusted key over the body
     * without {@code replyTo}/{@code correlation}, a {@code device} naming this device, and an
     * {@code expiresAt}. No keys = no check. (Whether {@code expiresAt} has passed is the link's
     * one check of command expiry, for signed and unsigned commands alike.)
     */
    public static List<SpecError> verifyCommand(JsonNode body, Map<String, PublicKey> trusted, String deviceId) {
        if (trusted.isEmpty()) {
            return List.of();
        }
        List<SpecError> errors = new java.util.ArrayList<>(verify(body, trusted, UNSIGNED_COMMAND_KEYS,
                "berth cmd --sign-key FILE"));
        if (!errors.isEmpty()) {
            return errors;
        }
        if (!deviceId.equals(body.path("device").asText(null))) {
            errors.add(new SpecError("device", "the command is signed for " + (body.has("device")
                    ? "device '" + body.path("device").asText() + "'" : "no device") + ", not for this one ("
                    + deviceId + ")"));
        }
        if (!body.path("expiresAt").isTextual() || instant(body.get("expiresAt").asText()) == null) {
            errors.add(new SpecError("expiresAt", "a signed command must carry expiresAt, an ISO-8601 instant "
                    + "(berth cmd --sign-key adds it)"));
        }
        return errors;
    }

    /**
     * Checks a document against the trusted keys; no keys = no check. Every problem is an error
     * at {@code signature}: missing, malformed, unknown key id, or a value that does not verify.
     */
    public static List<SpecError> verify(JsonNode document, Map<String, PublicKey> trusted) {
        return verify(document, trusted, List.of("signature"), "berth sign --key FILE DOC");
    }

    private static List<SpecError> verify(JsonNode document, Map<String, PublicKey> trusted, List<String> without,
                                          String how) {
        if (trusted.isEmpty()) {
            return List.of();
        }
        JsonNode signature = document.get("signature");
        if (signature == null || signature.isNull()) {
            return List.of(new SpecError("signature", "missing: this device accepts only documents signed by one of "
                    + "its trusted keys (" + String.join(", ", new java.util.TreeSet<>(trusted.keySet()))
                    + "): sign it with " + how));
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
        byte[] signed;
        try {
            signed = signedBytes(document, without);
        } catch (IllegalArgumentException e) {
            return List.of(new SpecError("signature", "cannot be checked: " + e.getMessage()));
        }
        try {
            Signature verifier = Signature.getInstance(ALG);
            verifier.initVerify(key);
            verifier.update(signed);
            if (verifier.verify(Base64.getDecoder().decode(signature.get("value").asText()))) {
                return List.of();
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // a value that is not base64 or not a signature: the same answer as a wrong one
        }
        return List.of(new SpecError("signature.value", "does not verify with key '" + keyId + "': the document was "
                + "changed after signing, or signed with another key; sign it again"));
    }

    /**
     * Whether a signed document is meant for this device, now: its {@code target} names this
     * device ({@code {"devices": […]}}) or selects its labels ({@code {"selector": "…"}}, §10),
     * and its {@code notAfter} has not passed. Absent keys do not restrict.
     */
    public static List<SpecError> checkTarget(JsonNode document, String deviceId, Map<String, String> labels,
                                              java.time.Instant now) {
        List<SpecError> errors = new java.util.ArrayList<>(shapeErrors("target", document.get("target")));
        errors.addAll(shapeErrors("notAfter", document.get("notAfter")));
        if (!errors.isEmpty()) {
            return errors;
        }
        JsonNode target = document.get("target");
        if (target != null && target.has("devices")) {
            List<String> devices = new java.util.ArrayList<>();
            target.get("devices").forEach(d -> devices.add(d.asText()));
            if (!devices.contains(deviceId)) {
                errors.add(new SpecError("target.devices", "the document is signed for " + devices + ", not for this "
                        + "device (" + deviceId + "): sign it again with berth sign --device " + deviceId));
            }
        }
        if (target != null && target.has("selector")) {
            String selector = target.get("selector").asText();
            if (!io.berth.model.Selector.parse(selector).matches(labels)) {
                errors.add(new SpecError("target.selector", "the document is signed for devices with labels '"
                        + selector + "', which this device's labels " + new java.util.TreeMap<>(labels)
                        + " do not match"));
            }
        }
        JsonNode notAfter = document.get("notAfter");
        if (notAfter != null && now.isAfter(instant(notAfter.asText()))) {
            errors.add(new SpecError("notAfter", "the document expired at " + notAfter.asText() + " (it is " + now
                    + "): sign it again with a later berth sign --not-after"));
        }
        return errors;
    }

    /** What is wrong with the form of {@code target} or {@code notAfter} (null is absent: fine). */
    public static List<SpecError> shapeErrors(String key, JsonNode value) {
        if (value == null) {
            return List.of();
        }
        if (key.equals("notAfter")) {
            return value.isTextual() && instant(value.asText()) != null ? List.of()
                    : List.of(new SpecError(key, "must be an ISO-8601 instant such as 2026-12-31T00:00:00Z"));
        }
        boolean devices = value.isObject() && value.size() == 1 && value.path("devices").isArray()
                && !value.get("devices").isEmpty();
        if (devices) {
            for (JsonNode d : value.get("devices")) {
                devices &= d.isTextual() && !d.asText().isBlank();
            }
        }
        boolean selector = value.isObject() && value.size() == 1 && value.path("selector").isTextual()
                && validSelector(value.get("selector").asText());
        return devices || selector ? List.of() : List.of(new SpecError(key, "must be {\"devices\": [ID, …]} or "
                + "{\"selector\": \"key=value,…\"} (PROTOCOL.md §10), as berth sign --device/--selector writes it"));
    }

    private static boolean validSelector(String text) {
        try {
            io.berth.model.Selector.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static java.time.Instant instant(String text) {
        try {
            return java.time.Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(text).toInstant();
            } catch (java.time.format.DateTimeParseException e2) {
                return null;
            }
        }
    }
}
