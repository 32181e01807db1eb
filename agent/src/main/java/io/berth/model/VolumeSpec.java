package io.berth.model;

import java.util.SortedMap;

/**
 * A top-level named volume of the desired document.
 *
 * @param name     the engine's volume name ({@code name:} where given, else the key)
 * @param external the volume must exist already; Berth never creates it
 */
public record VolumeSpec(String name, String driver, SortedMap<String, String> driverOpts,
                         SortedMap<String, String> labels, boolean external) {

    public VolumeSpec(String name, String driver, SortedMap<String, String> driverOpts,
                      SortedMap<String, String> labels) {
        this(name, driver, driverOpts, labels, false);
    }

    public VolumeSpec {
        driverOpts = Immutables.sortedMap(driverOpts);
        labels = Immutables.sortedMap(labels);
    }
}
