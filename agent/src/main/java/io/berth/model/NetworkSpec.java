package io.berth.model;

import java.util.List;
import java.util.SortedMap;

/**
 * A top-level network of the desired document.
 *
 * @param name     the engine's network name ({@code name:} where given, else the key; the default
 *                 network's is {@code {project}_default})
 * @param external the network must exist already; Berth never creates or removes it
 * @param ipam     {@code ipam}, or null for the engine's own address management
 */
public record NetworkSpec(String key, String name, String driver, SortedMap<String, String> driverOpts,
                          SortedMap<String, String> labels, boolean external, boolean internal, boolean enableIpv6,
                          Ipam ipam) {

    public NetworkSpec {
        driverOpts = Immutables.sortedMap(driverOpts);
        labels = Immutables.sortedMap(labels);
    }

    /** {@code ipam}: a driver and address pools. */
    public record Ipam(String driver, List<Pool> config) {
        public Ipam {
            config = config == null ? List.of() : List.copyOf(config);
        }
    }

    /** One {@code ipam.config} entry; gateway and ip_range may be null. */
    public record Pool(String subnet, String gateway, String ipRange) {}
}
