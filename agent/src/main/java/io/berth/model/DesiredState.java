package io.berth.model;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A validated desired-state document (PROTOCOL.md §3), normalized. */
public record DesiredState(long revision, SortedMap<String, ServiceSpec> services,
                           SortedMap<String, VolumeSpec> volumes, Map<String, RegistryAuth> registries,
                           SortedMap<String, NetworkSpec> networks) {

    public static final DesiredState EMPTY = new DesiredState(0, null, null, null);

    public DesiredState(long revision, SortedMap<String, ServiceSpec> services,
                        SortedMap<String, VolumeSpec> volumes, Map<String, RegistryAuth> registries) {
        this(revision, services, volumes, registries, null);
    }

    public DesiredState {
        services = Immutables.sortedMap(services);
        volumes = Immutables.sortedMap(volumes);
        networks = Immutables.sortedMap(networks);
        registries = registries == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(registries));
    }

    /** The credentials for the registry that serves {@code image}, or null. */
    public RegistryAuth authFor(String image) {
        return registries.get(ImageRef.registryOf(image));
    }
}
