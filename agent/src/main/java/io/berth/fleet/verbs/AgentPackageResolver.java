package io.berth.fleet.verbs;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Pins an agent package reference ({@code berth fleet agent-update --package REF}) by digest and
 * says what it holds (PROTOCOL.md §3, key {@code agent}): the verb publishes only pinned
 * references, and refuses one whose artifact holds another version than {@code --version}.
 */
interface AgentPackageResolver {

    /**
     * @param ref           {@code HOST/REPO@sha256:…}, the reference pinned by the digest of its OCI index
     * @param version       the agent version the artifact holds; null when this resolver cannot tell
     * @param architectures the architectures it has a package for ({@code amd64}, {@code arm64},
     *                      {@code arm/v7}); empty when this resolver cannot tell
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
     * The resolver {@code berth fleet agent-update} uses: for now {@link #digestOnly()}; the place to
     * wire the registry client ({@code io.berth.registry.AgentPackages.resolve(ref, auth)}).
     */
    static AgentPackageResolver standard(Map<String, String> env) {
        return digestOnly();
    }

    /**
     * Takes only a reference already pinned by {@code @sha256:} and cannot read the artifact: the
     * version and architectures are not known (null, empty), so the verb cannot check them.
     */
    static AgentPackageResolver digestOnly() {
        Pattern pinned = Pattern.compile("[^\\s@]+/[^\\s@]+@sha256:[0-9a-f]{64}");
        return ref -> {
            if (!pinned.matcher(ref).matches()) {
                throw new IllegalArgumentException("--package '" + ref + "' is not pinned by digest: this build "
                        + "cannot look references up in the registry, so give HOST/REPO@sha256:<64 hex digits>, as "
                        + "'berth fleet agent-package push' prints it");
            }
            return new Pinned(ref, null, List.of());
        };
    }
}
