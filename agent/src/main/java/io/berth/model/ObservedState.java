package io.berth.model;

import java.util.List;
import java.util.Map;

/**
 * What the engine holds that matters to the plan: every managed container plus any container
 * whose name a service wants, every volume a service or the document names plus managed ones,
 * and the local image ids of the images the desired state uses (absent = not pulled).
 */
public record ObservedState(List<ObservedContainer> containers, Map<String, ObservedVolume> volumes,
                            Map<String, String> images, Map<String, ObservedNetwork> networks) {

    public ObservedState {
        containers = List.copyOf(containers);
        volumes = Map.copyOf(volumes);
        images = Map.copyOf(images);
        networks = networks == null ? Map.of() : Map.copyOf(networks);
    }

    public ObservedState(List<ObservedContainer> containers, Map<String, ObservedVolume> volumes,
                         Map<String, String> images) {
        this(containers, volumes, images, Map.of());
    }

    public static final ObservedState NOTHING = new ObservedState(List.of(), Map.of(), Map.of());

    /**
     * The managed container that stands for a service: the one with its container name, else any
     * of its own but a container kept for a rollback; null when it has none.
     */
    public ObservedContainer containerOf(ServiceSpec spec) {
        ObservedContainer any = null;
        for (ObservedContainer c : containers) {
            if (c.managed() && spec.name().equals(c.service()) && !c.kept()) {
                if (c.name().equals(spec.containerName())) {
                    return c;
                }
                any = c;
            }
        }
        return any;
    }
}
