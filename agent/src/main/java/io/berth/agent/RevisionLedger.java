package io.berth.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.DesiredState;
import io.berth.plan.Rollback;
import io.berth.reconcile.RevisionHistory;
import io.berth.reconcile.StatusReporter;
import io.berth.spec.DeviceTrust;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import io.berth.store.RevisionFloor;
import io.berth.store.StateStore;
import java.io.IOException;
import org.tinylog.Logger;

/**
 * The device's record of its revisions in the state dir, read at start and written as it
 * changes: the highest accepted revision and its content hash (the floor, a file of its own, so
 * that older revisions stay closed when {@code desired.json} is lost), the last good revision
 * ({@code good.json}, written once per revision, the one a failed update rolls back to) and the
 * rollback record. It decides nothing about a new document: {@link DesiredIntake} does, from the
 * floor kept here. Runs on the reconcile thread.
 */
final class RevisionLedger implements RevisionHistory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final StateStore store;
    private final StatusReporter reporter;
    private final DeviceTrust trust;
    private final String project;
    private long acceptedRevision;
    /** The content hash of the accepted revision, from the revision floor when the document itself is lost. */
    private String acceptedHash;
    /** The revision of the stored last good document ({@code good.json}): written once per revision. */
    private long goodRevision;

    RevisionLedger(StateStore store, StatusReporter reporter, DeviceTrust trust, String project) {
        this.store = store;
        this.reporter = reporter;
        this.trust = trust;
        this.project = project;
    }

    long acceptedRevision() {
        return acceptedRevision;
    }

    String acceptedHash() {
        return acceptedHash;
    }

    /** {@code revision}, of content {@code hash}, was accepted and its document stored: it is the floor now. */
    void accepted(long revision, String hash) {
        acceptedRevision = revision;
        acceptedHash = hash;
        raiseFloor();
    }

    /**
     * The highest accepted revision from its own file: with {@code desired.json} lost or corrupt,
     * older revisions stay closed. A corrupt floor file falls back to the stored document's revision.
     */
    void restoreFloor() {
        try {
            store.loadRevisionFloor().ifPresent(floor -> {
                acceptedRevision = floor.revision();
                acceptedHash = floor.contentHash();
            });
        } catch (IOException e) {
            Logger.error("cannot read the highest accepted revision ({}); the stored document's revision stands in "
                    + "for it", e.getMessage());
        }
    }

    /** Records the accepted revision as the floor, after the document itself was stored. */
    private void raiseFloor() {
        try {
            store.saveRevisionFloor(new RevisionFloor(acceptedRevision, acceptedHash));
        } catch (IOException e) {
            Logger.warn("cannot record the highest accepted revision {} in {} ({}); if desired.json is lost too, "
                    + "older revisions could be taken again", acceptedRevision, store.dir(), e.getMessage());
        }
    }

    /** The last document that converged, from the state dir, or null. */
    DesiredState restoreGood() {
        try {
            byte[] good = store.loadGood().orElse(null);
            if (good == null) {
                return null;
            }
            ParsedDocument parsed = DocumentParser.parseJson(good, project);
            if (parsed instanceof ParsedDocument.Valid valid) {
                goodRevision = valid.state().revision();
                reporter.setGood(goodRevision);
                if (!trust.refusalsOfStored(valid).isEmpty()) {
                    Logger.warn("the last good revision {} is refused by this device now; a failed update cannot "
                            + "roll back until a revision converges again", goodRevision);
                    return null;
                }
                return valid.state();
            }
            Logger.warn("the last good document in {} is not valid any more; a failed update cannot roll back "
                    + "until a revision converges again", store.dir());
        } catch (IOException e) {
            Logger.warn("cannot read the last good document in {}: {}", store.dir(), e.getMessage());
        }
        return null;
    }

    /** The rollback record from the state dir, or null. */
    Rollback restoreRollback() {
        try {
            byte[] record = store.loadRolledBack().orElse(null);
            if (record == null) {
                return null;
            }
            JsonNode node = JSON.readTree(record);
            return new Rollback(node.path("revision").asLong(), node.path("reason").asText(""));
        } catch (IOException e) {
            Logger.warn("cannot read the rollback record in {}: {}", store.dir(), e.getMessage());
            return null;
        }
    }

    @Override
    public void converged(long revision) {
        if (revision != acceptedRevision || revision == goodRevision) {
            return; // only the stored document can become the last good one, and only once
        }
        reporter.setGood(revision);
        try {
            store.saveGood();
            goodRevision = revision;
        } catch (IOException e) {
            Logger.warn("cannot record revision {} as the last good one in {} ({}); after a restart a failed "
                    + "update may not roll back to it", revision, store.dir(), e.getMessage());
        }
    }

    @Override
    public void rolledBack(Rollback rollback) {
        try {
            store.saveRolledBack(rollback == null ? null : JSON.writeValueAsBytes(JSON.createObjectNode()
                    .put("revision", rollback.revision()).put("reason", rollback.reason())));
        } catch (IOException e) {
            Logger.warn("cannot record the rollback in {} ({}); after a restart the failed revision may be tried "
                    + "again", store.dir(), e.getMessage());
        }
    }
}
