package io.berth.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.berth.model.Labels;
import io.berth.model.Mount;
import io.berth.model.ServiceSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A recreated container keeps its predecessor's anonymous volumes, as Compose does: before the
 * new container is created, the anonymous mounts of the service's spec are pointed at the volumes
 * the service's other container (the one it replaces, or keeps for a rollback) has at the same
 * targets. The spec's hash is not touched: the volume names are the engine's business.
 */
final class AnonymousVolumes {
    /** The engine names anonymous volumes with 64 hex digits. */
    private static final Pattern ANONYMOUS = Pattern.compile("[0-9a-f]{64}");

    private AnonymousVolumes() {}

    /** The spec with its anonymous mounts bound to its predecessor's volumes, where it has one. */
    static ServiceSpec inherit(DockerClient client, ServiceSpec spec, Map<String, String> labels) {
        if (spec.mounts().stream().noneMatch(m -> m.type() == Mount.Type.VOLUME && m.source().isEmpty())
                || labels.get(Labels.DEVICE) == null) {
            return spec;
        }
        Map<String, String> byTarget = new HashMap<>();
        List<Container> predecessors = client.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.SERVICE, spec.name(), Labels.DEVICE, labels.get(Labels.DEVICE))).exec();
        for (Container c : predecessors) {
            InspectContainerResponse r;
            try {
                r = client.inspectContainerCmd(c.getId()).exec();
            } catch (NotFoundException gone) {
                continue;
            }
            if (r.getMounts() == null) {
                continue;
            }
            for (InspectContainerResponse.Mount m : r.getMounts()) {
                if (m.getName() != null && ANONYMOUS.matcher(m.getName()).matches() && m.getDestination() != null) {
                    byTarget.putIfAbsent(m.getDestination().getPath(), m.getName());
                }
            }
        }
        if (byTarget.isEmpty()) {
            return spec;
        }
        List<Mount> mounts = new ArrayList<>();
        for (Mount m : spec.mounts()) {
            String volume = m.type() == Mount.Type.VOLUME && m.source().isEmpty() ? byTarget.get(m.target()) : null;
            mounts.add(volume == null ? m : m.withSource(volume));
        }
        return spec.withMounts(mounts);
    }
}
