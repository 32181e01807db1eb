package io.berth.model;

import java.time.Duration;
import java.util.Objects;

/**
 * The document's {@code agent} (PROTOCOL.md §3): the agent version the device should run and
 * the package that holds it.
 *
 * @param version    the Debian package version, as {@code berth version} prints it
 * @param packageRef a registry reference pinned by digest ({@code HOST/REPO@sha256:…}) to an OCI
 *                   index with one package per architecture
 * @param timeout    how long the new agent has to come back online and report before the
 *                   previous one is reinstalled
 */
public record AgentUpdate(String version, String packageRef, Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration MIN_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    public AgentUpdate {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(packageRef, "packageRef");
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    }

    /** The registry host the package comes from (its credentials are the document's {@code registries} entry). */
    public String registry() {
        return ImageRef.registryOf(packageRef);
    }
}
