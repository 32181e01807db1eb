package io.berth.reconcile;

import io.berth.engine.EngineException;
import io.berth.model.Mount;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import io.berth.spec.DevicePolicy;
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
 * configs and secrets written as files ({@link ServiceFiles}) and bound read-only. Where the
 * device policy limits bind paths, absolute binds are resolved again too, re-checked against
 * {@code policy.bindPaths} and passed to the engine as the real path: a symlink planted after
 * acceptance (by a container that binds its parent read-write) cannot redirect them.
 *
 * @param logging the default logging, or null for the engine's own default
 * @param policy  the device policy, whose {@code bindPrefixes} absolute binds must stay under
 */
public record ContainerDefaults(Path dataRoot, ServiceOptions.Logging logging, Path filesDir, DevicePolicy policy) {

    public ContainerDefaults {
        dataRoot = dataRoot.toAbsolutePath().normalize();
        filesDir = filesDir == null ? dataRoot.resolveSibling("files") : filesDir.toAbsolutePath().normalize();
        policy = policy == null ? DevicePolicy.PERMISSIVE : policy;
    }

    /** @param filesDir where configs and secrets are written; {@code files} beside the data root */
    public ContainerDefaults(Path dataRoot, ServiceOptions.Logging logging, Path filesDir) {
        this(dataRoot, logging, filesDir, null);
    }

    public ContainerDefaults(Path dataRoot, ServiceOptions.Logging logging) {
        this(dataRoot, logging, null, null);
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
        boolean absolute = !policy.bindPrefixes().isEmpty();
        if (spec.mounts().stream().noneMatch(m -> m.relative() || absolute && m.type() == Mount.Type.BIND)) {
            return spec;
        }
        List<Mount> mounts = new java.util.ArrayList<>();
        for (Mount m : spec.mounts()) {
            if (!m.relative()) {
                mounts.add(absolute && m.type() == Mount.Type.BIND ? absoluteBind(spec, m) : m);
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

    /** An absolute bind where it leads now, still under {@code policy.bindPaths}, or a terminal refusal. */
    private Mount absoluteBind(ServiceSpec spec, Mount m) throws EngineException {
        io.berth.spec.PolicyHost host = HostFiles.files(dataRoot);
        Path real = host.realPath(Path.of(m.source()));
        if (!policy.allowsHostPath(real, host)) {
            throw EngineException.terminal("the bind path " + m.source() + " of service " + spec.name() + " leads to "
                    + real + (real.equals(Path.of(m.source()).normalize()) ? "" : " through a symlink") + ", outside "
                    + "what this device's policy allows (policy.bindPaths=" + String.join(",", policy.bindPrefixes())
                    + "); remove the symlink", null);
        }
        return m.withSource(real.toString()); // where it leads now, not a path a symlink may redirect
    }
}
