package io.berth.model;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A validated desired-state document (PROTOCOL.md §3), normalized. */
public record DesiredState(long revision, SortedMap<String, ServiceSpec> services,
                           SortedMap<String, VolumeSpec> volumes, Map<String, RegistryAuth> registries,
                           SortedMap<String, NetworkSpec> networks, UpdatePolicy update) {

    public static final DesiredState EMPTY = new DesiredState(0, null, null, null);

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
        return new DesiredState(revision, services, volumes, registries, networks, policy);
    }

    /** The credentials for the registry that serves {@code image}, or null. */
    public RegistryAuth authFor(String image) {
        return registries.get(ImageRef.registryOf(image));
    }
}
