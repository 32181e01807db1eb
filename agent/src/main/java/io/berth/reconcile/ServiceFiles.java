package io.berth.reconcile;

import io.berth.engine.EngineException;
import io.berth.model.FileMount;
import io.berth.model.Mount;
import io.berth.model.ServiceSpec;
import io.berth.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A service's configs and secrets as files: written under {@code {stateDir}/files/} atomically and
 * only when changed (secrets mode 0400, configs 0444), then bound read-only at their targets.
 * The content never reaches a log: errors name the file, not what it holds.
 */
final class ServiceFiles {

    private ServiceFiles() {}

    static ServiceSpec apply(ServiceSpec spec, Path dir) throws EngineException {
        if (spec.options().files().isEmpty()) {
            return spec;
        }
        List<Mount> mounts = new ArrayList<>(spec.mounts());
        for (FileMount f : spec.options().files()) {
            Path file = dir.resolve(f.secret() ? "secrets" : "configs").resolve(f.name());
            try {
                if (f.secret()) {
                    Files.createDirectories(file.getParent());
                    Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwx------"));
                }
                AtomicFiles.write(file, f.content().reveal().getBytes(StandardCharsets.UTF_8));
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(f.secret() ? "r--------"
                        : "r--r--r--"));
            } catch (IOException e) {
                throw EngineException.retryable("cannot write the " + f.kind() + " '" + f.name() + "' of service "
                        + spec.name() + " to " + file + ": " + e.getMessage() + "; check the state dir's space and "
                        + "permissions", e);
            }
            mounts.add(new Mount(Mount.Type.BIND, file.toString(), f.target(), true));
        }
        return spec.withMounts(mounts);
    }
}
