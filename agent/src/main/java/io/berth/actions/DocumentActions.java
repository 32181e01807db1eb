package io.berth.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.Engine;
import io.berth.model.DesiredState;
import io.berth.model.ServiceSpec;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import io.berth.spec.SpecError;
import io.berth.store.StateStore;
import io.berth.support.Redactor;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** {@code berth apply --dry-run} and {@code berth config}: the agent's documents, read and never changed. */
public final class DocumentActions {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Engine engine;
    private final DocumentIntake intake;
    private final StateStore store;
    private final ReconcileThread thread;
    private final Clock clock;

    DocumentActions(Engine engine, DocumentIntake intake, StateStore store, ReconcileThread thread, Clock clock) {
        this.engine = engine;
        this.intake = intake;
        this.store = store;
        this.thread = thread;
        this.clock = clock;
    }

    /**
     * What applying {@code document} would change now ({@link DryRun}); a document apply would
     * refuse is answered with its errors instead ({@code rejected}, {@code errors}).
     */
    public ObjectNode dryRun(JsonNode document) throws ActionException {
        return thread.run("plan the document", () -> {
            ObjectNode doc = document.deepCopy();
            if (!doc.has("revision")) {
                doc.put("revision", intake.acceptedRevision() + 1);
            }
            // what apply would refuse (invalid, unsigned, not for this device, against its policy, an old revision)
            List<SpecError> refused = intake.vet(doc);
            ParsedDocument parsed = DocumentParser.parse(doc);
            if (!refused.isEmpty() || parsed instanceof ParsedDocument.Invalid) {
                ObjectNode result = JSON.createObjectNode().put("rejected", parsed instanceof ParsedDocument.Invalid i
                        ? "the document is not valid: " + i.summary() : "refused by this device: " + refused.get(0));
                var errors = result.putArray("errors");
                for (SpecError e : refused) {
                    errors.addObject().put("path", e.path()).put("message", e.message());
                }
                return result;
            }
            DesiredState next = ((ParsedDocument.Valid) parsed).state();
            Set<String> images = next.services().values().stream().map(ServiceSpec::image).collect(Collectors.toSet());
            Set<String> names = next.services().values().stream().map(ServiceSpec::containerName)
                    .collect(Collectors.toSet());
            Set<String> volumes = new TreeSet<>();
            next.volumes().values().forEach(v -> volumes.add(v.name()));
            ObjectNode result = DryRun.of(next, intake.acceptedState(), engine.observe(images, names, volumes),
                    clock.instant());
            result.put("acceptedRevision", intake.acceptedRevision());
            return result;
        });
    }

    /** The accepted document, secrets masked, with the local overrides in force and where it came from. */
    public ObjectNode config() throws ActionException {
        return thread.run("read the accepted document", () -> {
            ObjectNode result = JSON.createObjectNode();
            // read from the state dir: the agent keeps no document tree (it holds passwords) in memory
            byte[] stored = intake.acceptedState() == null ? null : store.loadDesired().orElse(null);
            result.set("document", stored == null ? null : Redactor.redactDocument(JSON.readTree(stored)));
            ObjectNode overrides = result.putObject("overrides");
            intake.overrides().states().forEach((service, state) -> overrides.put(service, state.keyword()));
            return result;
        });
    }
}
