package io.berth.plan;

import io.berth.model.ContainerStatus;
import io.berth.model.DesiredState;
import io.berth.model.Health;
import io.berth.model.Mount;
import io.berth.model.NetworkSpec;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedNetwork;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import io.berth.model.RunState;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Computes the next batch of steps from the desired and the observed state. Pure: no I/O, no
 * clock, no logging. Each call looks at everything; the caller runs the steps, observes again
 * and asks again, until the plan is settled. Shared resources (volumes, networks) and
 * leftover containers are decided here; each service by its {@link ServicePlan}.
 */
public final class Planner {

    public static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /** A service's container without a healthcheck counts as good once it has run this long. */
    public static final Duration STABLE_START = Duration.ofSeconds(5);

    private Planner() {}

    /** What the batch being planned holds so far. */
    private static final class Batch {
        final List<Step> steps = new ArrayList<>();
        final Map<String, String> blocked = new TreeMap<>();
        boolean waiting;
        Instant wakeAt;

        void add(String service, Decision decision) {
            if (decision instanceof Decision.Act act) {
                steps.add(act.step());
            } else if (decision instanceof Decision.Wait wait) {
                waiting = true;
                if (wait.wakeAt() != null && (wakeAt == null || wait.wakeAt().isBefore(wakeAt))) {
                    wakeAt = wait.wakeAt();
                }
            } else if (decision instanceof Decision.Blocked b) {
                blocked.put(service, b.reason());
            } else if (decision instanceof Decision.Both both) {
                add(service, both.first());
                add(service, both.second());
            } // GivenUp, Done: nothing
        }
    }

    public static Plan nextSteps(DesiredState desired, ObservedState observed, PlanContext context) {
        Batch batch = new Batch();
        Resources resources = Resources.plan(desired, observed, context);
        batch.steps.addAll(resources.steps());
        batch.waiting = resources.waiting();

        Map<String, List<ObservedContainer>> managedByService = new LinkedHashMap<>();
        Map<String, ObservedContainer> byName = new LinkedHashMap<>();
        for (ObservedContainer container : observed.containers()) {
            byName.put(container.name(), container);
            if (container.managed()) {
                // a managed container without a service label (hand-made): "" is never a service, so it is removed
                String service = container.service() == null ? "" : container.service();
                managedByService.computeIfAbsent(service, k -> new ArrayList<>()).add(container);
            }
        }
        // Containers of services that left the document go first, so their names are free.
        managedByService.forEach((service, containers) -> {
            if (!desired.services().containsKey(service)) {
                containers.forEach(c -> batch.steps.add(remove(service, c)));
            }
        });
        // download-then-kill: no container is replaced before every new image is here
        boolean imagesPending = !desired.update().killFirst() && desired.services().values().stream()
                .anyMatch(s -> !context.gaveUpOn(s.name()) && !"never".equals(s.options().pullPolicy())
                        && !imageReady(s, observed, context));

        for (ServiceSpec spec : desired.services().values()) {
            String service = spec.name();
            ObservedContainer current = null;
            List<ObservedContainer> others = new ArrayList<>();
            for (ObservedContainer c : managedByService.getOrDefault(service, List.of())) {
                if (c.name().equals(spec.containerName())) {
                    current = c;
                } else {
                    others.add(c);
                }
            }
            ObservedContainer kept = keptFor(spec, others);
            boolean leftovers = false;
            for (ObservedContainer c : others) {
                if (c == kept) {
                    continue;
                }
                leftovers = true;
                if (kept == null && current == null && desired.update().rollback() && !c.kept()
                        && !byName.containsKey(ObservedContainer.keptName(c.name()))) {
                    // the previous container under an older container_name: kept like any replaced one
                    kept = c;
                    batch.steps.add(new Step.RetireContainer(service, c.id(), c.name(),
                            ObservedContainer.keptName(c.name()), STOP_GRACE));
                } else {
                    batch.steps.add(remove(service, c)); // a leftover
                }
            }
            ObservedContainer holder = byName.get(spec.containerName());
            Decision gate = gate(spec, holder, resources, observed, context);
            if (gate != null) {
                batch.add(service, gate);
                continue;
            }
            boolean resourcesReady = spec.mounts().stream().noneMatch(m -> m.type() == Mount.Type.VOLUME
                    && resources.volumesNotReady().contains(m.source()))
                    && spec.options().networks().keySet().stream().noneMatch(resources.networksNotReady()::contains);
            boolean keptNameTaken = current != null && byName.containsKey(ObservedContainer.keptName(current.name()));
            batch.add(service, new ServicePlan(spec, desired, observed, context, current, kept, leftovers, holder,
                    keptNameTaken, imagesPending, resourcesReady, byName.keySet()).decide());
        }
        List<Step> ordered = Dependencies.stopDependantsFirst(batch.steps, desired, context.previous());
        return new Plan(ordered, batch.blocked, batch.waiting || ordered.size() < batch.steps.size(), batch.wakeAt);
    }

    /** What stops a service before its container is looked at: a clash, a missing resource, a backoff; or null. */
    private static Decision gate(ServiceSpec spec, ObservedContainer holder, Resources resources,
                                 ObservedState observed, PlanContext context) {
        if (holder != null && !holder.managed()) {
            return new Decision.Blocked("a container named '" + spec.containerName() + "' exists and is not managed "
                    + "by Berth; Berth will not touch it: remove or rename it (docker rm/rename), or set "
                    + "container_name for this service");
        }
        String problem = resources.problemOf(spec);
        if (problem != null) {
            return new Decision.Blocked(problem);
        }
        if (context.gaveUpOn(spec.name())) {
            return new Decision.GivenUp();
        }
        if (context.backingOff(FailureKey.service(spec.name()))) {
            return Decision.Wait.EVENT;
        }
        if (!observed.images().containsKey(spec.image()) && "never".equals(spec.options().pullPolicy())) {
            return new Decision.Blocked("image " + spec.image() + " is not on this device and pull_policy is "
                    + "'never': load it (berth load FILE) or set pull_policy to 'missing'");
        }
        return null;
    }

    /** The name a replaced container is kept under (see {@link ObservedContainer#keptName}). */
    public static String keptName(String containerName) {
        return ObservedContainer.keptName(containerName);
    }

    /** The kept container of a service: the one this revision can use if any, else the newest. */
    private static ObservedContainer keptFor(ServiceSpec spec, List<ObservedContainer> others) {
        ObservedContainer kept = null;
        for (ObservedContainer c : others) {
            if (!c.kept()) {
                continue;
            }
            if (spec.hash().equals(c.specHash())) {
                return c;
            }
            if (kept == null || c.revision() > kept.revision()) {
                kept = c;
            }
        }
        return kept;
    }

    /**
     * Whether the service's image is here as this revision needs it: present, and for
     * {@code pull_policy: always} pulled since the revision was accepted.
     */
    static boolean imageReady(ServiceSpec spec, ObservedState observed, PlanContext context) {
        if (!observed.images().containsKey(spec.image())) {
            return false;
        }
        return !"always".equals(spec.options().pullPolicy()) || context.pulled().contains(spec.image());
    }

    /**
     * When a replacement counts as good, or null while it is not: as desired (running, healthy
     * where it has a healthcheck, or finished cleanly), and without a healthcheck only once the
     * agent has seen it run for {@link #STABLE_START} (a container that crashes at once is not
     * good). Timed on the monotonic clock, from {@link PlanContext#goodSince()}.
     */
    public static Instant goodAt(ServiceSpec spec, ObservedContainer current, PlanContext context) {
        if (!satisfied(spec, current)) {
            return null;
        }
        if (current.status() != ContainerStatus.RUNNING || current.health() != Health.NONE) {
            return Instant.MIN;
        }
        return context.goodSince().getOrDefault(current.id(), context.now()).plus(STABLE_START);
    }

    /** Whether a service waits for a {@code depends_on} condition to start. */
    public static boolean waitsForDependency(ServiceSpec spec, DesiredState desired, ObservedState observed) {
        return Dependencies.unmet(spec, desired, observed) != null;
    }

    /** The service's stop_grace_period, else the default: the engine's stop call overrides the container's own. */
    public static Duration grace(ServiceSpec spec) {
        Long nanos = spec.options().stopGraceNanos();
        return nanos == null ? STOP_GRACE : Duration.ofNanos(nanos);
    }

    static Step remove(String service, ObservedContainer container) {
        return new Step.RemoveContainer(service, container.id(), container.name(), STOP_GRACE);
    }

    /** Whether a service runs as desired, judged from what is observed. */
    public static boolean satisfied(ServiceSpec spec, ObservedContainer current) {
        if (current == null || !spec.hash().equals(current.specHash())) {
            return false;
        }
        if (spec.state() == RunState.STOPPED) {
            return !current.isRunning();
        }
        if (current.status() == ContainerStatus.RUNNING) {
            // with a healthcheck, running is not enough: it must have passed it
            return current.health() == Health.NONE || current.health() == Health.HEALTHY;
        }
        // a one-shot service that finished cleanly and is not meant to be restarted
        return current.status() == ContainerStatus.EXITED && !spec.restart().keepsRunning()
                && Integer.valueOf(0).equals(current.exitCode());
    }
}
