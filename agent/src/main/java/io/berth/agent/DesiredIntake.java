package io.berth.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.actions.ApplyResult;
import io.berth.actions.DocumentIntake;
import io.berth.actions.LocalOverrides;
import io.berth.model.RunState;
import java.util.Collection;
import io.berth.model.DesiredState;
import io.berth.reconcile.Reconciler;
import io.berth.reconcile.RevisionHistory;
import io.berth.plan.Rollback;
import io.berth.reconcile.EventType;
import io.berth.reconcile.FoldedTask;
import io.berth.reconcile.StatusReporter;
import io.berth.spec.DeviceTrust;
import io.berth.spec.DocumentParser;
import io.berth.spec.EngineApi;
import io.berth.spec.ParsedDocument;
import io.berth.spec.RevisionGate;
import io.berth.spec.SpecError;
import io.berth.store.StateStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.tinylog.Logger;

/**
 * Takes desired documents from any source (MQTT, the state dir at start), applies the revision
 * rules, stores what is accepted before anything changes, and hands it to the reconciler. The
 * revisions recorded in the state dir (the floor, the last good one, the rollback) are kept by
 * its {@link RevisionLedger}; the reconciler's {@link RevisionHistory} calls pass through to it.
 * Runs on the reconcile thread.
 */
final class DesiredIntake implements DocumentIntake, RevisionHistory {
    static final int MAX_ERRORS = 100;
    private final StateStore store;
    private final Reconciler reconciler;
    private final StatusReporter reporter;
    private final RevisionLedger ledger;
    /**
     * Whether the accepted revision's document is stored and running here. The document itself
     * is not kept in memory: its tree holds registry passwords in clear, and the records
     * ({@code RegistryAuth}'s {@code Secret}) and its hash are all the agent needs.
     */
    private boolean acceptedStored;
    private DesiredState acceptedState;
    private LocalOverrides overrides = LocalOverrides.NONE;
    private final DeviceTrust trust;
    /** The latest desired message not taken yet: a burst keeps only its last (each is the whole state). */
    private final AtomicReference<byte[]> latest = new AtomicReference<>();
    private final FoldedTask takeLatest;

    /** The Compose project name of documents without {@code name} (config {@code project}). */
    private final String project;
    /** The engine's API version ({@link EngineApi}); null when unknown. */
    private final java.util.function.Supplier<String> engineApi;

    /**
     * @param trust   signatures, target and device policy every document must pass
     * @param project the Compose project name of documents without {@code name}
     */
    DesiredIntake(StateStore store, Reconciler reconciler, StatusReporter reporter, DeviceTrust trust, String project) {
        this(store, reconciler, reporter, trust, project, () -> null);
    }

    /** @param engineApi the engine's API version, for keys that need a newer one; null when unknown */
    DesiredIntake(StateStore store, Reconciler reconciler, StatusReporter reporter, DeviceTrust trust, String project,
                  java.util.function.Supplier<String> engineApi) {
        this.engineApi = engineApi;
        this.project = project;
        this.store = store;
        this.reconciler = reconciler;
        this.reporter = reporter;
        this.trust = trust;
        this.ledger = new RevisionLedger(store, reporter, trust, project);
        this.takeLatest = reconciler.fold("a desired document", () -> {
            byte[] payload = latest.getAndSet(null);
            if (payload != null) {
                receive(payload, "mqtt");
            }
        });
    }

    /**
     * A desired message from the broker (any thread): only the latest one waiting is kept, and it
     * takes at most one place in the reconcile queue, so no burst can fill it.
     */
    void offer(byte[] payload) {
        latest.set(payload);
        takeLatest.request();
    }

    /** Loads the last accepted document from the state dir and reconciles it, with or without a broker. */
    void restore() {
        ledger.restoreFloor();
        long floor = ledger.acceptedRevision();
        String floorHash = ledger.acceptedHash();
        byte[] saved;
        try {
            saved = store.loadDesired().orElse(null);
        } catch (IOException e) {
            Logger.error("cannot read the last accepted document from {}: {}; waiting for a new one",
                    store.dir(), e.getMessage());
            return;
        }
        if (saved == null) {
            Logger.info("no accepted document in {} yet; waiting for one on MQTT", store.dir());
            reconciler.requestPass();
            return;
        }
        ParsedDocument parsed = DocumentParser.parseJson(saved, project);
        if (parsed instanceof ParsedDocument.Valid valid && (valid.state().revision() < floor
                || valid.state().revision() == floor && floorHash != null
                && !floorHash.equals(RevisionGate.contentHash(valid.document())))) {
            Logger.error("the stored document in {} (revision {}) is not the highest revision this device accepted "
                    + "({}): it is not applied; waiting for a revision above {}", store.dir(),
                    valid.state().revision(), floor, floor);
            reconciler.requestPass();
            return;
        }
        if (parsed instanceof ParsedDocument.Valid valid) {
            long acceptedRevision = valid.state().revision();
            acceptedStored = true;
            acceptedState = valid.state();
            overrides = LocalOverrides.restore(store, acceptedRevision);
            ledger.accepted(acceptedRevision, RevisionGate.contentHash(valid.document()));
            Logger.info("restored revision {} from {}", acceptedRevision, store.dir());
            try {
                store.loadSource().ifPresent(reporter::setSource);
            } catch (IOException e) {
                Logger.debug("cannot read where the stored document came from: {}", e.getMessage());
            }
            List<SpecError> refused = trust.refusalsOfStored(valid);
            if (!refused.isEmpty()) {
                // the device's policy or trusted keys changed since it was accepted: applied no more,
                // nothing is changed on the engine, and only a newer revision is taken
                Logger.error("the stored revision {} is refused by this device now: {}; nothing is changed until a "
                        + "newer revision that this device takes arrives", acceptedRevision, refused.get(0));
                reconciler.reject(acceptedRevision, "the stored revision is refused by this device now (its policy "
                        + "or trusted keys changed): " + refused.get(0) + (refused.size() > 1 ? " (and "
                        + (refused.size() - 1) + " more)" : "") + "; publish a newer revision", refused);
                reconciler.requestPass();
                return;
            }
            reconciler.restore(overrides.applyTo(valid.state()), ledger.restoreGood(), ledger.restoreRollback());
        } else {
            Logger.error("the stored document in {} is not valid any more ({}); waiting for a new one",
                    store.dir(), ((ParsedDocument.Invalid) parsed).summary());
            reconciler.requestPass();
        }
    }

    @Override
    public void converged(long revision) {
        ledger.converged(revision);
    }

    @Override
    public void rolledBack(Rollback rollback) {
        ledger.rolledBack(rollback);
    }

    @Override
    public long acceptedRevision() {
        return ledger.acceptedRevision();
    }

    @Override
    public String acceptedHash() {
        return ledger.acceptedHash();
    }

    @Override
    public List<SpecError> vet(JsonNode document) {
        JsonNode doc = document;
        if (doc instanceof com.fasterxml.jackson.databind.node.ObjectNode object && !object.has("revision")) {
            doc = object.deepCopy().put("revision", ledger.acceptedRevision() + 1); // as berth apply fills it in
        }
        ParsedDocument parsed = DocumentParser.parse(doc, project);
        if (parsed instanceof ParsedDocument.Invalid invalid) {
            return invalid.errors();
        }
        ParsedDocument.Valid valid = (ParsedDocument.Valid) parsed;
        List<SpecError> refused = new java.util.ArrayList<>(refusals(valid));
        long acceptedRevision = ledger.acceptedRevision();
        RevisionGate.Decision decision = RevisionGate.decideByHash(acceptedRevision, ledger.acceptedHash(),
                valid.state().revision(), valid.document());
        if (decision.verdict() == RevisionGate.Verdict.REJECT) {
            refused.add(new SpecError("revision", decision.reason()));
        } else if (decision.verdict() == RevisionGate.Verdict.UNCHANGED) {
            // the running revision's own (signed) document is readable from the retained message: replayed
            // in a bundle, it would let any archive re-tag the running images
            refused.add(new SpecError("revision", "revision " + valid.state().revision() + " is the one this device "
                    + "already runs; a bundle must carry a newer revision than " + acceptedRevision + ", so a copy "
                    + "of the running document cannot re-tag its images: build the bundle with a higher revision"));
        }
        return refused;
    }

    @Override
    public boolean signaturesRequired() {
        return trust.signaturesRequired();
    }

    /** A document as received; an empty payload (a cleared retained message) changes nothing. */
    @Override
    public ApplyResult receive(byte[] payload, String source) {
        if (payload.length == 0) {
            Logger.info("empty desired document from {} (a cleared retained message): nothing changes", source);
            return ApplyResult.unchanged(ledger.acceptedRevision());
        }
        ParsedDocument parsed = DocumentParser.parseJson(payload, project);
        if (parsed instanceof ParsedDocument.Invalid invalid) {
            return reject(invalid.revision(), "the document is not valid: " + invalid.summary(), invalid.errors(),
                    source);
        }
        ParsedDocument.Valid valid = (ParsedDocument.Valid) parsed;
        long revision = valid.state().revision();
        List<SpecError> refused = refusals(valid);
        if (!refused.isEmpty()) {
            return reject(revision, "refused by this device: " + refused.get(0)
                    + (refused.size() > 1 ? " (and " + (refused.size() - 1) + " more)" : ""), refused, source);
        }
        RevisionGate.Decision decision = RevisionGate.decideByHash(ledger.acceptedRevision(), ledger.acceptedHash(),
                revision, valid.document());
        switch (decision.verdict()) {
            case UNCHANGED -> {
                if (!acceptedStored) {
                    // the accepted document itself was lost: the same content (its hash) is taken again
                    Logger.info("revision {} from {} is the highest accepted one, whose stored document was lost: "
                            + "taking it again", revision, source);
                    return accept(valid, payload, source);
                }
                Logger.debug("revision {} from {} is already applied: nothing to do", revision, source);
                return ApplyResult.unchanged(revision);
            }
            case REJECT -> {
                return reject(revision, decision.reason(), List.of(new SpecError("revision", decision.reason())),
                        source);
            }
            default -> {
                return accept(valid, payload, source);
            }
        }
    }

    @Override
    public DesiredState acceptedState() {
        return acceptedState;
    }

    @Override
    public LocalOverrides overrides() {
        return overrides;
    }

    @Override
    public LocalOverrides override(Collection<String> services, RunState state) throws IOException {
        LocalOverrides next = overrides.with(ledger.acceptedRevision(), services, state);
        store.saveOverrides(next.toJson());
        overrides = next;
        Logger.info("services {} set {} locally until the next revision (berth {})", services, state.keyword(),
                state == RunState.STOPPED ? "stop" : "start");
        if (acceptedState != null) {
            reconciler.setDesired(overrides.applyTo(acceptedState));
        }
        return overrides;
    }

    private ApplyResult accept(ParsedDocument.Valid valid, byte[] payload, String source) {
        long revision = valid.state().revision();
        try {
            store.saveDesired(payload);
            store.saveSource(source);
        } catch (IOException e) {
            return reject(revision, "cannot store the document in " + store.dir() + " (" + e.getMessage()
                    + "); nothing was changed: free space or fix permissions, then publish again",
                    List.of(), source);
        }
        acceptedStored = true;
        acceptedState = valid.state();
        overrides = overrides.replacedBy(revision, store);
        ledger.accepted(revision, RevisionGate.contentHash(valid.document()));
        Logger.info("accepted revision {} from {} ({} services)", revision, source,
                valid.state().services().size());
        reporter.clearRejected();
        reporter.setSource(source);
        reporter.event(revision, EventType.ACCEPTED, null, "accepted revision " + revision + " from " + source);
        reconciler.setDesired(overrides.applyTo(valid.state()));
        return ApplyResult.accepted(revision);
    }

    /** What this device refuses in a new document: its trust (signature, target, policy), then its engine's API. */
    private List<SpecError> refusals(ParsedDocument.Valid valid) {
        List<SpecError> refused = new java.util.ArrayList<>(trust.refusals(valid));
        refused.addAll(EngineApi.check(valid.state(), engineApi.get()));
        return refused;
    }

    private ApplyResult reject(Long revision, String reason, List<SpecError> all, String source) {
        List<SpecError> errors = capped(all);
        Logger.warn("rejected a desired document from {}{}: {}", source,
                revision == null ? "" : " (revision " + revision + ")", reason);
        errors.forEach(e -> Logger.warn("  {}", e));
        reconciler.reject(revision, reason, errors);
        return ApplyResult.rejected(revision, reason, errors);
    }

    /**
     * The errors a rejection carries into the log, the report, the event and the answer: a document
     * of a megabyte can hold tens of thousands of bad keys, and their report would not fit in a
     * small board's heap. The first {@link #MAX_ERRORS} are kept, and one more says how many are not.
     */
    static List<SpecError> capped(List<SpecError> errors) {
        if (errors.size() <= MAX_ERRORS) {
            return errors;
        }
        List<SpecError> kept = new ArrayList<>(errors.subList(0, MAX_ERRORS));
        kept.add(new SpecError("", "and " + (errors.size() - MAX_ERRORS) + " more errors, not listed; fix the ones "
                + "above and validate the document again (berth validate FILE lists them all)"));
        return kept;
    }
}
