package io.berth.actions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.model.DesiredState;
import io.berth.model.ObservedVolume;
import io.berth.model.VolumeSpec;
import io.berth.reconcile.Reconciler;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tinylog.Logger;

/**
 * {@code berth volumes}: the volumes of the document and the orphans (managed volumes no
 * document names any more, kept with their data, PROTOCOL.md §8), and their removal on a
 * technician's explicit request. Never a volume Berth did not create, never one the accepted
 * document declares; the engine itself refuses one a container still uses.
 */
public final class VolumeActions {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Engine engine;
    private final DocumentIntake intake;
    private final Reconciler reconciler;
    private final ReconcileThread thread;

    VolumeActions(Engine engine, DocumentIntake intake, Reconciler reconciler, ReconcileThread thread) {
        this.engine = engine;
        this.intake = intake;
        this.reconciler = reconciler;
        this.thread = thread;
    }

    /**
     * Every volume of the document and every orphan: name, state, service, whether Berth manages
     * it. Anonymous volumes of services' containers are neither, and not listed.
     */
    public ObjectNode list() throws ActionException {
        return thread.run("list volumes", () -> {
            Map<String, VolumeSpec> declared = declared();
            Map<String, ObservedVolume> present = engine.observe(Set.of(), Set.of(), declared.keySet()).volumes();
            ObjectNode result = JSON.createObjectNode();
            ArrayNode volumes = result.putArray("volumes");
            Set<String> names = new TreeSet<>(declared.keySet());
            present.values().stream().filter(v -> orphan(v, declared.keySet())).forEach(v -> names.add(v.name()));
            for (String name : names) {
                ObservedVolume v = present.get(name);
                VolumeSpec spec = declared.get(name);
                String state = spec == null ? "orphan" : v == null ? (spec.external() ? "missing (external)" : "missing")
                        : v.managed() ? "present" : spec.external() ? "external" : "conflict";
                ObjectNode row = volumes.addObject().put("name", name).put("state", state)
                        .put("managed", v != null && v.managed());
                row.put("service", v == null ? null : v.service());
            }
            return result;
        });
    }

    /** Removes one orphan volume; returns what was removed. */
    public String remove(String name) throws ActionException {
        return thread.run("remove volume " + name, () -> {
            if (declared().containsKey(name)) {
                throw new ActionException("volume " + name + " is in the accepted document: it is not an orphan; "
                        + "publish a document without it first");
            }
            ObservedVolume v = engine.observe(Set.of(), Set.of(), Set.of(name)).volumes().get(name);
            if (v == null) {
                throw new ActionException("no volume named " + name + " on this engine; 'berth volumes' lists them");
            }
            if (!v.managed()) {
                throw new ActionException("volume " + name + " was not created by this Berth agent; it is never "
                        + "touched (remove it with 'docker volume rm' if it is yours)");
            }
            if (v.anonymous()) {
                throw new ActionException("volume " + name + " is an anonymous volume of service " + v.service()
                        + ": it is not an orphan; it goes when the service's container is removed");
            }
            removeOne(name);
            return name;
        });
    }

    /** Removes every orphan volume; those the engine refuses (in use) are reported, not removed. */
    public ObjectNode prune() throws ActionException {
        return thread.run("prune volumes", () -> {
            Map<String, VolumeSpec> declared = declared();
            ObjectNode result = JSON.createObjectNode();
            ArrayNode removed = result.putArray("removed");
            ObjectNode failed = result.putObject("failed");
            for (ObservedVolume v : engine.observe(Set.of(), Set.of(), Set.of()).volumes().values()) {
                if (orphan(v, declared.keySet())) {
                    try {
                        removeOne(v.name());
                        removed.add(v.name());
                    } catch (EngineException e) {
                        failed.put(v.name(), e.getMessage());
                    }
                }
            }
            return result;
        });
    }

    /**
     * Whether a volume is an orphan: created by Berth, not declared by the accepted document, and
     * not an anonymous volume of a service's container (those live and go with their container).
     */
    static boolean orphan(ObservedVolume v, Set<String> declared) {
        return v.managed() && !v.anonymous() && !declared.contains(v.name());
    }

    private void removeOne(String name) throws EngineException {
        engine.removeVolume(name);
        Logger.info("removed orphan volume {} on request", name);
        reconciler.requestPass(); // the report's orphans change
    }

    /** The volumes of the accepted document, by engine name. */
    private Map<String, VolumeSpec> declared() {
        DesiredState accepted = intake.acceptedState();
        Map<String, VolumeSpec> byName = new TreeMap<>();
        if (accepted != null) {
            accepted.volumes().values().forEach(v -> byName.put(v.name(), v));
        }
        return byName;
    }
}
