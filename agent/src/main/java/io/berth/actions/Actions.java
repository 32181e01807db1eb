package io.berth.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.LogLine;
import io.berth.engine.LogQuery;
import io.berth.model.ObservedContainer;
import io.berth.model.RegistryAuth;
import io.berth.reconcile.Reconciler;
import io.berth.reconcile.StatusReporter;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import io.berth.store.StateStore;
import io.berth.support.Redactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * What a user can ask of a running agent: status, restart, logs, pause/resume, apply, load,
 * diagnose; and through the classes it hands out, stop/start, volumes and dry runs. One layer
 * for every way in: the control socket ({@code berth} CLI) and MQTT commands (PROTOCOL.md §7).
 * Anything that changes state runs on the reconcile thread, so it never races a pass.
 */
public final class Actions {
    private static final Duration RESTART_GRACE = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Engine engine;
    private final Reconciler reconciler;
    private final StatusReporter reporter;
    private final StateStore store;
    private final DocumentIntake intake;
    private final Supplier<String> linkStatus;
    private final Supplier<Boolean> linkConnected;
    private final ObjectNode agentFacts;
    private final LogReads logReads;
    private final ReconcileThread reconcileThread;
    private final EventLog events;
    private final ServiceStates serviceStates;
    private final VolumeActions volumes;
    private final DocumentActions documents;
    private final Sideloads sideloads;

    /**
     * @param agentFacts what {@link #diagnose} and {@link #support} tell of the agent's own settings,
     *                   already free of secrets (paths, device id, broker URL)
     */
    public Actions(Engine engine, Reconciler reconciler, StatusReporter reporter, StateStore store,
                   DocumentIntake intake, Supplier<String> linkStatus, Supplier<Boolean> linkConnected,
                   java.util.Map<String, String> agentFacts, EventLog events, java.time.Clock clock) {
        this.engine = engine;
        this.reconciler = reconciler;
        this.reconcileThread = new ReconcileThread(reconciler);
        this.logReads = new LogReads(engine);
        this.events = events;
        this.serviceStates = new ServiceStates(engine, intake, reconcileThread);
        this.volumes = new VolumeActions(engine, intake, reconciler, reconcileThread);
        this.documents = new DocumentActions(engine, intake, store, reconcileThread, clock);
        this.sideloads = new Sideloads(engine, intake, store, reconciler, reconcileThread, logReads);
        this.reporter = reporter;
        this.store = store;
        this.intake = intake;
        this.linkStatus = linkStatus;
        this.linkConnected = linkConnected;
        this.agentFacts = JSON.createObjectNode();
        new java.util.TreeMap<>(agentFacts).forEach(this.agentFacts::put);
    }

    /** The agent's recent and live events ({@code berth events}). */
    public EventLog events() {
        return events;
    }

    /** {@code berth stop} / {@code berth start}. */
    public ServiceStates serviceStates() {
        return serviceStates;
    }

    /** {@code berth volumes}. */
    public VolumeActions volumes() {
        return volumes;
    }

    /** {@code berth apply --dry-run} and {@code berth config}. */
    public DocumentActions documents() {
        return documents;
    }

    /** The reported document as it would be published now, with the broker connection and pause state. */
    public ObjectNode status() {
        ObjectNode result = JSON.createObjectNode();
        result.set("report", reporter.latest());
        result.put("mqtt", linkStatus.get());
        result.put("connected", linkConnected.get());
        result.put("paused", store.paused());
        return result;
    }

    /**
     * Applies a desired document with the same validation and revision rules as MQTT. When
     * {@code fillRevision} is set and the document has no revision, it gets the next one.
     */
    public ApplyResult apply(JsonNode document, String source, boolean fillRevision) throws ActionException {
        return onReconcileThread("apply the document", () -> {
            JsonNode doc = document;
            if (fillRevision && doc != null && doc.isObject() && !doc.has("revision")) {
                // the next revision; or the accepted one when the content is the same (applying a file twice)
                ObjectNode copy = ((ObjectNode) doc).deepCopy();
                copy.put("revision", intake.acceptedRevision());
                if (!io.berth.spec.RevisionGate.contentHash(copy).equals(intake.acceptedHash())) {
                    copy.put("revision", intake.acceptedRevision() + 1);
                }
                doc = copy;
            }
            byte[] payload = doc == null ? new byte[0] : JSON.writeValueAsBytes(doc);
            return intake.receive(payload, source);
        });
    }

    /**
     * Stops and starts the container of a service, as {@code docker restart} does: a step of the
     * reconcile loop like any other (its events, its backoff); answers once it ran.
     */
    public String restart(String service) throws ActionException {
        CompletableFuture<String> done = onReconcileThread("restart " + service, () -> {
            containerOf(service); // a clear answer for a service that is not there
            return reconciler.restart(service);
        });
        return await("restart " + service, done);
    }

    /** Reads a service's log. Close the result to stop a follow; {@code onEnd} is called once. */
    public AutoCloseable logs(String service, LogQuery query, Consumer<LogLine> onLine, Consumer<Throwable> onEnd)
            throws ActionException {
        return logs(List.of(service), query, (s, line) -> onLine.accept(line), onEnd);
    }

    /**
     * Reads the logs of several services at once (none named: every service with a container),
     * each line with its service; see {@link LogReads}.
     */
    public AutoCloseable logs(List<String> services, LogQuery query, BiConsumer<String, LogLine> onLine,
                              Consumer<Throwable> onEnd) throws ActionException {
        Map<String, ObservedContainer> containers = new LinkedHashMap<>();
        try {
            if (services.isEmpty()) {
                io.berth.model.ObservedState observed = engine.observe(Set.of(), Set.of(), Set.of());
                Set<String> names = new java.util.TreeSet<>();
                observed.containers().stream().filter(c -> c.managed() && c.service() != null)
                        .forEach(c -> names.add(c.service()));
                for (String name : names) {
                    ObservedContainer c = DryRun.containerOf(observed, name);
                    if (c != null) {
                        containers.put(name, c);
                    }
                }
                if (containers.isEmpty()) {
                    throw new ActionException("no service has a container on this device yet; 'berth status' shows why");
                }
            } else {
                for (String service : services) {
                    containers.put(service, containerOf(service));
                }
            }
        } catch (EngineException e) {
            throw ActionException.of(e);
        }
        return logReads.read(containers, query, onLine, onEnd);
    }

    /** Stops reconciliation (persisted); documents are still accepted and stored. */
    public void pause() throws ActionException {
        setPaused(true);
    }

    public void resume() throws ActionException {
        setPaused(false);
    }

    private void setPaused(boolean paused) throws ActionException {
        onReconcileThread(paused ? "pause" : "resume", () -> {
            try {
                store.setPaused(paused);
            } catch (IOException e) {
                throw new ActionException("cannot record the pause in " + store.dir() + " (" + e.getMessage()
                        + "): fix the state dir's permissions or free space", e);
            }
            Logger.info("reconciliation {} on request", paused ? "paused" : "resumed");
            reconciler.setPaused(paused);
            return null;
        });
    }

    /** Loads the images of a sideload archive, checked whole first: see {@link Sideloads#load}. */
    public io.berth.sideload.ImageArchive.Contents load(io.berth.sideload.ArchiveSource source)
            throws ActionException {
        return sideloads.load(source);
    }

    /** Takes an archive the CLI streams over the socket into the agent's spool: see {@link Sideloads#receive}. */
    public io.berth.sideload.Spool receive(java.io.InputStream in, long size) throws ActionException {
        return sideloads.receive(in, size);
    }

    /** Runs a pass now (MQTT {@code reconcile}). */
    public void reconcile() {
        reconciler.requestPass();
    }

    /** What only the agent can tell for {@code berth doctor}: its broker link and the registries of its document. */
    public ObjectNode diagnose() {
        ObjectNode result = JSON.createObjectNode();
        result.set("agent", agentFacts.deepCopy());
        result.put("mqttConnected", linkConnected.get());
        result.put("mqtt", linkStatus.get());
        result.put("paused", store.paused());
        TlsProbe.Result tls = brokerTls();
        result.putObject("tls").put("level", tls.level()).put("message", tls.message());
        var registries = result.putArray("registries");
        for (RegistryAuth auth : currentRegistries()) {
            RegistryProbe.Result r = RegistryProbe.check(auth.registry(), auth);
            registries.addObject().put("registry", auth.registry()).put("level", r.level())
                    .put("message", r.message());
        }
        return result;
    }

    /** The broker's TLS checked with the link's own CA and client certificate (mqtt.tls.*). */
    private TlsProbe.Result brokerTls() {
        String url = agentFacts.path("mqttUrl").asText("");
        java.util.function.Function<String, java.nio.file.Path> path = key -> agentFacts.path(key).isTextual()
                ? java.nio.file.Path.of(agentFacts.get(key).asText()) : null;
        var settings = new io.berth.link.TlsFiles.Settings(path.apply("mqttTlsCaFile"), path.apply("mqttTlsCertFile"),
                path.apply("mqttTlsKeyFile"));
        if (!url.startsWith("ssl://") || !settings.any()) {
            return TlsProbe.check(url, java.time.Instant.now());
        }
        try {
            return TlsProbe.check(url, io.berth.link.TlsFiles.context(settings).getSocketFactory(),
                    java.time.Instant.now());
        } catch (io.berth.link.TlsFiles.TlsSetupException e) {
            return new TlsProbe.Result("fail", e.getMessage());
        }
    }

    /** The agent's side of a support bundle, for a caller that is not root. */
    public ObjectNode support() {
        return support(false);
    }

    /**
     * The agent's side of a support bundle: settings, the stored document and the report, all
     * redacted. {@code root}: the caller runs as root (who may read desired.json anyway) and gets
     * the secret values to scrub from what only text search can clean (container logs); the
     * berth group's members, who may ask for a bundle without root, never get them.
     */
    public ObjectNode support(boolean root) {
        ObjectNode result = JSON.createObjectNode();
        result.set("agent", agentFacts.deepCopy());
        result.set("status", status());
        try {
            byte[] desired = store.loadDesired().orElse(null);
            JsonNode tree = desired == null ? null : JSON.readTree(desired);
            result.set("desired", Redactor.redactDocument(tree));
            if (root) { // for the CLI to scrub from logs (it never writes them), when it cannot read desired.json itself
                result.set("scrub", JSON.valueToTree(Redactor.documentSecrets(tree)));
            }
            result.put("source", store.loadSource().orElse(null));
        } catch (IOException e) {
            result.put("desiredError", "cannot read the stored document: " + e.getMessage());
        }
        var containers = result.putArray("containers");
        try {
            for (ObservedContainer c : engine.observe(Set.of(), Set.of(), Set.of()).containers()) {
                if (c.managed()) {
                    containers.addObject().put("id", c.id()).put("name", c.name()).put("service", c.service());
                }
            }
        } catch (EngineException e) {
            result.put("engineError", e.getMessage());
        }
        return result;
    }

    /** The registries (with credentials, if any) of the stored document. */
    private List<RegistryAuth> currentRegistries() {
        List<RegistryAuth> list = new ArrayList<>();
        try {
            byte[] desired = store.loadDesired().orElse(null);
            if (desired != null && DocumentParser.parseJson(desired) instanceof ParsedDocument.Valid valid) {
                list.addAll(valid.state().registries().values());
                Set<String> hosts = new java.util.TreeSet<>();
                valid.state().services().values().forEach(s -> hosts.add(io.berth.model.ImageRef.registryOf(s.image())));
                for (String host : hosts) {
                    if (list.stream().noneMatch(a -> a.registry().equals(host))) {
                        list.add(new RegistryAuth(host, null, null));
                    }
                }
            }
        } catch (IOException e) {
            Logger.debug("diagnose: cannot read the stored document: {}", e.getMessage());
        }
        return list;
    }

    private ObservedContainer containerOf(String service) throws EngineException, ActionException {
        ObservedContainer found = DryRun.containerOf(engine.observe(Set.of(), Set.of(), Set.of()), service);
        if (found == null) {
            JsonNode services = reporter.latest().path("services");
            List<String> names = new ArrayList<>();
            services.fieldNames().forEachRemaining(names::add);
            throw new ActionException(names.contains(service)
                    ? "service " + service + " has no container yet; 'berth status' shows why"
                    : "no service named '" + service + "' on this device; services: "
                    + (names.isEmpty() ? "none" : String.join(", ", names)));
        }
        return found;
    }

    private <T> T onReconcileThread(String what, ReconcileThread.Task<T> task) throws ActionException {
        return reconcileThread.run(what, task);
    }

    private static <T> T await(String what, CompletableFuture<T> result) throws ActionException {
        return ReconcileThread.await(what, result);
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
