package io.berth.plan;

import io.berth.model.NetworkSpec;
import io.berth.model.RegistryAuth;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.time.Duration;
import java.util.Map;

/** One change to the engine. A step says what, never how: the executor knows how. */
public sealed interface Step {

    /** The service the step is for, or null for shared resources such as volumes. */
    String service();

    record PullImage(String service, String image, RegistryAuth auth) implements Step {}

    /** @param service the first service that mounts the volume (for its label), or "" */
    record CreateVolume(VolumeSpec volume, String service) implements Step {}

    /** Creates a network of the document, with the agent's ownership labels. */
    record CreateNetwork(NetworkSpec network) implements Step {
        @Override
        public String service() {
            return null;
        }
    }

    /** Removes a managed network that left the document and no container uses. */
    record RemoveNetwork(String name) implements Step {
        @Override
        public String service() {
            return null;
        }
    }

    /**
     * @param inheritedVolumes the anonymous volumes of the container it replaces (destination to
     *                         volume name), mounted again as Compose does so their data stays
     */
    record CreateContainer(ServiceSpec spec, long revision, Map<String, String> inheritedVolumes) implements Step {
        public CreateContainer {
            inheritedVolumes = Map.copyOf(inheritedVolumes);
        }

        public CreateContainer(ServiceSpec spec, long revision) {
            this(spec, revision, Map.of());
        }

        @Override
        public String service() {
            return spec.name();
        }
    }

    record StartContainer(String service, String containerId) implements Step {}

    record StopContainer(String service, String containerId, Duration grace) implements Step {}

    /** Stops and starts a dependant whose {@code depends_on} says {@code restart: true} after its dependency was replaced. */
    record RestartForDependency(String service, String containerId, String dependency, Duration grace)
            implements Step {}

    /** Why a container is stopped and started in place. */
    enum RestartCause {
        /** it turned unhealthy (the engine itself never restarts for that) */
        UNHEALTHY,
        /** a user asked ({@code berth restart}, the {@code restart} command) */
        REQUESTED
    }

    /** Stops and starts a container in place, as {@code docker restart} does. */
    record RestartContainer(String service, String containerId, Duration grace, RestartCause cause)
            implements Step {}

    /**
     * Stops a container that is being replaced and renames it to {@code keptName}, so its name is
     * free for the replacement and it can be brought back if the replacement is not good.
     */
    record RetireContainer(String service, String containerId, String containerName, String keptName,
                           Duration grace) implements Step {}

    /** Gives a kept container its service's name back (a rollback) and starts it where the service should run. */
    record RestoreContainer(String service, String containerId, String containerName, boolean start)
            implements Step {}

    /** Stops (gracefully) and removes a managed container; its volumes stay. */
    record RemoveContainer(String service, String containerId, String containerName, Duration grace)
            implements Step {}
}
