package io.berth.model;

import java.util.SortedMap;

/**
 * A top-level network of the desired document.
 *
 * @param name       the engine's network name ({@code name:} where given, else the key)
 * @param external   the network must exist already; Berth never creates or removes it
 * @param ipamSubnets subnets of {@code ipam.config}, with their gateways where given ({@code subnet[,gateway]})
 */
public record NetworkSpec(String key, String name, String driver, SortedMap<String, String> driverOpts,
                          SortedMap<String, String> labels, boolean external, boolean internal, boolean enableIpv6,
                          String ipamDriver, java.util.List<String> ipamSubnets) {

    public NetworkSpec {
        driverOpts = Immutables.sortedMap(driverOpts);
        labels = Immutables.sortedMap(labels);
        ipamSubnets = ipamSubnets == null ? java.util.List.of() : java.util.List.copyOf(ipamSubnets);
    }
}
