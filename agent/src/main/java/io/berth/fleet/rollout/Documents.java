package io.berth.fleet.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.Signatures;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What a desired document says apart from its envelope: without {@code revision}, {@code target},
 * {@code notAfter} and {@code signature}. A rollout stores and compares documents this way, so the
 * same content published to many devices, each with its own revision and signature, has one hash.
 */
public final class Documents {
    private static final List<String> ENVELOPE = List.of("revision", "target", "notAfter", "signature");

    private Documents() {}

    /** The content of a document (a copy). */
    public static ObjectNode content(JsonNode document) {
        ObjectNode copy = document.deepCopy();
        copy.remove(ENVELOPE);
        return copy;
    }

    /** {@code sha256:…} of the RFC 8785 canonical JSON of a document's content. */
    public static String hash(JsonNode document) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(Signatures.signedBytes(content(document))));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A device's desired document as retained on the broker: its revision, content hash, content,
     * and envelope ({@code revision}, {@code target}, {@code notAfter}, {@code signature} as given),
     * so its signature can be checked ({@link #document()}).
     */
    public record Retained(long revision, String hash, ObjectNode content, ObjectNode envelope) {
        public static Retained of(JsonNode document) {
            ObjectNode envelope = JsonNodeFactory.instance.objectNode();
            for (String key : ENVELOPE) {
                if (document.has(key)) {
                    envelope.set(key, document.get(key).deepCopy());
                }
            }
            return new Retained(document.path("revision").asLong(0), Documents.hash(document),
                    Documents.content(document), envelope);
        }

        /** The document as retained: its content with its envelope (a copy). */
        public ObjectNode document() {
            ObjectNode doc = content.deepCopy();
            doc.setAll(envelope.deepCopy());
            return doc;
        }
    }
}
