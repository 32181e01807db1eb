package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The revision rules of PROTOCOL.md §3: a higher revision is accepted; the same revision with
 * the same content is a no-op (a retained message delivered again); the same revision with
 * other content, or a lower one, is rejected.
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
        if (incomingRevision > acceptedRevision) {
            return new Decision(Verdict.ACCEPT, null);
        }
        if (incomingRevision == acceptedRevision) {
            if (incoming.equals(accepted)) {
                return new Decision(Verdict.UNCHANGED, null);
            }
            return new Decision(Verdict.REJECT, "revision " + incomingRevision
                    + " was already accepted with other content: publish changes with a higher revision");
        }
        return new Decision(Verdict.REJECT, "revision " + incomingRevision + " is lower than the accepted revision "
                + acceptedRevision + ": publish a revision above " + acceptedRevision);
    }
}
