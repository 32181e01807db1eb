package io.berth.agent;

import io.berth.selfupdate.AgentPackageSource;

/**
 * Where the agent fetches its own packages from.
 *
 * <p>TODO(coordinator): replace {@link #SOURCE} with the registry client once
 * {@code io.berth.registry.AgentPackages} is merged:
 * {@code (ref, arch, auth, target, max) -> { var f = new AgentPackages(new RegistryClient(…)).fetch(ref, arch, auth,
 * target, max); return new AgentPackageSource.Fetched(f.file(), f.sha256(), f.size(), f.version()); }}
 */
final class AgentPackagesWiring {
    private AgentPackagesWiring() {}

    /** Until the registry client is wired: every fetch fails, saying so (the update is reported failed). */
    static final AgentPackageSource SOURCE = (ref, arch, auth, target, maxBytes) -> {
        throw new UnsupportedOperationException("this agent build cannot fetch agent packages yet "
                + "(io.berth.registry.AgentPackages is not wired in)");
    };
}
