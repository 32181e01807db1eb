package io.berth.plan;

import io.berth.model.ContainerStatus;
import io.berth.model.DesiredState;
import io.berth.model.Health;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.RunState;
import io.berth.model.ServiceSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The decision for one service: what its container needs next. One function per situation
 * (no container, a replacement by each update strategy, a kept container on trial, a running
 * container), each returning a {@link Decision}. Pure.
 *
 * @param current  the service's container under its container name, or null
 * @param kept     its container kept as the way back (a rollback target), or null
 * @param leftovers whether other containers of the service are being removed in this batch
 * @param holder   whatever container holds the service's container name (managed or not), or null
 * @param keptNameTaken whether the name the current container would be kept under is taken
 * @param imagesPending download-then-kill: whether some image of the revision is still to come
 * @param resourcesReady whether the volumes and networks it uses exist
 * @param containerNames the names of every observed container
 */
record ServicePlan(ServiceSpec spec, DesiredState desired, ObservedState observed, PlanContext context,
                   ObservedContainer current, ObservedContainer kept, boolean leftovers, ObservedContainer holder,
                   boolean keptNameTaken, boolean imagesPending, boolean resourcesReady, Set<String> containerNames) {

    Decision decide() {
        boolean restoring = kept != null && !needsReplacing(kept);
        if (current == null) {
            return restoring ? restore() : create();
        }
        if ("always".equals(spec.options().pullPolicy()) && !imageReady()) {
            return new Decision.Act(pull()); // pull_policy always: once per revision, while the container runs
        }
        if (needsReplacing(current)) {
            if (kept != null) {
                return replaceOnTrial(restoring);
            }
            return desired.update().killFirst() ? killThenDownload() : downloadThenKill();
        }
        if (kept != null) {
            return new Decision.Both(keptWhileOnTrial(), keepRunning());
        }
        return keepRunning();
    }

    /** A rollback: the kept container is what this revision wants. */
    private Decision restore() {
        if (leftovers) {
            return Decision.Wait.EVENT; // brought back once the service's other containers are gone (their ports)
        }
        // a one-shot that had finished is not run again
        boolean finished = kept.status() == ContainerStatus.EXITED && Integer.valueOf(0).equals(kept.exitCode())
                && !spec.restart().keepsRunning();
        return new Decision.Act(new Step.RestoreContainer(spec.name(), kept.id(), spec.containerName(),
                spec.state() == RunState.RUNNING && !finished));
    }

    private Decision create() {
        if (holder != null) {
            return Decision.Wait.EVENT; // the name is held by a managed container being removed in this batch
        }
        if (!imageReady()) {
            return new Decision.Act(pull());
        }
        if (!containerNames.containsAll(Dependencies.containersItNeeds(spec))) {
            return Decision.Wait.EVENT; // network_mode container:, volumes_from, links: created once those exist
        }
        if (!resourcesReady) {
            return Decision.Wait.EVENT; // its volume or network is created in this batch, or waits for a retry
        }
        Map<String, String> inherited = kept == null ? Map.of() : kept.volumes();
        return new Decision.Act(new Step.CreateContainer(spec, desired.revision(), inherited));
    }

    /** download-then-kill: the old container runs while the image comes, and until every new image is here. */
    private Decision downloadThenKill() {
        if (!imageReady()) {
            return new Decision.Act(pull());
        }
        if (imagesPending) {
            return Decision.Wait.EVENT;
        }
        return retire();
    }

    /** kill-then-download (short of disk): the old container stops first; the pull comes once it is out of the way. */
    private Decision killThenDownload() {
        return retire();
    }

    /**
     * The replaced container stops and is kept (renamed) until its replacement exists, which
     * mounts its anonymous volumes again; with rollback on it stays until the replacement is good.
     */
    private Decision retire() {
        String keptName = ObservedContainer.keptName(current.name());
        if (keptNameTaken && !desired.update().rollback()) {
            return new Decision.Act(new Step.RemoveContainer(spec.name(), current.id(), current.name(), grace()));
        }
        if (keptNameTaken) {
            return new Decision.Blocked("a container named '" + keptName + "' exists and is not managed by Berth, "
                    + "so the running container cannot be kept for a rollback: remove or rename that container, or "
                    + "set update.rollback to false");
        }
        return new Decision.Act(new Step.RetireContainer(spec.name(), current.id(), current.name(), keptName, grace()));
    }

    /**
     * A rollback (the kept one is what this revision wants), or a newer revision while one is on
     * trial: the kept container stays the way back, the current one goes.
     */
    private Decision replaceOnTrial(boolean restoring) {
        if (imageReady() || restoring || desired.update().killFirst()) {
            return new Decision.Act(Planner.remove(spec.name(), current));
        }
        return new Decision.Act(pull());
    }

    /** The replacement runs: the kept container goes once it is good (or at once without rollback). */
    private Decision keptWhileOnTrial() {
        Instant goodAt = Planner.goodAt(spec, current, context);
        if (!desired.update().rollback() || (goodAt != null && !context.now().isBefore(goodAt))) {
            return new Decision.Act(Planner.remove(spec.name(), kept));
        }
        return new Decision.Wait(goodAt); // good then, or rolled back at its health timeout
    }

    /** A container of the right spec: started, stopped, restarted as its state and dependencies say. */
    private Decision keepRunning() {
        String service = spec.name();
        String replacedDependency = context.restartsForDependency().get(service);
        boolean wantsRunning = spec.state() == RunState.RUNNING;
        if (replacedDependency != null && wantsRunning && current.isRunning()) {
            if (Dependencies.unmet(spec, desired, observed) != null) {
                return Decision.Wait.EVENT; // restarted once the replaced dependency is up (healthy, …) again
            }
            return new Decision.Act(new Step.RestartForDependency(service, current.id(), replacedDependency, grace()));
        }
        if (wantsRunning && shouldStart()) {
            if (Dependencies.unmet(spec, desired, observed) != null) {
                return Decision.Wait.EVENT; // started once its dependencies are; their engine events bring the next pass
            }
            return new Decision.Act(new Step.StartContainer(service, current.id()));
        }
        if (!wantsRunning && current.isRunning()) {
            return new Decision.Act(new Step.StopContainer(service, current.id(), grace()));
        }
        if (wantsRunning && context.restartRequests().contains(service)) {
            return new Decision.Act(new Step.RestartContainer(service, current.id(), grace(),
                    Step.RestartCause.REQUESTED));
        }
        if (wantsRunning && current.status() == ContainerStatus.RUNNING && current.health() == Health.UNHEALTHY) {
            // restart-on-unhealthy, with its own backoff so a service that stays unhealthy is
            // restarted ever less often, never given up on
            if (context.backingOff(FailureKey.unhealthyRestart(service))) {
                return Decision.Wait.EVENT;
            }
            return new Decision.Act(new Step.RestartContainer(service, current.id(), grace(),
                    Step.RestartCause.UNHEALTHY));
        }
        return new Decision.Done();
    }

    /**
     * A container that never ran is started. One that exited is started again only where its
     * restart policy says it should keep running (the engine did not, e.g. after a manual stop);
     * with {@code no} or {@code on-failure} an exit is the service's own business.
     */
    private boolean shouldStart() {
        return switch (current.status()) {
            case CREATED -> true;
            case EXITED, DEAD -> spec.restart().keepsRunning();
            default -> false;
        };
    }

    private Step.PullImage pull() {
        return new Step.PullImage(spec.name(), spec.image(), desired.authFor(spec.image()));
    }

    /**
     * Whether the service's image is here as this revision needs it: present, and for
     * {@code pull_policy: always} pulled since the revision was accepted.
     */
    boolean imageReady() {
        return Planner.imageReady(spec, observed, context);
    }

    /**
     * A container is replaced when its spec changed, or when {@code pull_policy: always} pulled an
     * image under the same reference that differs from the one the container runs.
     */
    private boolean needsReplacing(ObservedContainer c) {
        if (!spec.hash().equals(c.specHash())) {
            return true;
        }
        String pulledId = observed.images().get(spec.image());
        return "always".equals(spec.options().pullPolicy()) && context.pulled().contains(spec.image())
                && pulledId != null && c.imageId() != null && !pulledId.equals(c.imageId());
    }

    private Duration grace() {
        return Planner.grace(spec);
    }
}
