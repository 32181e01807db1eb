package io.berth.plan;

import io.berth.model.NetworkSpec;
import io.berth.model.RegistryAuth;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.time.Duration;

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

    record CreateContainer(ServiceSpec spec, long revision) implements Step {
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

    /** Stops and starts a container that turned unhealthy (the engine itself never does). */
    record RestartContainer(String service, String containerId, Duration grace) implements Step {}

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
