package io.berth.actions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.DesiredState;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedNetwork;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import io.berth.model.RunState;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import io.berth.plan.Plan;
import io.berth.plan.PlanContext;
import io.berth.plan.Planner;
import io.berth.plan.Step;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code berth apply --dry-run}: what a document would change on this device now, as a diff
 * (each service, volume and network created, replaced, removed, started, stopped or kept, and
 * why) and the first batch of steps the pure planner would run. Changes nothing; values of the
 * environment are never shown, only the names of what changed.
 */
final class DryRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DryRun() {}

    /**
     * @param next     the document that would be applied
     * @param current  the accepted document now (null when none), to say which keys changed
     * @param observed what the engine runs now
     */
    static ObjectNode of(DesiredState next, DesiredState current, ObservedState observed, Instant now) {
        ObjectNode result = JSON.createObjectNode();
        result.put("revision", next.revision());
        ArrayNode changes = result.putArray("changes");
        Set<String> seen = new TreeSet<>();
        for (ServiceSpec spec : next.services().values()) {
            seen.add(spec.name());
            ObservedContainer c = containerOf(observed, spec.name());
            ServiceSpec before = current == null ? null : current.services().get(spec.name());
            if (c == null) {
                change(changes, "create", "service", spec.name(), before == null ? "new service"
                        : "no container yet" + (spec.state() == RunState.STOPPED ? " (created stopped)" : ""));
            } else if (!spec.hash().equals(c.specHash())) {
                String why = before == null ? "its container was made for another document"
                        : String.join(", ", changedKeys(before, spec));
                change(changes, "replace", "service", spec.name(), why.isEmpty() ? "its settings changed" : why
                        + " changed");
            } else if (spec.state() == RunState.STOPPED && c.isRunning()) {
                change(changes, "stop", "service", spec.name(), "state: stopped");
            } else if (spec.state() == RunState.RUNNING && !c.isRunning()) {
                change(changes, "start", "service", spec.name(), "it is " + c.status().keyword());
            } else {
                change(changes, "keep", "service", spec.name(), "unchanged");
            }
        }
        for (ObservedContainer c : observed.containers()) {
            if (c.managed() && c.service() != null && !c.kept() && seen.add(c.service())) {
                change(changes, "remove", "service", c.service(), "not in the document (container " + c.name() + ")");
            }
        }
        for (VolumeSpec volume : next.volumes().values()) {
            ObservedVolume v = observed.volumes().get(volume.name());
            change(changes, v != null ? "keep" : volume.external() ? "missing" : "create", "volume", volume.name(),
                    v != null ? "present" : volume.external() ? "external: it must exist already" : "new volume");
        }
        for (ObservedVolume v : observed.volumes().values()) {
            if (v.managed() && next.volumes().values().stream().noneMatch(d -> d.name().equals(v.name()))) {
                change(changes, "orphan", "volume", v.name(), "not in the document: kept with its data "
                        + "('berth volumes rm' removes it)");
            }
        }
        next.networks().values().forEach(n -> {
            ObservedNetwork o = observed.networks().get(n.name());
            change(changes, o != null ? "keep" : "create", "network", n.name(), o != null ? "present" : "new network");
        });
        Plan plan = Planner.nextSteps(next, observed, new PlanContext(now, Map.of()));
        ArrayNode steps = result.putArray("firstSteps");
        plan.steps().forEach(s -> steps.add(describe(s)));
        ObjectNode blocked = result.putObject("blocked");
        plan.blocked().forEach(blocked::put);
        return result;
    }

    private static void change(ArrayNode changes, String action, String kind, String name, String why) {
        changes.addObject().put("action", action).put("kind", kind).put("name", name).put("why", why);
    }

    /** The container of a service: a managed one, not a kept predecessor, a running one first; or null. */
    static ObservedContainer containerOf(ObservedState observed, String service) {
        ObservedContainer found = null;
        for (ObservedContainer c : observed.containers()) {
            if (c.managed() && service.equals(c.service()) && !c.kept()
                    && (found == null || c.isRunning())) {
                found = c;
            }
        }
        return found;
    }

    /** The names of the settings that differ, one level into the options; environment by variable name. */
    static List<String> changedKeys(ServiceSpec before, ServiceSpec after) {
        List<String> keys = new ArrayList<>();
        for (RecordComponent rc : ServiceSpec.class.getRecordComponents()) {
            Object a = value(rc, before);
            Object b = value(rc, after);
            if (Objects.equals(a, b) || rc.getName().equals("state")) {
                continue;
            }
            if (rc.getName().equals("environment") && a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
                Set<Object> names = new TreeSet<>(java.util.Comparator.comparing(String::valueOf));
                names.addAll(ma.keySet());
                names.addAll(mb.keySet());
                names.stream().filter(k -> !Objects.equals(ma.get(k), mb.get(k))).forEach(k -> keys.add("environment." + k));
            } else if (a != null && b != null && a.getClass().isRecord() && b.getClass() == a.getClass()) {
                for (RecordComponent inner : a.getClass().getRecordComponents()) {
                    if (!Objects.equals(value(inner, a), value(inner, b))) {
                        keys.add(inner.getName());
                    }
                }
            } else {
                keys.add(rc.getName());
            }
        }
        return keys;
    }

    private static Object value(RecordComponent rc, Object record) {
        try {
            return rc.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    /** One step in words; a step this list does not know yet by its type and service. */
    static String describe(Step step) {
        if (step instanceof Step.PullImage s) {
            return "pull " + s.image() + " for " + s.service();
        } else if (step instanceof Step.CreateVolume s) {
            return "create volume " + s.volume().name();
        } else if (step instanceof Step.CreateNetwork s) {
            return "create network " + s.network().name();
        } else if (step instanceof Step.RemoveNetwork s) {
            return "remove network " + s.name();
        } else if (step instanceof Step.CreateContainer s) {
            return "create the container of " + s.spec().name() + " (" + s.spec().image() + ")";
        } else if (step instanceof Step.RetireContainer s) {
            return "stop " + s.containerName() + " and keep it as " + s.keptName();
        } else if (step instanceof Step.RestoreContainer s) {
            return "bring back " + s.containerName();
        } else if (step instanceof Step.RemoveContainer s) {
            return "remove " + s.containerName() + " (" + s.service() + ")";
        } else if (step instanceof Step.RestartForDependency s) {
            return "restart " + s.service() + " (" + s.dependency() + " was replaced)";
        }
        String type = step.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase();
        return type + (step.service() == null ? "" : " " + step.service());
    }
}
