package io.berth.model;

import java.util.SortedMap;

/** A top-level named volume of the desired document. */
public record VolumeSpec(String name, String driver, SortedMap<String, String> driverOpts,
                         SortedMap<String, String> labels) {

    public VolumeSpec {
        driverOpts = Immutables.sortedMap(driverOpts);
        labels = Immutables.sortedMap(labels);
    }
}
