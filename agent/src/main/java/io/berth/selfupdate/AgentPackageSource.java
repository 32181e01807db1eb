package io.berth.selfupdate;

import io.berth.model.RegistryAuth;
import java.nio.file.Path;

/**
 * Where the agent's package comes from: the registry's OCI artifact a document's {@code agent.package}
 * names (PROTOCOL.md §3), every digest checked from the index down to the package.
 */
public interface AgentPackageSource {

    /**
     * The package for one architecture, written to {@code target}.
     *
     * @param file    where it was written
     * @param sha256  the package's digest, checked
     * @param size    its bytes
     * @param version the {@code Version} its control file names
     */
    record Fetched(Path file, String sha256, long size, String version) {}

    /**
     * @param pinnedRef {@code HOST/REPO@sha256:…}
     * @param debArch   the Debian architecture ({@code amd64}, {@code arm64}, {@code armhf})
     * @param auth      the document's credentials for the package's registry, or null
     * @param maxBytes  a bigger package is refused before it fills the disk
     * @throws Exception anything that says why it could not be fetched (its message is reported)
     */
    Fetched fetch(String pinnedRef, String debArch, RegistryAuth auth, Path target, long maxBytes) throws Exception;
}
