package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The revision rules of PROTOCOL.md §3: a higher revision is accepted; the same revision with
 * the same content is a no-op (a retained message delivered again); the same revision with
 * other content, or a lower one, is rejected. The accepted side is a revision and a content
 * hash, so the rule holds on a device that lost the accepted document itself.
 */
public final class RevisionGate {
    private RevisionGate() {}

    public enum Verdict { ACCEPT, UNCHANGED, REJECT }

    public record Decision(Verdict verdict, String reason) {}

    /**
     * @param acceptedRevision the last accepted revision, 0 when none
     * @param accepted         the last accepted document, null when none
     */
    public static Decision decide(long acceptedRevision, JsonNode accepted, long incomingRevision, JsonNode incoming) {
        return decideByHash(acceptedRevision, accepted == null ? null : contentHash(accepted), incomingRevision,
                incoming);
    }

    /**
     * @param acceptedHash the {@link #contentHash} of the last accepted document, null when unknown
     *                     (the same revision is then refused: it cannot be shown to be the same)
     */
    public static Decision decideByHash(long acceptedRevision, String acceptedHash, long incomingRevision,
                                  JsonNode incoming) {
        if (incomingRevision > acceptedRevision) {
            return new Decision(Verdict.ACCEPT, null);
        }
        if (incomingRevision == acceptedRevision) {
            if (contentHash(incoming).equals(acceptedHash)) {
                return new Decision(Verdict.UNCHANGED, null);
            }
            return new Decision(Verdict.REJECT, "revision " + incomingRevision
                    + " was already accepted with other content: publish changes with a higher revision");
        }
        return new Decision(Verdict.REJECT, "revision " + incomingRevision + " is lower than the accepted revision "
                + acceptedRevision + ": publish a revision above " + acceptedRevision);
    }

    /**
     * SHA-256 (hex) of a document's canonical JSON: the same for every serialization of the same
     * content, whatever its key order or spacing.
     */
    public static String contentHash(JsonNode document) {
        byte[] bytes;
        try {
            bytes = Jcs.canonicalize(document);
        } catch (IllegalArgumentException e) {
            bytes = document.toString().getBytes(StandardCharsets.UTF_8); // not canonicalizable: its own text
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
