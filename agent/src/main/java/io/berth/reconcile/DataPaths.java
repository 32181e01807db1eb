package io.berth.reconcile;

import io.berth.engine.EngineException;
import io.berth.model.Mount;
import io.berth.model.ServiceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Relative bind paths ({@code ./config}) live under the device's data root (PROTOCOL.md §3):
 * resolved to absolute paths, and their directories created, just before the container is created.
 * The spec keeps the relative form, so its hash does not depend on where the data root is.
 */
final class DataPaths {
    private final Path root;

    DataPaths(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    ServiceSpec resolve(ServiceSpec spec) throws EngineException {
        if (spec.mounts().stream().noneMatch(Mount::relative)) {
            return spec;
        }
        List<Mount> mounts = new java.util.ArrayList<>();
        for (Mount m : spec.mounts()) {
            if (!m.relative()) {
                mounts.add(m);
                continue;
            }
            Path dir = root.resolve(m.source().substring(2)).normalize();
            if (!dir.startsWith(root)) {
                // the parser refuses '..' out of the root; this is the last line of defence
                throw new EngineException("the bind path " + m.source() + " of service " + spec.name()
                        + " leaves the data root " + root, true, null);
            }
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new EngineException("cannot create " + dir + " for the bind " + m.source() + " of service "
                        + spec.name() + ": " + e.getMessage() + "; check the data root's permissions", false, e);
            }
            mounts.add(m.withSource(dir.toString()));
        }
        return spec.withMounts(mounts);
    }
}
