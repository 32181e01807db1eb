package io.berth.plan;

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

    record CreateContainer(ServiceSpec spec, long revision) implements Step {
        @Override
        public String service() {
            return spec.name();
        }
    }

    record StartContainer(String service, String containerId) implements Step {}

    record StopContainer(String service, String containerId, Duration grace) implements Step {}

    /** Stops (gracefully) and removes a managed container; its volumes stay. */
    record RemoveContainer(String service, String containerId, String containerName, Duration grace)
            implements Step {}
}
