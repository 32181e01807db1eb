package io.berth.actions;

/** Where desired documents go, whatever their source; called on the reconcile thread only. */
public interface DocumentIntake {
    ApplyResult receive(byte[] payload, String source);

    /** The last accepted revision, 0 when none. */
    long acceptedRevision();

    /** The last accepted document as received, null when none. */
    com.fasterxml.jackson.databind.JsonNode acceptedDocument();
}
