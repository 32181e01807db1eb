package io.berth.fleet.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.fleet.rollout.Rollout.Target;
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

    /** Whether {@code retained} is what the rollout gave {@code t}: its revision with its content. */
    static boolean isOnBroker(Rollout r, Target t, Map<String, JsonNode> previous, Documents.Retained retained) {
        return retained != null && retained.revision() == t.revision()
                && retained.hash().equals(hash(r, t, previous));
    }
}
