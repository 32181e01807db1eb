package io.berth.fleet.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.fleet.Device;
import io.berth.fleet.rollout.Rollout.Target;
import io.berth.spec.Signatures;
import io.berth.spec.SigningKey;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one target of a rollout is given, in one place, so publishing, resume (is the retained
 * document already this one?) and {@code abort --revert} (is it still this one?) agree:
 * a document rollout gives every device the same document; an agent update gives each device
 * its own document from before the rollout ({@link Target#previous()}) with {@code agent} set.
 */
final class TargetContent {
    private TargetContent() {}

    /**
     * The content to publish to {@code t} (without revision), or null when an agent update has no
     * document of the device's own to carry it.
     *
     * @param previous the rollout's previous documents, by hash (as {@link Rollout#previous()}, or the
     *                 planner's copy that already holds this wave's)
     */
    static JsonNode content(Rollout r, Target t, Map<String, JsonNode> previous) {
        if (!r.agentUpdate()) {
            return r.document();
        }
        JsonNode own = t.previous() == null ? null : previous.get(t.previous());
        if (own == null) {
            return null;
        }
        ObjectNode doc = Documents.content(own);
        doc.set("agent", r.agent().block());
        return doc;
    }

    /** The hash of {@link #content}, or null when there is none. */
    static String hash(Rollout r, Target t, Map<String, JsonNode> previous) {
        if (!r.agentUpdate()) {
            return r.documentHash();
        }
        JsonNode content = content(r, t, previous);
        return content == null ? null : Documents.hash(content);
    }

    /**
     * Why an agent update may not give a device its retained document {@code ret} again (with
     * {@code agent}, as a newer revision, signed when the rollout signs), or null when it may. It
     * may only when that document is the one the device runs: its revision accepted and applied,
     * not rejected nor rolled back. Otherwise the update would carry content the device refused
     * (say, an unsigned document someone with broker access but no key retained: the rollout would
     * sign it) or one that failed (its services would be tried again). When the rollout signs, the
     * document must also be signed with the rollout's key for this device: a document the device
     * took with another key, or one replayed from another device while it was away, is not ours to
     * sign anew. Pure: no clock, no I/O (Ed25519 signing is deterministic, so a signature of ours
     * is checked by signing the same bytes again).
     */
    static String unfit(Rollout r, String id, Device d, Documents.Retained ret, SigningKey key) {
        long rev = ret.revision();
        String why = null;
        if (d == null || d.report() == null) {
            why = "not applied: it has not reported";
        } else if (d.rejectedRevision() == rev) {
            why = "rejected" + (d.rejectedReason() == null ? "" : ": " + d.rejectedReason());
        } else if (d.rolledBackRevision() == rev) {
            why = "rolled back" + (d.rollbackReason() == null ? "" : ": " + d.rollbackReason());
        } else if (d.desiredRevision() != rev || d.appliedRevision() != rev) {
            why = "not applied: it runs revision " + d.appliedRevision();
        }
        if (why != null) {
            return "its retained revision " + rev + " is not what it runs (" + why + "): publish a good document first";
        }
        if (r.signKeyId() == null) {
            return null;
        }
        String unsigned = notSigned(id, d, ret.document(), r.signKeyId(), key);
        return unsigned == null ? null : "its retained revision " + rev + " is not signed with key " + r.signKeyId()
                + " for " + id + " (" + unsigned + "): publish a document signed with it first";
    }

    private static String notSigned(String id, Device d, ObjectNode document, String keyId, SigningKey key) {
        JsonNode signature = document.get("signature");
        if (signature == null || !signature.isObject()) {
            return "it is unsigned";
        }
        String by = signature.path("keyId").asText("");
        if (!keyId.equals(by)) {
            return "it is signed with key '" + by + "'";
        }
        if (key == null || !keyId.equals(key.keyId())) {
            return "key " + keyId + " was not given to check it";
        }
        try {
            JsonNode ours = Signatures.sign(document, keyId, key.key()).path("signature").path("value");
            if (!ours.equals(signature.path("value"))) {
                return "its signature does not verify with key " + keyId;
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return "its signature cannot be checked: " + e.getMessage();
        }
        // notAfter bounds when a device may take a document, and this one it took: checked at the dawn of time
        List<String> target = Signatures.checkTarget(document, id, d.labels(), Instant.MIN).stream()
                .map(Object::toString).toList();
        return target.isEmpty() ? null : String.join("; ", target);
    }

    /** Whether {@code retained} is what the rollout gave {@code t}: its revision with its content. */
    static boolean isOnBroker(Rollout r, Target t, Map<String, JsonNode> previous, Documents.Retained retained) {
        return retained != null && retained.revision() == t.revision()
                && retained.hash().equals(hash(r, t, previous));
    }
}
