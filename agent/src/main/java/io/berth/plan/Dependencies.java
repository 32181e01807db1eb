package io.berth.plan;

import io.berth.model.ContainerStatus;
import io.berth.model.DesiredState;
import io.berth.model.Health;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** What services need of each other: {@code depends_on} conditions, start and stop order. Pure. */
final class Dependencies {

    private Dependencies() {}

    /**
     * The first {@code depends_on} entry of a service that is not met yet, or null: the
     * dependency's container must run ({@code service_started}), be healthy
     * ({@code service_healthy}) or have exited with 0 ({@code service_completed_successfully}).
     * A dependency marked {@code required: false} that is not in the document is ignored.
     */
    static String unmet(ServiceSpec spec, DesiredState desired, ObservedState observed) {
        for (Map.Entry<String, ServiceOptions.Dependency> entry : spec.options().dependsOn().entrySet()) {
            ServiceSpec dependency = desired.services().get(entry.getKey());
            if (dependency == null) {
                if (entry.getValue().required()) {
                    return entry.getKey() + " (not in the document)";
                }
                continue;
            }
            ObservedContainer c = observed.containers().stream()
                    .filter(o -> o.managed() && dependency.name().equals(o.service())
                            && o.name().equals(dependency.containerName()))
                    .findFirst().orElse(null);
            String condition = entry.getValue().condition() == null ? "service_started" : entry.getValue().condition();
            boolean met = c != null && switch (condition) {
                case "service_healthy" -> c.status() == ContainerStatus.RUNNING && c.health() == Health.HEALTHY;
                case "service_completed_successfully" -> c.status() == ContainerStatus.EXITED
                        && Integer.valueOf(0).equals(c.exitCode());
                default -> c.isRunning();
            };
            if (!met) {
                return entry.getKey() + " (" + condition + ")";
            }
        }
        return null;
    }

    /** The containers a service's container must find at creation: shared network, volumes_from, links. */
    static Set<String> containersItNeeds(ServiceSpec spec) {
        Set<String> names = new TreeSet<>();
        ServiceOptions o = spec.options();
        if (o.networkMode() != null && o.networkMode().startsWith("container:")) {
            names.add(o.networkMode().substring("container:".length()));
        }
        o.volumesFrom().forEach(v -> names.add(v.split(":", 2)[0]));
        o.links().forEach(l -> names.add(l.split(":", 2)[0]));
        return names;
    }

    /**
     * Stop order is the reverse of start order: a step that stops a service waits while a
     * service depending on it (in this revision or the previous one) is stopped in the same batch.
     */
    static List<Step> stopDependantsFirst(List<Step> steps, DesiredState desired, DesiredState previous) {
        Set<String> stopping = new TreeSet<>();
        steps.stream().filter(Dependencies::stops).forEach(s -> stopping.add(s.service()));
        if (stopping.size() < 2) {
            return steps;
        }
        List<Step> ordered = withheld(steps, stopping, desired, previous);
        if (ordered.stream().noneMatch(Dependencies::stops)) {
            // the two revisions order them in opposite ways (a dependency turned around): this one's wins
            ordered = withheld(steps, stopping, desired, null);
        }
        return ordered.stream().anyMatch(Dependencies::stops) ? ordered : steps;
    }

    /** The steps without the stops of services that another service stopping in this batch depends on. */
    private static List<Step> withheld(List<Step> steps, Set<String> stopping, DesiredState desired,
                                       DesiredState previous) {
        List<Step> ordered = new ArrayList<>();
        for (Step step : steps) {
            if (stops(step) && stopping.stream().anyMatch(other -> !other.equals(step.service())
                    && (dependsOn(desired, other, step.service()) || dependsOn(previous, other, step.service())))) {
                continue; // its dependant stops first; this one comes in a later batch
            }
            ordered.add(step);
        }
        return ordered;
    }

    private static boolean stops(Step step) {
        return step.service() != null && (step instanceof Step.RemoveContainer || step instanceof Step.StopContainer
                || step instanceof Step.RetireContainer);
    }

    /** Whether {@code service} needs {@code dependency} in this document: depends_on, links, volumes_from, network. */
    private static boolean dependsOn(DesiredState state, String service, String dependency) {
        if (state == null) {
            return false;
        }
        ServiceSpec spec = state.services().get(service);
        ServiceSpec needed = state.services().get(dependency);
        if (spec == null || needed == null) {
            return false;
        }
        return spec.options().dependsOn().containsKey(dependency)
                || containersItNeeds(spec).contains(needed.containerName());
    }
}
