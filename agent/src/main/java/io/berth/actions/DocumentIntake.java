package io.berth.actions;

import io.berth.model.RunState;
import java.io.IOException;
import java.util.Collection;

/** Where desired documents go, whatever their source; called on the reconcile thread only. */
public interface DocumentIntake {
    ApplyResult receive(byte[] payload, String source);

    /** The last accepted revision, 0 when none. */
    long acceptedRevision();

    /** The content hash ({@code RevisionGate.contentHash}) of the last accepted document, null when none. */
    String acceptedHash();

    /** The last accepted document, parsed (before local overrides), null when none. */
    io.berth.model.DesiredState acceptedState();

    /** The technician's local overrides in force (for the accepted revision, or none). */
    LocalOverrides overrides();

    /**
     * Sets the {@code state} of services of the accepted document locally until a newer revision
     * is accepted ({@code berth stop}/{@code start}); stored in the state dir, then reconciled.
     */
    LocalOverrides override(Collection<String> services, RunState state) throws IOException;
    /**
     * What this device would refuse in a document before anything of it is used (a sideload
     * bundle's, before its images load): invalid, unsigned, not for this device, against its
     * policy, or a revision not newer than the accepted one (the running revision's own document,
     * replayed, could re-tag its images). A document without a revision is judged as the next one.
     */
    java.util.List<io.berth.spec.SpecError> vet(com.fasterxml.jackson.databind.JsonNode document);

    /** Whether this device takes only signed documents (it has trusted keys). */
    boolean signaturesRequired();
}
