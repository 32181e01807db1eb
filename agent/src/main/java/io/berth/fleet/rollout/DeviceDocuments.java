package io.berth.fleet.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.SigningKey;
import io.berth.spec.Signatures;
import java.security.GeneralSecurityException;

/**
 * One device's own copy of a document: the content, its revision, and, with a signing key, a
 * {@code target} naming that device and a signature over it all (PROTOCOL.md §3, §10), so a copy
 * replayed to another device is refused there.
 */
public final class DeviceDocuments {
    private DeviceDocuments() {}

    public static ObjectNode build(JsonNode content, long revision, String device, SigningKey key) {
        ObjectNode doc = Documents.content(content);
        doc.put("revision", revision);
        if (key == null) {
            return doc;
        }
        doc.putObject("target").putArray("devices").add(device);
        try {
            return Signatures.sign(doc, key.keyId(), key.key());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with key " + key.keyId() + ": " + e.getMessage(), e);
        }
    }
}
