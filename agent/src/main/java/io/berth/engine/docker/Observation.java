package io.berth.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import io.berth.engine.EngineException;
import io.berth.model.ContainerStatus;
import io.berth.model.Health;
import io.berth.model.Labels;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedNetwork;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What runs on the engine, as the planner sees it: Berth's containers, volumes, networks and images. */
final class Observation {
    private final DockerClient client;
    private final Map<String, String> ownership;
    private final EngineCalls calls;

    Observation(DockerClient client, Map<String, String> ownership, EngineCalls calls) {
        this.client = client;
        this.ownership = ownership;
        this.calls = calls;
    }

    ObservedState observe(Set<String> images, Set<String> containerNames, Set<String> volumeNames)
            throws EngineException {
        return calls.call("list containers, volumes and images", () -> {
            List<ObservedContainer> containers = new ArrayList<>();
            for (Container c : client.listContainersCmd().withShowAll(true).exec()) {
                Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
                String name = c.getNames() == null || c.getNames().length == 0 ? c.getId()
                        : c.getNames()[0].substring(1);
                boolean managed = Labels.owned(labels, ownership);
                if (managed || containerNames.contains(name)) {
                    ObservedContainer observed = inspect(c.getId(), name, managed, labels);
                    if (observed != null) {
                        containers.add(observed);
                    }
                }
            }
            Map<String, ObservedVolume> volumes = new LinkedHashMap<>();
            List<InspectVolumeResponse> all = client.listVolumesCmd().exec().getVolumes();
            for (InspectVolumeResponse v : all == null ? List.<InspectVolumeResponse>of() : all) {
                Map<String, String> labels = v.getLabels() == null ? Map.of() : v.getLabels();
                boolean managed = Labels.owned(labels, ownership);
                if (managed || volumeNames.contains(v.getName())) {
                    volumes.put(v.getName(), new ObservedVolume(v.getName(), managed, labels.get(Labels.SERVICE),
                            labels.containsKey(Labels.ANONYMOUS)));
                }
            }
            Map<String, String> imageIds = new HashMap<>();
            for (String image : images) {
                try {
                    imageIds.put(image, client.inspectImageCmd(image).exec().getId());
                } catch (NotFoundException absent) {
                    // not pulled yet
                }
            }
            Map<String, ObservedNetwork> networks = new LinkedHashMap<>();
            for (Network n : client.listNetworksCmd().exec()) {
                Map<String, String> labels = n.getLabels() == null ? Map.of() : n.getLabels();
                boolean inUse = n.getContainers() != null && !n.getContainers().isEmpty();
                if (!inUse && Labels.owned(labels, ownership)) {
                    // the list does not always carry the attached containers: ask the network itself
                    try {
                        var inspected = client.inspectNetworkCmd().withNetworkId(n.getId()).exec();
                        inUse = inspected.getContainers() != null && !inspected.getContainers().isEmpty();
                    } catch (NotFoundException gone) {
                        continue;
                    }
                }
                networks.put(n.getName(), new ObservedNetwork(n.getName(), Labels.owned(labels, ownership), inUse));
            }
            return new ObservedState(containers, volumes, imageIds, networks);
        });
    }

    private ObservedContainer inspect(String id, String name, boolean managed, Map<String, String> labels) {
        InspectContainerResponse r;
        try {
            r = client.inspectContainerCmd(id).exec();
        } catch (NotFoundException gone) {
            return null; // removed between list and inspect
        }
        InspectContainerResponse.ContainerState s = r.getState();
        String health = s.getHealth() == null || s.getHealth().getStatus() == null ? "none" : s.getHealth().getStatus();
        Integer exitCode = "created".equals(s.getStatus()) || Boolean.TRUE.equals(s.getRunning()) ? null : s.getExitCode();
        long revision = parseLong(labels.get(Labels.REVISION));
        Map<String, String> volumes = new LinkedHashMap<>();
        if (r.getMounts() != null) {
            for (var mount : r.getMounts()) {
                if (mount.getName() != null && mount.getDestination() != null) {
                    volumes.put(mount.getDestination().getPath(), mount.getName());
                }
            }
        }
        return new ObservedContainer(id, name, managed, labels.get(Labels.SERVICE), labels.get(Labels.HASH), revision,
                ContainerStatus.of(s.getStatus()), Health.of(health), exitCode, startedAt(s.getStartedAt()),
                r.getRestartCount() == null ? 0 : r.getRestartCount(), r.getConfig().getImage(), r.getImageId(),
                Boolean.TRUE.equals(s.getOOMKilled()), volumes);
    }

    private static String startedAt(String value) {
        return value == null || value.startsWith("0001-") ? null : value;
    }

    private static long parseLong(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
