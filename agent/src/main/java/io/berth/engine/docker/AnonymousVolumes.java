package io.berth.engine.docker;

import io.berth.model.Mount;
import io.berth.model.ServiceSpec;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/** Where a service's container gets anonymous volumes: as Compose sees them. Pure. */
final class AnonymousVolumes {
    private AnonymousVolumes() {}

    /**
     * The paths of the container's anonymous volumes: the spec's {@code volumes: ["/data"]} and
     * the image's {@code VOLUME}s, except where the spec mounts something else (a named volume,
     * a bind, a tmpfs).
     */
    static Set<String> paths(ServiceSpec spec, Set<String> imageVolumes) {
        Set<String> explicit = new HashSet<>(spec.options().tmpfs().keySet());
        Set<String> paths = new TreeSet<>();
        for (Mount m : spec.mounts()) {
            if (m.type() == Mount.Type.VOLUME && m.source().isEmpty()) {
                paths.add(m.target());
            } else {
                explicit.add(m.target());
            }
        }
        imageVolumes.stream().filter(p -> !explicit.contains(p)).forEach(paths::add);
        return paths;
    }
}
