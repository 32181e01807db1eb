package io.berth.plan;

import io.berth.model.DesiredState;
import io.berth.model.Mount;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.NetworkSpec;
import io.berth.model.ObservedNetwork;
import io.berth.model.ObservedVolume;
import io.berth.model.RunState;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import io.berth.model.UpdatePolicy;
import io.berth.model.VolumeSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes the next batch of steps from the desired and the observed state. Pure: no I/O, no
 * clock, no logging. Each call looks at everything; the caller runs the steps, observes again
 * and asks again, until the plan is settled.
 */
public final class Planner {

    public static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private Planner() {}

    public static Plan nextSteps(DesiredState desired, ObservedState observed, PlanContext context) {
        List<Step> steps = new ArrayList<>();
        Map<String, String> blocked = new TreeMap<>();
        boolean waiting = false;

        Set<String> volumesNotReady = new TreeSet<>();
        Map<String, String> volumeProblems = new TreeMap<>();
        for (VolumeSpec volume : desired.volumes().values()) {
            ObservedVolume present = observed.volumes().get(volume.name());
            if (volume.external()) {
                if (present == null) {
                    volumesNotReady.add(volume.name());
                    volumeProblems.put(volume.name(), "volume '" + volume.name() + "' is external and does not exist: "
                            + "create it (docker volume create " + volume.name() + "), or remove 'external: true'");
                }
            } else if (present == null) {
                volumesNotReady.add(volume.name());
                if (context.backingOff("volume:" + volume.name())) {
                    waiting = true;
                } else {
                    steps.add(new Step.CreateVolume(volume, firstUser(desired, volume.name())));
                }
            } else if (!present.managed()) {
                volumeProblems.put(volume.name(), "volume '" + volume.name() + "' already exists and was not "
                        + "created by Berth; Berth will not use it: rename the volume in the document, or remove "
                        + "the existing one if its data is not needed");
            }
        }

        // Networks: created like volumes; removed once they left the document and nothing is attached.
        Set<String> networksNotReady = new TreeSet<>();
        Map<String, String> networkProblems = new TreeMap<>();
        Set<String> desiredNetworks = new TreeSet<>();
        for (NetworkSpec network : desired.networks().values()) {
            desiredNetworks.add(network.name());
            ObservedNetwork present = observed.networks().get(network.name());
            if (network.external()) {
                if (present == null) {
                    networkProblems.put(network.name(), "network '" + network.name() + "' is external and does not "
                            + "exist: create it (docker network create " + network.name() + "), or remove "
                            + "'external: true'");
                }
            } else if (present == null) {
                networksNotReady.add(network.name());
                if (context.backingOff("network:" + network.name())) {
                    waiting = true;
                } else {
                    steps.add(new Step.CreateNetwork(network));
                }
            } else if (!present.managed()) {
                networkProblems.put(network.name(), "network '" + network.name() + "' already exists and was not "
                        + "created by Berth; Berth will not use it: mark it 'external: true' in the document to "
                        + "use it, or rename it");
            }
        }
        for (ObservedNetwork network : observed.networks().values()) {
            if (network.managed() && !network.inUse() && !desiredNetworks.contains(network.name())) {
                steps.add(new Step.RemoveNetwork(network.name()));
            }
        }

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
                containers.forEach(c -> steps.add(remove(service, c)));
            }
        });

        UpdatePolicy update = desired.update();
        // download-then-kill: no container is replaced before every new image is here
        boolean imagesPending = !update.killFirst() && desired.services().values().stream()
                .anyMatch(s -> !context.givenUp().contains(s.name()) && !"never".equals(s.options().pullPolicy())
                        && !imageReady(s, observed, context));
        Instant wakeAt = null;

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
                if (kept == null && current == null && update.rollback() && !isKept(c.name())
                        && !byName.containsKey(keptName(c.name()))) {
                    // the previous container under an older container_name: kept like any replaced one
                    kept = c;
                    steps.add(new Step.RetireContainer(service, c.id(), c.name(), keptName(c.name()), STOP_GRACE));
                } else {
                    steps.add(remove(service, c)); // a leftover
                }
            }
            ObservedContainer holder = byName.get(spec.containerName());
            if (holder != null && !holder.managed()) {
                blocked.put(service, "a container named '" + spec.containerName() + "' exists and is not managed "
                        + "by Berth; Berth will not touch it: remove or rename it (docker rm/rename), or set "
                        + "container_name for this service");
                continue;
            }
            String volumeProblem = spec.mounts().stream()
                    .filter(m -> m.type() == Mount.Type.VOLUME)
                    .map(m -> volumeProblems.get(m.source()))
                    .filter(p -> p != null)
                    .findFirst().orElse(null);
            if (volumeProblem == null) {
                volumeProblem = spec.options().networks().keySet().stream()
                        .map(networkProblems::get).filter(p -> p != null).findFirst().orElse(null);
            }
            if (volumeProblem != null) {
                blocked.put(service, volumeProblem);
                continue;
            }
            if (context.givenUp().contains(service)) {
                continue; // a terminal error: reported, waits for a new revision
            }
            if (context.backingOff(service)) {
                waiting = true;
                continue;
            }
            boolean imagePresent = observed.images().containsKey(spec.image());
            if (!imagePresent && "never".equals(spec.options().pullPolicy())) {
                blocked.put(service, "image " + spec.image() + " is not on this device and pull_policy is 'never': "
                        + "load it (berth load FILE) or set pull_policy to 'missing'");
                continue;
            }
            boolean imageReady = imageReady(spec, observed, context);
            Step.PullImage pull = new Step.PullImage(service, spec.image(), desired.authFor(spec.image()));
            // the kept container is what this revision wants (a rollback), unless a pull since brought a newer image
            boolean restoring = kept != null && !needsReplacing(spec, kept, observed, context);
            if (current == null) {
                if (restoring && leftovers) {
                    waiting = true; // brought back once the service's other containers are gone (their ports)
                } else if (restoring) {
                    // a one-shot that had finished is not run again
                    boolean finished = "exited".equals(kept.status()) && Integer.valueOf(0).equals(kept.exitCode())
                            && !spec.restart().keepsRunning();
                    steps.add(new Step.RestoreContainer(service, kept.id(), spec.containerName(),
                            spec.state() == RunState.RUNNING && !finished));
                } else if (holder != null) {
                    waiting = true; // the name is held by a managed container being removed in this batch
                } else if (!imageReady) {
                    steps.add(pull);
                } else if (!containersItNeeds(spec).stream().allMatch(byName::containsKey)) {
                    waiting = true; // network_mode container:, volumes_from, links: created once those exist
                } else if (spec.mounts().stream().noneMatch(m -> m.type() == Mount.Type.VOLUME
                        && volumesNotReady.contains(m.source()))
                        && spec.options().networks().keySet().stream().noneMatch(networksNotReady::contains)) {
                    steps.add(new Step.CreateContainer(spec, desired.revision()));
                } // else: its volume is created in this batch, or waits for a retry
                continue;
            }
            if ("always".equals(spec.options().pullPolicy()) && !imageReady) {
                steps.add(pull); // pull_policy always: once per revision, while the container runs
                continue;
            }
            if (needsReplacing(spec, current, observed, context)) {
                if (restoring || kept != null) {
                    // a rollback (the kept one is what this revision wants), or a newer revision while
                    // one is on trial: the kept container stays the way back, this one goes
                    if (imageReady || restoring || update.killFirst()) {
                        steps.add(remove(service, current));
                    } else {
                        steps.add(pull);
                    }
                } else if (!imageReady && !update.killFirst()) {
                    steps.add(pull); // download-then-kill: the old container runs while the image comes
                } else if (imagesPending) {
                    waiting = true; // replaced once every new image of the revision is here
                } else if (!update.rollback()) {
                    steps.add(new Step.RemoveContainer(service, current.id(), current.name(), grace(spec)));
                } else if (byName.containsKey(keptName(current.name()))) {
                    blocked.put(service, "a container named '" + keptName(current.name()) + "' exists and is not "
                            + "managed by Berth, so the running container cannot be kept for a rollback: remove or "
                            + "rename that container, or set update.rollback to false");
                } else {
                    steps.add(new Step.RetireContainer(service, current.id(), current.name(),
                            keptName(current.name()), grace(spec)));
                }
                continue;
            }
            if (kept != null) {
                Instant goodAt = goodAt(spec, current);
                if (!update.rollback() || (goodAt != null && !context.now().isBefore(goodAt))) {
                    steps.add(remove(service, kept)); // the replacement is good: the way back is not needed
                } else {
                    waiting = true; // on trial: good, or rolled back by the reconciler at its health timeout
                    if (goodAt != null && (wakeAt == null || goodAt.isBefore(wakeAt))) {
                        wakeAt = goodAt;
                    }
                }
            }
            String replacedDependency = context.restartsForDependency().get(service);
            if (replacedDependency != null && spec.state() == RunState.RUNNING && current.isRunning()) {
                if (unmetDependency(spec, desired, managedByService) != null) {
                    waiting = true; // restarted once the replaced dependency is up (healthy, …) again
                } else {
                    steps.add(new Step.RestartForDependency(service, current.id(), replacedDependency, grace(spec)));
                }
                continue;
            }
            if (spec.state() == RunState.RUNNING && shouldStart(spec, current)) {
                if (unmetDependency(spec, desired, managedByService) != null) {
                    waiting = true; // started once its dependencies are; their engine events bring the next pass
                    continue;
                }
                steps.add(new Step.StartContainer(service, current.id()));
            } else if (spec.state() == RunState.STOPPED && current.isRunning()) {
                steps.add(new Step.StopContainer(service, current.id(), grace(spec)));
            } else if (spec.state() == RunState.RUNNING && "running".equals(current.status())
                    && "unhealthy".equals(current.health())) {
                // restart-on-unhealthy, with its own backoff so a service that stays unhealthy is
                // restarted ever less often, never given up on
                if (context.backingOff(restartKey(service))) {
                    waiting = true;
                } else {
                    steps.add(new Step.RestartContainer(service, current.id(), grace(spec)));
                }
            }
        }
        List<Step> ordered = stopDependantsFirst(steps, desired, context.previous());
        return new Plan(ordered, blocked, waiting || ordered.size() < steps.size(), wakeAt);
    }

    /** Suffix of the name a replaced container keeps while its replacement is on trial. */
    public static final String KEPT_SUFFIX = "-berth-previous";

    /** A service's container without a healthcheck counts as good once it has run this long. */
    public static final Duration STABLE_START = Duration.ofSeconds(5);

    public static String keptName(String containerName) {
        return containerName + KEPT_SUFFIX;
    }

    public static boolean isKept(String containerName) {
        return containerName.endsWith(KEPT_SUFFIX);
    }

    /** The kept container of a service: the one this revision can use if any, else the newest. */
    private static ObservedContainer keptFor(ServiceSpec spec, List<ObservedContainer> others) {
        ObservedContainer kept = null;
        for (ObservedContainer c : others) {
            if (!isKept(c.name())) {
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
    private static boolean imageReady(ServiceSpec spec, ObservedState observed, PlanContext context) {
        if (!observed.images().containsKey(spec.image())) {
            return false;
        }
        return !"always".equals(spec.options().pullPolicy()) || context.pulled().contains(spec.image());
    }

    /**
     * A container is replaced when its spec changed, or when {@code pull_policy: always} pulled an
     * image under the same reference that differs from the one the container runs.
     */
    private static boolean needsReplacing(ServiceSpec spec, ObservedContainer current, ObservedState observed,
                                          PlanContext context) {
        if (!spec.hash().equals(current.specHash())) {
            return true;
        }
        String pulledId = observed.images().get(spec.image());
        return "always".equals(spec.options().pullPolicy()) && context.pulled().contains(spec.image())
                && pulledId != null && current.imageId() != null && !pulledId.equals(current.imageId());
    }

    /**
     * When a replacement counts as good, or null while it is not: as desired (running, healthy
     * where it has a healthcheck, or finished cleanly), and without a healthcheck only once it
     * has run for {@link #STABLE_START} (a container that crashes at once is not good).
     */
    public static Instant goodAt(ServiceSpec spec, ObservedContainer current) {
        if (!satisfied(spec, current)) {
            return null;
        }
        if (!"running".equals(current.status()) || !"none".equals(current.health())) {
            return Instant.MIN;
        }
        try {
            return Instant.parse(current.startedAt()).plus(STABLE_START);
        } catch (RuntimeException unparsable) {
            return Instant.MIN;
        }
    }

    /**
     * Stop order is the reverse of start order: a step that stops a service waits while a
     * service depending on it (in this revision or the previous one) is stopped in the same batch.
     */
    static List<Step> stopDependantsFirst(List<Step> steps, DesiredState desired, DesiredState previous) {
        Set<String> stopping = new TreeSet<>();
        steps.stream().filter(Planner::stops).forEach(s -> stopping.add(s.service()));
        if (stopping.size() < 2) {
            return steps;
        }
        List<Step> ordered = withheld(steps, stopping, desired, previous);
        if (ordered.stream().noneMatch(Planner::stops)) {
            // the two revisions order them in opposite ways (a dependency turned around): this one's wins
            ordered = withheld(steps, stopping, desired, null);
        }
        return ordered.stream().anyMatch(Planner::stops) ? ordered : steps;
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

    /**
     * A container that never ran is started. One that exited is started again only where its
     * restart policy says it should keep running (the engine did not, e.g. after a manual stop);
     * with {@code no} or {@code on-failure} an exit is the service's own business.
     */
    private static boolean shouldStart(ServiceSpec spec, ObservedContainer current) {
        return switch (current.status()) {
            case "created" -> true;
            case "exited", "dead" -> spec.restart().keepsRunning();
            default -> false;
        };
    }

    /**
     * The first {@code depends_on} entry of a service that is not met yet, or null: the
     * dependency's container must run ({@code service_started}), be healthy
     * ({@code service_healthy}) or have exited with 0 ({@code service_completed_successfully}).
     * A dependency marked {@code required: false} that is not in the document is ignored.
     */
    static String unmetDependency(ServiceSpec spec, DesiredState desired,
                                  Map<String, List<ObservedContainer>> managedByService) {
        for (Map.Entry<String, ServiceOptions.Dependency> entry : spec.options().dependsOn().entrySet()) {
            ServiceSpec dependency = desired.services().get(entry.getKey());
            if (dependency == null) {
                if (entry.getValue().required()) {
                    return entry.getKey() + " (not in the document)";
                }
                continue;
            }
            ObservedContainer c = managedByService.getOrDefault(dependency.name(), List.of()).stream()
                    .filter(o -> o.name().equals(dependency.containerName())).findFirst().orElse(null);
            String condition = entry.getValue().condition() == null ? "service_started" : entry.getValue().condition();
            boolean met = c != null && switch (condition) {
                case "service_healthy" -> "running".equals(c.status()) && "healthy".equals(c.health());
                case "service_completed_successfully" -> "exited".equals(c.status())
                        && Integer.valueOf(0).equals(c.exitCode());
                default -> c.isRunning();
            };
            if (!met) {
                return entry.getKey() + " (" + condition + ")";
            }
        }
        return null;
    }

    /** Whether a service cannot start yet because a {@code depends_on} condition is not met. */
    public static boolean waitsForDependency(ServiceSpec spec, DesiredState desired, ObservedState observed) {
        Map<String, List<ObservedContainer>> managedByService = new LinkedHashMap<>();
        observed.containers().stream().filter(c -> c.managed() && c.service() != null)
                .forEach(c -> managedByService.computeIfAbsent(c.service(), k -> new ArrayList<>()).add(c));
        return unmetDependency(spec, desired, managedByService) != null;
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

    /** The backoff-table key of a service's unhealthy restarts. */
    public static String restartKey(String service) {
        return "restart:" + service;
    }

    private static String firstUser(DesiredState desired, String volume) {
        return desired.services().values().stream()
                .filter(s -> s.mounts().stream().anyMatch(m -> m.type() == Mount.Type.VOLUME && m.source().equals(volume)))
                .map(ServiceSpec::name).findFirst().orElse("");
    }

    /** The service's stop_grace_period, else the default: the engine's stop call overrides the container's own. */
    private static Duration grace(ServiceSpec spec) {
        Long nanos = spec.options().stopGraceNanos();
        return nanos == null ? STOP_GRACE : Duration.ofNanos(nanos);
    }

    private static Step remove(String service, ObservedContainer container) {
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
        if ("running".equals(current.status())) {
            // with a healthcheck, running is not enough: it must have passed it
            return "none".equals(current.health()) || "healthy".equals(current.health());
        }
        // a one-shot service that finished cleanly and is not meant to be restarted
        return "exited".equals(current.status()) && !spec.restart().keepsRunning()
                && Integer.valueOf(0).equals(current.exitCode());
    }
}
