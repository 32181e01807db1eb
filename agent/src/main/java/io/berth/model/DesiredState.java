package io.berth.model;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A validated desired-state document (PROTOCOL.md §3), normalized.
 *
 * @param agent the agent version the device should run ({@code agent}), or null: the agent stays as it is
 */
public record DesiredState(long revision, SortedMap<String, ServiceSpec> services,
                           SortedMap<String, VolumeSpec> volumes, Map<String, RegistryAuth> registries,
                           SortedMap<String, NetworkSpec> networks, UpdatePolicy update, AgentUpdate agent) {

    public static final DesiredState EMPTY = new DesiredState(0, null, null, null);

    public DesiredState(long revision, SortedMap<String, ServiceSpec> services,
                        SortedMap<String, VolumeSpec> volumes, Map<String, RegistryAuth> registries,
                        SortedMap<String, NetworkSpec> networks, UpdatePolicy update) {
        this(revision, services, volumes, registries, networks, update, null);
    }

    public DesiredState(long revision, SortedMap<String, ServiceSpec> services,
                        SortedMap<String, VolumeSpec> volumes, Map<String, RegistryAuth> registries,
                        SortedMap<String, NetworkSpec> networks) {
        this(revision, services, volumes, registries, networks, null);
    }

    public DesiredState(long revision, SortedMap<String, ServiceSpec> services,
                        SortedMap<String, VolumeSpec> volumes, Map<String, RegistryAuth> registries) {
        this(revision, services, volumes, registries, null);
    }

    public DesiredState {
        services = Immutables.sortedMap(services);
        volumes = Immutables.sortedMap(volumes);
        networks = Immutables.sortedMap(networks);
        update = update == null ? UpdatePolicy.DEFAULT : update;
        registries = registries == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(registries));
    }

    /** The same document with another update policy (tests, and the planner's view of a rollback). */
    public DesiredState withUpdate(UpdatePolicy policy) {
        return new DesiredState(revision, services, volumes, registries, networks, policy, agent);
    }

    /** The credentials for the registry that serves {@code image}, or null. */
    public RegistryAuth authFor(String image) {
        return registries.get(ImageRef.registryOf(image));
    }
}
