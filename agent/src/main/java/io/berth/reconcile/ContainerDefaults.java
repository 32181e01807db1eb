package io.berth.reconcile;

import io.berth.engine.EngineException;
import io.berth.model.Mount;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import io.berth.store.HostFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the device adds to a service when it creates its container, outside the spec's hash (so
 * a change here never recreates a running container): relative bind paths ({@code ./config})
 * resolved under the device's data root (PROTOCOL.md §3), their directories created; and the
 * device profile's log limits for services that set no {@code logging}, so SD cards do not fill;
 * configs and secrets written as files ({@link ServiceFiles}) and bound read-only.
 *
 * @param logging the default logging, or null for the engine's own default
 */
public record ContainerDefaults(Path dataRoot, ServiceOptions.Logging logging, Path filesDir) {

    public ContainerDefaults {
        dataRoot = dataRoot.toAbsolutePath().normalize();
        filesDir = filesDir == null ? dataRoot.resolveSibling("files") : filesDir.toAbsolutePath().normalize();
    }

    /** @param filesDir where configs and secrets are written; {@code files} beside the data root */
    public ContainerDefaults(Path dataRoot, ServiceOptions.Logging logging) {
        this(dataRoot, logging, null);
    }

    ServiceSpec apply(ServiceSpec spec) throws EngineException {
        ServiceSpec resolved = ServiceFiles.apply(resolve(spec), filesDir);
        if (logging == null || resolved.options().logging() != null) {
            return resolved;
        }
        ServiceOptions o = resolved.options();
        ServiceOptions withLogging = o.withLogging(logging);
        return new ServiceSpec(resolved.name(), resolved.containerName(), resolved.image(), resolved.command(),
                resolved.entrypoint(), resolved.environment(), resolved.ports(), resolved.mounts(), resolved.restart(),
                resolved.state(), withLogging);
    }

    private ServiceSpec resolve(ServiceSpec spec) throws EngineException {
        Path root = dataRoot;
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
                throw EngineException.terminal("the bind path " + m.source() + " of service " + spec.name()
                        + " leaves the data root " + root, null);
            }
            Path real;
            try {
                // where it leads before anything is created: mkdir through a planted symlink would create on the host
                Files.createDirectories(root); // a fresh device has none yet, and toRealPath needs it
                real = HostFiles.files(root).realPath(dir);
                if (!real.startsWith(root.toRealPath())) {
                    // a container planted a symlink in its data dir: the engine would follow it out of the root
                    throw EngineException.terminal("the bind path " + m.source() + " of service " + spec.name()
                            + " leads to " + real + " through a symlink, out of the data root " + root
                            + "; remove the symlink", null);
                }
                Files.createDirectories(real);
                real = real.toRealPath();
            } catch (IOException e) {
                throw EngineException.retryable("cannot create " + dir + " for the bind " + m.source() + " of service "
                        + spec.name() + ": " + e.getMessage() + "; check the data root's permissions", e);
            }
            mounts.add(m.withSource(real.toString())); // where it leads now, not a path a symlink may redirect
        }
        return spec.withMounts(mounts);
    }
}
