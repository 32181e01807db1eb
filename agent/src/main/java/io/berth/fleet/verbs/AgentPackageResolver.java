package io.berth.fleet.verbs;

import io.berth.model.ImageRef;
import io.berth.model.RegistryAuth;
import io.berth.registry.AgentPackages;
import io.berth.registry.RegistryClient;
import java.util.List;
import java.util.Map;

/**
 * Pins an agent package reference ({@code berth fleet agent-update --package REF}) by digest and
 * says what it holds (PROTOCOL.md §3, key {@code agent}): the verb publishes only pinned
 * references, and refuses one whose artifact holds another version than {@code --version}.
 */
interface AgentPackageResolver {

    /**
     * @param ref           {@code HOST/REPO@sha256:…}, the reference pinned by the digest of its OCI index
     * @param version       the agent version the artifact holds; null when this resolver cannot tell
     * @param architectures the Debian architectures it has a package for ({@code amd64}, {@code arm64},
     *                      {@code armhf}, {@code all}); empty when this resolver cannot tell
     */
    record Pinned(String ref, String version, List<String> architectures) {
        public Pinned {
            architectures = List.copyOf(architectures);
        }
    }

    /**
     * Pins {@code ref}.
     *
     * @throws IllegalArgumentException when {@code ref} is not one this resolver can take (a usage error)
     * @throws Exception                when the registry cannot be asked or does not hold it
     */
    Pinned pin(String ref) throws Exception;

    /**
     * The resolver {@code berth fleet agent-update} uses: the registry's index of REF (a tag or a
     * digest), with the operator's credentials for its host as {@code agent-package push} takes them.
     */
    static AgentPackageResolver standard(Map<String, String> env) {
        return ref -> {
            RegistryAuth auth = RegistryCredentials.of(ImageRef.registryOf(ref), env);
            AgentPackages.Pinned p = new AgentPackages(new RegistryClient(AgentPackageVerbs.TIMEOUT_MILLIS))
                    .resolve(ref, auth);
            return new Pinned(p.ref(), p.version(), p.architectures());
        };
    }
}
